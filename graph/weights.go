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

// c3Dense unpacks C3's 60 kernels into 16 x 6 x 5 x 5 with zeros elsewhere.
func c3Dense(packed []float64) []float64 {
	dense := make([]float64, 16*6*25)
	pairOut, pairIn := C3Table.pairList()
	for p := range pairOut {
		copy(dense[(pairOut[p]*6+pairIn[p])*25:][:25], packed[p*25:(p+1)*25])
	}
	return dense
}

// c3Packed packs a dense 16 x 6 x 5 x 5 C3 weight, refusing a non-zero
// entry of an unconnected pair.
func c3Packed(dense []float64) ([]float64, error) {
	for o := range 16 {
		for i := range 6 {
			if C3Table.Connected(o, i) {
				continue
			}
			for k, v := range dense[(o*6+i)*25 : (o*6+i+1)*25] {
				if v != 0 {
					return nil, fmt.Errorf("c3.weight[%d,%d,%d,%d] is %g, but C3 map %d is not connected to S2 map %d (paper, Table I): it must be 0", o, i, k/5, k%5, v, o, i)
				}
			}
		}
	}
	pairOut, pairIn := C3Table.pairList()
	packed := make([]float64, len(pairOut)*25)
	for p := range pairOut {
		copy(packed[p*25:(p+1)*25], dense[(pairOut[p]*6+pairIn[p])*25:][:25])
	}
	return packed, nil
}

// Weights returns every tensor of the set in the model file's layout,
// keyed by its name without the set's prefix: the learnables, plus
// rbf.centers for the RBF head. Read it after training to save the model.
func (p *Params) Weights() map[string]Tensor {
	out := make(map[string]Tensor, len(p.nodes)+1)
	for k, s := range p.specs {
		vals := nodeData(p.nodes[k])
		if s.Name == "c3.weight" {
			vals = c3Dense(vals)
		}
		out[s.Name] = Tensor{Shape: slices.Clone(s.FileShape), Data: vals}
	}
	if p.Head == RBF {
		out["rbf.centers"] = Tensor{Shape: FileShape("rbf.centers"), Data: RBFCodes()}
	}
	return out
}

// SetWeights loads values in the model file's layout, keyed by names
// without the set's prefix, into the learnables. It checks that the
// tensors are of the set's head (rbf.centers, equal to the paper's codes,
// for RBF; out.weight and out.bias for softmax), then, in model-file
// order, that every learnable is present with its shape and finite
// values and that the unconnected C3 entries are 0, and that nothing
// else is there; it names the first mismatch. A NoHead set takes the
// body of a model of either head and leaves the head's tensors aside.
// Nothing is changed on error.
func (p *Params) SetWeights(ws map[string]Tensor) error {
	vals, err := checkWeights(p.Head, p.specs, ws)
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
// checks them for a set of head h, without building one: a model file's
// reader validates with it before any graph exists.
func CheckWeights(h Head, ws map[string]Tensor) error {
	specs := slices.DeleteFunc(specsOf(h), func(s ParamSpec) bool { return !s.Learnable })
	_, err := checkWeights(h, specs, ws)
	return err
}

// checkWeights does SetWeights' checks for head h and its learnables
// specs, and returns the learnables' values in the graph's layout
// (c3.weight packed), parallel to specs.
func checkWeights(h Head, specs []ParamSpec, ws map[string]Tensor) ([][]float64, error) {
	if err := checkHead(h, ws); err != nil {
		return nil, err
	}
	vals := make([][]float64, len(specs))
	for k, s := range specs {
		t, ok := ws[s.Name]
		if !ok {
			return nil, fmt.Errorf("missing tensor %s (a %v model needs %v)", s.Name, h, ParamNames(h))
		}
		if err := checkTensor(s.Name, t); err != nil {
			return nil, err
		}
		v := t.Data
		if s.Name == "c3.weight" {
			var err error
			if v, err = c3Packed(v); err != nil {
				return nil, err
			}
		}
		vals[k] = v
	}
	if err := checkExtraTensors(h, ws); err != nil {
		return nil, err
	}
	return vals, nil
}

// headOfWeights tells the head whose tensors ws holds: RBF for
// rbf.centers, Softmax for out.weight or out.bias, NoHead for neither;
// ok is false if it holds tensors of both.
func headOfWeights(ws map[string]Tensor) (h Head, ok bool) {
	_, rbf := ws["rbf.centers"]
	_, ow := ws["out.weight"]
	_, ob := ws["out.bias"]
	switch soft := ow || ob; {
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
func checkHead(head Head, ws map[string]Tensor) error {
	h, ok := headOfWeights(ws)
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

// checkTensor checks a tensor's shape, size and values.
func checkTensor(name string, t Tensor) error {
	want := FileShape(name)
	if !slices.Equal(t.Shape, want) {
		return fmt.Errorf("tensor %s has shape %v, want %v", name, t.Shape, want)
	}
	if size := shapeSize(want); len(t.Data) != size {
		return fmt.Errorf("tensor %s holds %d values, want %d", name, len(t.Data), size)
	}
	for i, v := range t.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("tensor %s value %d is %v", name, i, v)
		}
	}
	return nil
}

// checkExtraTensors refuses unknown names and checks the head's fixed
// tensors (the RBF codes); checkHead has refused another head's.
func checkExtraTensors(head Head, ws map[string]Tensor) error {
	for _, name := range slices.Sorted(maps.Keys(ws)) {
		s, known := spec(name)
		switch {
		case !known:
			return fmt.Errorf("unknown tensor %s", name)
		case name == "rbf.centers":
			t := ws[name]
			if err := checkTensor(name, t); err != nil {
				return err
			}
			if !slices.Equal(t.Data, RBFCodes()) {
				return fmt.Errorf("tensor rbf.centers differs from the paper's fixed codes")
			}
		case !s.Body && head == NoHead:
			if err := checkTensor(name, ws[name]); err != nil {
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
