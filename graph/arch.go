package graph

import (
	"fmt"
	"slices"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Arch is a network described apart from any graph: its name, the shape
// of one input image, and its layers in order, the output layer (an
// RBFHead or a SoftmaxHead) last if it has one. LeNet5, LeNet1, LeNet4 and
// the fully connected nets of the paper's Fig. 9 are Archs (Nets lists
// them by name); a network of one's own is a literal:
//
//	a := graph.Arch{Name: "mine", Input: []int{3, 32, 32}, Layers: []graph.LayerSpec{
//		graph.Conv{Name: "C1", Table: graph.FullTable(3, 8), Kernel: 5}, graph.Squash{},
//		graph.Subsample{Name: "S2"}, graph.Squash{},
//		graph.Full{Name: "F3", Units: 64}, graph.Squash{},
//		graph.SoftmaxHead{},
//	}}
//
// A weighted layer and the Squash after it make one stage of the built
// network (Net.Layers), named after the weighted layer. Parameter and
// stage names must be unique within an Arch.
type Arch struct {
	Name  string
	Input []int // maps x height x width of one image
	// DigitSide is the side, in input pixels, of the box a digit is
	// scaled to (MNIST's 20, the default when 0; LeNet-1's 16). The
	// network does not use it: it tells the data what input to make.
	DigitSide int
	Layers    []LayerSpec
}

// Digit returns DigitSide, or 20 when it is 0.
func (a Arch) Digit() int {
	if a.DigitSide == 0 {
		return 20
	}
	return a.DigitSide
}

// Validate checks that every layer fits the output of the one before it,
// that each Squash follows a weighted layer, that only the last layer is
// an output head, and that no two stages or tensors share a name.
func (a Arch) Validate() error {
	_, err := a.shapes()
	return err
}

// shapes returns the input shape of every layer and, last, the network's
// output shape.
func (a Arch) shapes() ([][]int, error) {
	if err := checkPlanes("the input", a.Input); err != nil {
		return nil, fmt.Errorf("graph: network %q: %w", a.Name, err)
	}
	if len(a.Layers) == 0 {
		return nil, fmt.Errorf("graph: network %q has no layers", a.Name)
	}
	stages, names := map[string]bool{}, map[string]bool{}
	shapes := [][]int{slices.Clone(a.Input)}
	for k, l := range a.Layers {
		in := shapes[k]
		fail := func(format string, args ...any) error {
			return fmt.Errorf("graph: network %q, layer %d (%T): %s", a.Name, k+1, l, fmt.Sprintf(format, args...))
		}
		if l == nil {
			return nil, fail("nil layer")
		}
		if _, ok := l.(Squash); ok && (k == 0 || isSquash(a.Layers[k-1]) || isHead(a.Layers[k-1])) {
			return nil, fail("a squashing function must follow a weighted layer")
		}
		if isHead(l) && k != len(a.Layers)-1 {
			return nil, fail("an output head must be the last layer")
		}
		if !isSquash(l) {
			if l.Stage() == "" || stages[l.Stage()] {
				return nil, fail("stage name %q is empty or used twice", l.Stage())
			}
			stages[l.Stage()] = true
		}
		out, err := l.Out(in)
		if err != nil {
			return nil, fail("%v", err)
		}
		for _, p := range l.Params(in) {
			if names[p.Name] {
				return nil, fail("tensor name %q used twice", p.Name)
			}
			names[p.Name] = true
		}
		shapes = append(shapes, out)
	}
	return shapes, nil
}

func isSquash(l LayerSpec) bool { _, ok := l.(Squash); return ok }

func isHead(l LayerSpec) bool { _, ok := l.(headLayer); return ok }

// Head returns the output head: RBF or Softmax for an Arch whose last
// layer is one, NoHead for a body alone.
func (a Arch) Head() Head {
	if n := len(a.Layers); n > 0 {
		if h, ok := a.Layers[n-1].(headLayer); ok {
			return h.head()
		}
	}
	return NoHead
}

// Body returns the Arch without its output head.
func (a Arch) Body() Arch {
	b := a
	b.Layers = slices.Clone(a.Layers)
	if a.Head() != NoHead {
		b.Layers = b.Layers[:len(b.Layers)-1]
	}
	return b
}

// WithHead returns the Arch with its output head replaced: RBF puts the
// paper's ten codes (RBFHead{}, which needs an 84-unit layer below),
// Softmax a linear layer of ten logits (SoftmaxHead{}), NoHead the body
// alone. The Arch's own head is kept when it is already of kind h.
func (a Arch) WithHead(h Head) (Arch, error) {
	if h == a.Head() {
		return a, nil
	}
	b := a.Body()
	switch h {
	case NoHead:
		return b, nil
	case RBF:
		b.Layers = append(b.Layers, RBFHead{})
	case Softmax:
		b.Layers = append(b.Layers, SoftmaxHead{})
	default:
		return a, fmt.Errorf("graph: unknown head %v", h)
	}
	if err := b.Validate(); err != nil {
		return a, fmt.Errorf("graph: network %q with the %v head: %w", a.Name, h, err)
	}
	return b, nil
}

// Classes returns the number of output classes, or 0 without a head.
func (a Arch) Classes() int {
	if n := len(a.Layers); n > 0 {
		if h, ok := a.Layers[n-1].(headLayer); ok {
			return h.classes()
		}
	}
	return 0
}

// Specs returns every tensor of the network, learnable or not, in
// model-file order: layer by layer, each layer's in its own order. It is
// nil for an Arch that does not validate.
func (a Arch) Specs() []ParamSpec {
	shapes, err := a.shapes()
	if err != nil {
		return nil
	}
	var out []ParamSpec
	for k, l := range a.Layers {
		for _, p := range l.Params(shapes[k]) {
			if h, ok := l.(headLayer); ok {
				p.Head = h.head()
			} else {
				p.Body, p.Head = true, 0
			}
			out = append(out, p)
		}
	}
	return out
}

// ParamNames returns the names of the learnables in model-file order.
func (a Arch) ParamNames() []string {
	var names []string
	for _, s := range a.Specs() {
		if s.Learnable {
			names = append(names, s.Name)
		}
	}
	return names
}

// NewInput adds an input node of n images of the Arch's input shape to g,
// named as the package's NewInput names it.
func (a Arch) NewInput(g *G.ExprGraph, dtype tensor.Dtype, n int) *G.Node {
	shape := append([]int{n}, a.Input...)
	return G.NewTensor(g, dtype, len(shape), G.WithShape(shape...), G.WithName(freeName(g, "input")))
}

// NewParams adds a parameter set of the Arch to g, as the package's
// NewParams does for LeNet-5 (whose options it takes: WithHead replaces the
// Arch's head, see Arch.WithHead).
func (a Arch) NewParams(g *G.ExprGraph, opts ...Option) (*Params, error) {
	return NewParams(g, append([]Option{WithArch(a)}, opts...)...)
}

// Summary returns the per-stage table of the Arch without building it.
func (a Arch) Summary() (Summary, error) {
	shapes, err := a.shapes()
	if err != nil {
		return nil, err
	}
	s := Summary{{Name: "input", Shape: slices.Clone(a.Input)}}
	for k, l := range a.Layers {
		if isSquash(l) {
			s[len(s)-1].Shape = slices.Clone(shapes[k+1])
			continue
		}
		row := LayerSummary{Name: l.Stage(), Shape: slices.Clone(shapes[k+1]), Kernel: kernelOf(l, shapes[k])}
		for _, p := range l.Params(shapes[k]) {
			if p.Learnable {
				row.Params += p.Size()
			}
		}
		row.Connections, row.MACs = l.Counts(shapes[k])
		s = append(s, row)
	}
	return s, nil
}

// CheckWeights checks tensors in the model file's layout as SetWeights
// checks them for a parameter set of the Arch, without building one.
func (a Arch) CheckWeights(ws map[string]Tensor) error {
	if err := a.Validate(); err != nil {
		return err
	}
	_, err := checkWeights(a, learnableSpecs(a.Specs()), ws)
	return err
}

// learnableSpecs keeps the learnables.
func learnableSpecs(specs []ParamSpec) []ParamSpec {
	return slices.DeleteFunc(slices.Clone(specs), func(s ParamSpec) bool { return !s.Learnable })
}
