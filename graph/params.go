package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
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

// bodyNames are the learnables of C1..F6 in model-file order.
var bodyNames = []string{
	"c1.weight", "c1.bias", "s2.coef", "s2.bias", "c3.weight", "c3.bias",
	"s4.coef", "s4.bias", "c5.weight", "c5.bias", "f6.weight", "f6.bias",
}

// ParamNames returns the names of the learnables of a head, in the order of
// Learnables.
func ParamNames(h Head) []string {
	names := slices.Clone(bodyNames)
	if h == Softmax {
		names = append(names, "out.weight", "out.bias")
	}
	return names
}

// FileShape returns the shape a tensor has in the model file, or nil for
// an unknown name. c3.weight is dense there (16 x 6 x 5 x 5, zeros for the
// unconnected pairs); rbf.centers is the RBF head's codes.
func FileShape(name string) []int {
	switch name {
	case "c1.weight":
		return []int{6, 1, 5, 5}
	case "c1.bias", "s2.coef", "s2.bias":
		return []int{6}
	case "c3.weight":
		return []int{16, 6, 5, 5}
	case "c3.bias", "s4.coef", "s4.bias":
		return []int{16}
	case "c5.weight":
		return []int{120, 16, 5, 5}
	case "c5.bias":
		return []int{120}
	case "f6.weight":
		return []int{F6Units, 120}
	case "f6.bias":
		return []int{F6Units}
	case "out.weight", "rbf.centers":
		return []int{Classes, F6Units}
	case "out.bias":
		return []int{Classes}
	}
	return nil
}

// fanIn returns the number of inputs of the unit that element i of the
// named learnable serves (docs/spec.md §5).
func fanIn(name string, i int) int {
	switch name {
	case "c1.weight", "c1.bias":
		return 25
	case "s2.coef", "s2.bias", "s4.coef", "s4.bias":
		return 4
	case "c3.weight":
		pairOut, _ := C3Table.pairList()
		return 25 * len(C3Table.Inputs[pairOut[i/25]])
	case "c3.bias":
		return 25 * len(C3Table.Inputs[i])
	case "c5.weight", "c5.bias":
		return 400
	case "f6.weight", "f6.bias":
		return 120
	case "out.weight", "out.bias":
		return F6Units
	}
	return 1
}

// initParams draws every learnable uniform in [-2.4/F, 2.4/F) with F its
// unit's fan-in, biases included (docs/spec.md §5), in Learnables order
// from one PCG stream of seed.
func initParams(params []*G.Node, seed uint64) error {
	rng := rand.NewPCG(seed, 0x1e4e75)
	for _, p := range params {
		name := p.Name()
		vals := make([]float64, p.Shape().TotalSize())
		for i := range vals {
			u := float64(rng.Uint64()>>11) / (1 << 53)
			r := 2.4 / float64(fanIn(name, i))
			vals[i] = (2*u - 1) * r
		}
		if err := setNodeData(p, vals); err != nil {
			return err
		}
	}
	return nil
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

// Weights returns every learnable in the model file's layout, keyed by
// name, plus rbf.centers for the RBF head. Read it after training to save
// the model.
func (n *Net) Weights() map[string]Tensor {
	out := make(map[string]Tensor, len(n.params)+1)
	for _, p := range n.params {
		vals := nodeData(p)
		if p.Name() == "c3.weight" {
			vals = c3Dense(vals)
		}
		out[p.Name()] = Tensor{Shape: FileShape(p.Name()), Data: vals}
	}
	if n.Head == RBF {
		out["rbf.centers"] = Tensor{Shape: FileShape("rbf.centers"), Data: RBFCodes()}
	}
	return out
}

// SetWeights loads values in the model file's layout into the learnables.
// It checks, in model-file order, that every learnable is present with its
// shape and finite values, that the unconnected C3 entries are 0, that the
// tensors match the head (rbf.centers, equal to the paper's codes, for
// RBF; out.weight and out.bias for softmax) and that nothing else is
// there, and names the first mismatch. Nothing is changed on error.
func (n *Net) SetWeights(ws map[string]Tensor) error {
	vals := make([][]float64, len(n.params))
	for k, p := range n.params {
		name := p.Name()
		t, ok := ws[name]
		if !ok {
			return fmt.Errorf("missing tensor %s (a %v model needs %v)", name, n.Head, ParamNames(n.Head))
		}
		if err := checkTensor(name, t); err != nil {
			return err
		}
		v := t.Data
		if name == "c3.weight" {
			var err error
			if v, err = c3Packed(v); err != nil {
				return err
			}
		}
		vals[k] = v
	}
	if err := n.checkExtraTensors(ws); err != nil {
		return err
	}
	for k, p := range n.params {
		if err := setNodeData(p, vals[k]); err != nil {
			return err
		}
	}
	return nil
}

// checkTensor checks a tensor's shape, size and values.
func checkTensor(name string, t Tensor) error {
	want := FileShape(name)
	if !slices.Equal(t.Shape, want) {
		return fmt.Errorf("tensor %s has shape %v, want %v", name, t.Shape, want)
	}
	size := 1
	for _, d := range want {
		size *= d
	}
	if len(t.Data) != size {
		return fmt.Errorf("tensor %s holds %d values, want %d", name, len(t.Data), size)
	}
	for i, v := range t.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("tensor %s value %d is %v", name, i, v)
		}
	}
	return nil
}

// checkExtraTensors refuses tensors of the other head or unknown names.
func (n *Net) checkExtraTensors(ws map[string]Tensor) error {
	known := map[string]bool{}
	for _, name := range ParamNames(n.Head) {
		known[name] = true
	}
	names := make([]string, 0, len(ws))
	for name := range ws {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		switch {
		case known[name]:
		case name == "rbf.centers" && n.Head == RBF:
			t := ws[name]
			if err := checkTensor(name, t); err != nil {
				return err
			}
			if !slices.Equal(t.Data, RBFCodes()) {
				return fmt.Errorf("tensor rbf.centers differs from the paper's fixed codes")
			}
		case name == "rbf.centers":
			return fmt.Errorf("tensor rbf.centers belongs to the RBF head, but the network has the %v head", n.Head)
		case name == "out.weight" || name == "out.bias":
			return fmt.Errorf("tensor %s belongs to the softmax head, but the network has the %v head", name, n.Head)
		default:
			return fmt.Errorf("unknown tensor %s", name)
		}
	}
	if n.Head == RBF {
		if _, ok := ws["rbf.centers"]; !ok {
			return fmt.Errorf("missing tensor rbf.centers (the RBF head's codes)")
		}
	}
	return nil
}
