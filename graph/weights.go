package graph

import (
	"fmt"
	"maps"
	"math"
	"slices"

	G "gorgonia.org/gorgonia"
)

// Tensor is a learnable's value in the layout of the model file (docs/spec.md
// §9, PyTorch's: out, in, h, w; linear weights out x in), in
// float64 so that float32 and float64 networks exchange values exactly.
type Tensor struct {
	Shape []int
	Data  []float64
}

// setNodeData writes vals into the node's value in place.
func setNodeData(n *G.Node, vals []float64) error {
	if n.Value() == nil {
		return fmt.Errorf("graph: %s has no value", n.Name())
	}
	switch d := n.Value().Data().(type) {
	case []float32:
		if len(d) != len(vals) {
			return fmt.Errorf("graph: %s holds %d values, not %d", n.Name(), len(d), len(vals))
		}
		for i, v := range vals {
			d[i] = float32(v)
		}
	case []float64:
		if len(d) != len(vals) {
			return fmt.Errorf("graph: %s holds %d values, not %d", n.Name(), len(d), len(vals))
		}
		copy(d, vals)
	default:
		return fmt.Errorf("graph: %s holds %T", n.Name(), d)
	}
	return nil
}

// nodeData reads the node's value as float64.
func nodeData(n *G.Node) []float64 {
	switch d := n.Value().Data().(type) {
	case []float32:
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(v)
		}
		return out
	case []float64:
		return slices.Clone(d)
	}
	return nil
}

// denseKernels unpacks a convolution weight packed by its table (one
// kernel of k values per connected pair) into Out x In x k, zeros for the
// pairs not connected.
func denseKernels(t Table, k int, packed []float64) []float64 {
	dense := make([]float64, t.Out()*t.In*k)
	pairOut, pairIn := t.pairList()
	for p := range pairOut {
		copy(dense[(pairOut[p]*t.In+pairIn[p])*k:][:k], packed[p*k:(p+1)*k])
	}
	return dense
}

// packKernels packs a dense Out x In x k convolution weight by its table,
// refusing a non-zero entry of a pair not connected.
func packKernels(name string, t Table, k int, dense []float64) ([]float64, error) {
	for o := range t.Out() {
		for i := range t.In {
			if t.Connected(o, i) {
				continue
			}
			for e, v := range dense[(o*t.In+i)*k : (o*t.In+i+1)*k] {
				if v != 0 {
					side := int(math.Sqrt(float64(k)))
					return nil, fmt.Errorf("%s[%d,%d,%d,%d] is %g, but output map %d is not connected to input map %d (its connection table): it must be 0", name, o, i, e/side, e%side, v, o, i)
				}
			}
		}
	}
	pairOut, pairIn := t.pairList()
	packed := make([]float64, len(pairOut)*k)
	for p := range pairOut {
		copy(packed[p*k:(p+1)*k], dense[(pairOut[p]*t.In+pairIn[p])*k:][:k])
	}
	return packed, nil
}

// Weights returns every tensor of the set in the model file's layout,
// keyed by its name without the set's prefix: the learnables, plus the
// codes (rbf.centers) for the RBF head. Read it after training to save
// the model.
func (p *Params) Weights() map[string]Tensor {
	out := make(map[string]Tensor, len(p.nodes)+1)
	for k, s := range p.specs {
		vals := nodeData(p.nodes[k])
		if s.table != nil {
			vals = denseKernels(*s.table, s.kernel, vals)
		}
		out[s.Name] = Tensor{Shape: slices.Clone(s.FileShape), Data: vals}
	}
	for _, s := range p.arch.Specs() {
		if !s.Learnable {
			out[s.Name] = Tensor{Shape: slices.Clone(s.FileShape), Data: slices.Clone(s.constant)}
		}
	}
	return out
}

// SetWeights loads values in the model file's layout, keyed by names
// without the set's prefix, into the learnables. It checks that the
// tensors are of the set's head (rbf.centers, equal to the codes, for
// RBF; out.weight and out.bias for softmax), then, in model-file order,
// that every learnable is present with its shape and finite values and
// that the entries of unconnected pairs of a convolution's table (C3's)
// are 0, and that nothing else is there; it names the first mismatch. A
// NoHead set takes the body of a model of either head and leaves the
// head's tensors aside. Nothing is changed on error.
func (p *Params) SetWeights(ws map[string]Tensor) error {
	vals, err := checkWeights(p.arch, p.specs, ws)
	if err != nil {
		return err
	}
	for k, n := range p.nodes {
		if err := setNodeData(n, vals[k]); err != nil {
			return err
		}
	}
	return nil
}

// CheckWeights checks tensors in the model file's layout as SetWeights
// checks them for a LeNet-5 set of head h, without building one: a model
// file's reader validates with it before any graph exists. Arch.CheckWeights
// does the same for any network.
func CheckWeights(h Head, ws map[string]Tensor) error {
	a, err := LeNet5().WithHead(h)
	if err != nil {
		return err
	}
	return a.CheckWeights(ws)
}

// headSpecs returns the tensors of the heads the body of a could have,
// RBF's codes and softmax's weight and bias, with the head each belongs to.
func headSpecs(a Arch) []ParamSpec {
	var out []ParamSpec
	for _, h := range []Head{RBF, Softmax} {
		b, err := a.WithHead(h)
		if err != nil {
			continue // this body cannot take that head (RBF needs 84 units)
		}
		for _, s := range b.Specs() {
			if !s.Body {
				out = append(out, s)
			}
		}
	}
	return out
}

// checkWeights does SetWeights' checks for a network a and its learnables
// specs, and returns the learnables' values in the graph's layout (packed
// convolution weights), parallel to specs.
func checkWeights(a Arch, specs []ParamSpec, ws map[string]Tensor) ([][]float64, error) {
	heads := headSpecs(a)
	if err := checkHead(a.Head(), heads, ws); err != nil {
		return nil, err
	}
	vals := make([][]float64, len(specs))
	for k, s := range specs {
		t, ok := ws[s.Name]
		if !ok {
			return nil, fmt.Errorf("missing tensor %s (a %v %s model needs %v)", s.Name, a.Head(), a.Name, a.ParamNames())
		}
		if err := checkTensor(s, t); err != nil {
			return nil, err
		}
		v := t.Data
		if s.table != nil {
			var err error
			if v, err = packKernels(s.Name, *s.table, s.kernel, v); err != nil {
				return nil, err
			}
		}
		vals[k] = v
	}
	if err := checkExtraTensors(a, heads, ws); err != nil {
		return nil, err
	}
	return vals, nil
}

// headOfWeights tells the head whose tensors ws holds, among heads: RBF
// for its codes, Softmax for its weight or bias, NoHead for neither; ok is
// false if it holds tensors of both.
func headOfWeights(heads []ParamSpec, ws map[string]Tensor) (h Head, ok bool) {
	var rbf, soft bool
	for _, s := range heads {
		if _, in := ws[s.Name]; in {
			rbf = rbf || s.Head == RBF
			soft = soft || s.Head == Softmax
		}
	}
	switch {
	case rbf && soft:
		return NoHead, false
	case rbf:
		return RBF, true
	case soft:
		return Softmax, true
	}
	return NoHead, true
}

// checkHead refuses the tensors of another head than head.
func checkHead(head Head, heads []ParamSpec, ws map[string]Tensor) error {
	h, ok := headOfWeights(heads, ws)
	switch {
	case !ok:
		return fmt.Errorf("the tensors hold both heads (rbf.centers and out.*); a model has one")
	case head == NoHead || h == head:
		return nil
	case h == NoHead:
		return fmt.Errorf("the tensors hold no head (neither rbf.centers nor out.weight), but the network has the %v head", head)
	}
	return fmt.Errorf("the tensors are of %s model, but the network has the %v head", h.article(), head)
}

// checkTensor checks a tensor's shape, size and values against its spec.
func checkTensor(s ParamSpec, t Tensor) error {
	want := s.FileShape
	if !slices.Equal(t.Shape, want) {
		return fmt.Errorf("tensor %s has shape %v, want %v", s.Name, t.Shape, want)
	}
	if size := shapeSize(want); len(t.Data) != size {
		return fmt.Errorf("tensor %s holds %d values, want %d", s.Name, len(t.Data), size)
	}
	for i, v := range t.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("tensor %s value %d is %v", s.Name, i, v)
		}
	}
	return nil
}

// checkExtraTensors refuses unknown names and checks the head's fixed
// tensors (the RBF codes); checkHead has refused another head's.
func checkExtraTensors(a Arch, heads []ParamSpec, ws map[string]Tensor) error {
	known := map[string]ParamSpec{}
	for _, s := range append(a.Specs(), heads...) {
		known[s.Name] = s
	}
	for _, name := range slices.Sorted(maps.Keys(ws)) {
		s, ok := known[name]
		switch {
		case !ok:
			return fmt.Errorf("unknown tensor %s", name)
		case !s.Learnable:
			t := ws[name]
			if err := checkTensor(s, t); err != nil {
				return err
			}
			if !slices.Equal(t.Data, s.constant) {
				return fmt.Errorf("tensor %s differs from the paper's fixed codes", name)
			}
		case !s.Body && a.Head() == NoHead:
			if err := checkTensor(s, ws[name]); err != nil {
				return err
			}
		}
	}
	return nil
}

// article returns the head's name after "a" or "an": "an rbf", "a softmax".
func (h Head) article() string {
	if h == RBF {
		return "an rbf"
	}
	return "a " + h.String()
}
