package graph

import "slices"

// ParamSpec describes one tensor of a network: its place in the network,
// its shape in the graph and in the model file, and the fan-in that sets
// its initial range. Each layer gives its own (LayerSpec.Params);
// Arch.Specs lists a network's, and Geometry LeNet-5's.
type ParamSpec struct {
	// Name is the tensor's name in the model file and in Weights, without
	// any prefix of the parameter set.
	Name string
	// Layer is the stage that uses it: for LeNet-5 C1, S2, C3, S4, C5, F6
	// or output.
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
	// model file. They differ only for the weight of a convolution whose
	// table is not full, packed in the graph (LeNet-5's c3.weight: its 60
	// connected 5x5 kernels in C3Table's pair order) and dense in the file
	// (16 x 6 x 5 x 5, zeros for the 36 unconnected pairs).
	Shape, FileShape []int
	// fanIn returns the number of inputs of the unit that element i (in
	// the graph's layout) serves: the F of the initial range +-2.4/F.
	fanIn func(i int) int
	// table is set for a convolution weight packed by its connection
	// table in the graph, kernel its values per kernel.
	table  *Table
	kernel int
	// constant holds a tensor's fixed values (the RBF codes).
	constant []float64
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

// geometry is LeNet-5, tensor by tensor, in model-file order: the body and
// the softmax head's tensors, then the RBF head's codes. It is derived
// from the Arch (LeNet5), the one description the builder, the summary,
// the model-file layout and the initialisation read.
var geometry = func() []ParamSpec {
	soft, err := LeNet5().WithHead(Softmax)
	if err != nil {
		panic(err) // LeNet-5 itself: a test covers it
	}
	specs := soft.Specs()
	for _, s := range LeNet5().Specs() {
		if !s.Learnable {
			specs = append(specs, s)
		}
	}
	return specs
}()

// Geometry returns the table of LeNet-5's tensors in model-file order:
// the twelve of C1..F6, then the softmax head's out.weight and out.bias,
// then the RBF head's fixed codes rbf.centers. Arch.Specs gives the same
// for any network.
func Geometry() []ParamSpec {
	out := slices.Clone(geometry)
	for i := range out {
		out[i].Shape = slices.Clone(out[i].Shape)
		out[i].FileShape = slices.Clone(out[i].FileShape)
	}
	return out
}

// specsOf returns the tensors LeNet-5 with head h has, learnables or
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

// spec returns LeNet-5's row for name.
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
