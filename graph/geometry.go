package graph

import "slices"

// ParamSpec describes one tensor of LeNet-5: its place in the network,
// its shape in the graph and in the model file, and the fan-in that sets
// its initial range. The table of all of them, Geometry, is the one place
// the network's geometry is written down: the builder, the summary, the
// model-file layout and the initialisation read it.
type ParamSpec struct {
	// Name is the tensor's name in the model file and in Weights, without
	// any prefix of the parameter set.
	Name string
	// Layer is the stage that uses it: C1, S2, C3, S4, C5, F6 or output.
	Layer string
	// Body is true for C1..F6's tensors, which every head has.
	Body bool
	// Head is the head a tensor outside the body belongs to: Softmax for
	// out.weight and out.bias, RBF for rbf.centers. It is not set (zero)
	// for the body's tensors.
	Head Head
	// Learnable is false only for rbf.centers, the RBF head's fixed codes,
	// which live in the graph as a constant.
	Learnable bool
	// Shape is the tensor's shape in the graph; FileShape its shape in the
	// model file. They differ only for c3.weight, packed in the graph (its
	// 60 connected 5x5 kernels in C3Table's pair order) and dense in the
	// file (16 x 6 x 5 x 5, zeros for the 36 unconnected pairs).
	Shape, FileShape []int
	// fanIn returns the number of inputs of the unit that element i (in
	// the graph's layout) serves: the F of the initial range +-2.4/F.
	fanIn func(i int) int
}

// FanIn returns the number of inputs of the unit that element i of the
// tensor (in the graph's layout) serves (docs/spec.md §5): the F of the
// initial range +-2.4/F. It is 0 for rbf.centers, which is not initialised.
func (s ParamSpec) FanIn(i int) int {
	if s.fanIn == nil {
		return 0
	}
	return s.fanIn(i)
}

// Size returns the number of values in the graph's layout.
func (s ParamSpec) Size() int { return shapeSize(s.Shape) }

// shapeSize multiplies the dimensions.
func shapeSize(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// fixed returns a fan-in that is the same for every element.
func fixed(f int) func(int) int { return func(int) int { return f } }

// c3FanIn gives each C3 weight or bias the fan-in of its output map: 25
// per connected S2 map.
func c3FanIn(perKernel bool) func(int) int {
	pairOut, _ := C3Table.pairList()
	return func(i int) int {
		o := i
		if perKernel {
			o = pairOut[i/25]
		}
		return 25 * len(C3Table.Inputs[o])
	}
}

// geometry is LeNet-5, parameter by parameter, in model-file order.
var geometry = []ParamSpec{
	{Name: "c1.weight", Layer: "C1", Body: true, Learnable: true, Shape: []int{6, 1, 5, 5}, fanIn: fixed(25)},
	{Name: "c1.bias", Layer: "C1", Body: true, Learnable: true, Shape: []int{6}, fanIn: fixed(25)},
	{Name: "s2.coef", Layer: "S2", Body: true, Learnable: true, Shape: []int{6}, fanIn: fixed(4)},
	{Name: "s2.bias", Layer: "S2", Body: true, Learnable: true, Shape: []int{6}, fanIn: fixed(4)},
	{Name: "c3.weight", Layer: "C3", Body: true, Learnable: true, Shape: []int{C3Table.Pairs(), 5, 5},
		FileShape: []int{16, 6, 5, 5}, fanIn: c3FanIn(true)},
	{Name: "c3.bias", Layer: "C3", Body: true, Learnable: true, Shape: []int{16}, fanIn: c3FanIn(false)},
	{Name: "s4.coef", Layer: "S4", Body: true, Learnable: true, Shape: []int{16}, fanIn: fixed(4)},
	{Name: "s4.bias", Layer: "S4", Body: true, Learnable: true, Shape: []int{16}, fanIn: fixed(4)},
	{Name: "c5.weight", Layer: "C5", Body: true, Learnable: true, Shape: []int{120, 16, 5, 5}, fanIn: fixed(400)},
	{Name: "c5.bias", Layer: "C5", Body: true, Learnable: true, Shape: []int{120}, fanIn: fixed(400)},
	{Name: "f6.weight", Layer: "F6", Body: true, Learnable: true, Shape: []int{F6Units, 120}, fanIn: fixed(120)},
	{Name: "f6.bias", Layer: "F6", Body: true, Learnable: true, Shape: []int{F6Units}, fanIn: fixed(120)},
	{Name: "out.weight", Layer: "output", Head: Softmax, Learnable: true, Shape: []int{Classes, F6Units}, fanIn: fixed(F6Units)},
	{Name: "out.bias", Layer: "output", Head: Softmax, Learnable: true, Shape: []int{Classes}, fanIn: fixed(F6Units)},
	{Name: "rbf.centers", Layer: "output", Head: RBF, Shape: []int{Classes, F6Units}},
}

func init() {
	for i := range geometry {
		if geometry[i].FileShape == nil {
			geometry[i].FileShape = geometry[i].Shape
		}
	}
}

// Geometry returns the table of LeNet-5's tensors in model-file order:
// the twelve of C1..F6, then the softmax head's out.weight and out.bias,
// then the RBF head's fixed codes rbf.centers.
func Geometry() []ParamSpec {
	out := slices.Clone(geometry)
	for i := range out {
		out[i].Shape = slices.Clone(out[i].Shape)
		out[i].FileShape = slices.Clone(out[i].FileShape)
	}
	return out
}

// specsOf returns the tensors a network with head h has, learnables or
// not, in model-file order.
func specsOf(h Head) []ParamSpec {
	var out []ParamSpec
	for _, s := range geometry {
		if s.Body || s.Head == h {
			out = append(out, s)
		}
	}
	return out
}

// spec returns the table's row for name.
func spec(name string) (ParamSpec, bool) {
	for _, s := range geometry {
		if s.Name == name {
			return s, true
		}
	}
	return ParamSpec{}, false
}

// ParamNames returns the names of the learnables of a head, in the order
// of Learnables; NoHead gives C1..F6's twelve.
func ParamNames(h Head) []string {
	var names []string
	for _, s := range specsOf(h) {
		if s.Learnable {
			names = append(names, s.Name)
		}
	}
	return names
}

// FileShape returns the shape a tensor has in the model file, or nil for
// an unknown name. c3.weight is dense there (16 x 6 x 5 x 5, zeros for the
// unconnected pairs); rbf.centers is the RBF head's codes.
func FileShape(name string) []int {
	s, ok := spec(name)
	if !ok {
		return nil
	}
	return slices.Clone(s.FileShape)
}
