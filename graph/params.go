package graph

import (
	"fmt"
	"math/rand/v2"
	"slices"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Params is one set of a network's parameters in a graph (LeNet-5's, or
// another Arch's): the learnables of its layers and of its head, named
// prefix+name (see Geometry and Arch.Specs). Apply builds the network on an
// input with these parameters; every application of one set shares its
// weights (a siamese pair), and two sets are two independent networks (an
// ensemble).
type Params struct {
	// Head is the output head; NoHead for C1..F6 only.
	Head Head
	// J is the MAP loss constant (RBF head).
	J float64
	// Prefix starts every node name of the set.
	Prefix string

	arch      Arch
	g         *G.ExprGraph
	dt        tensor.Dtype
	workers   int
	inputGrad bool
	inPlace   bool        // WithInPlaceSquash
	specs     []ParamSpec // the learnables, in Learnables order
	nodes     []*G.Node   // parallel to specs
	codes     *G.Node     // the RBF head's constant codes, or nil
	codeVals  []float64   // their values
}

// NewParams adds a set of LeNet-5 parameters to g, drawn from the spec's
// initialisation with the seed of WithSeed. The options choose the head
// (WithHead, NoHead for the body only), the node-name prefix
// (WithPrefix), the type (WithDtype, default float32), the seed and the
// MAP constant j; WithWorkers and WithInputGradient apply to every
// network built from the set.
//
// A node of g that already has one of the set's names is an error naming
// it: Gorgonia would otherwise merge two same-named parameters into one,
// and two sets would silently share their weights. Give each set of a
// graph its own prefix.
func NewParams(g *G.ExprGraph, opts ...Option) (*Params, error) {
	c := defaultConfig()
	for _, o := range opts {
		o(&c)
	}
	return newParams(g, c)
}

// newParams builds the set for a resolved configuration.
func newParams(g *G.ExprGraph, c config) (*Params, error) {
	if g == nil {
		return nil, fmt.Errorf("graph: nil graph")
	}
	if c.head != RBF && c.head != Softmax && c.head != NoHead {
		return nil, fmt.Errorf("graph: unknown head %v", c.head)
	}
	arch := LeNet5()
	if c.arch != nil {
		arch = *c.arch
	}
	arch, err := arch.WithHead(c.head)
	if err != nil {
		return nil, err
	}
	if err := arch.Validate(); err != nil {
		return nil, err
	}
	if c.dtype != tensor.Float32 && c.dtype != tensor.Float64 {
		return nil, fmt.Errorf("graph: parameters must be float32 or float64, not %v", c.dtype)
	}
	if c.workers < 1 {
		c.workers = 1
	}
	p := &Params{Head: c.head, J: c.j, Prefix: c.prefix, arch: arch, g: g, dt: c.dtype, workers: c.workers, inputGrad: c.inputGrad, inPlace: c.inPlace}
	specs := arch.Specs()
	for _, s := range specs {
		if name := c.prefix + s.Name; len(g.ByName(name)) > 0 {
			return nil, fmt.Errorf("graph: the graph already has a node named %q: give each parameter set its own WithPrefix", name)
		}
	}
	for _, s := range specs {
		if !s.Learnable {
			p.codeVals = s.constant
			p.codes = G.NewConstant(tensor.New(tensor.WithShape(s.Shape...), tensor.WithBacking(codesOf(s.constant, c.dtype))),
				G.WithName(c.prefix+s.Name))
			continue
		}
		n := G.NewTensor(g, c.dtype, len(s.Shape), G.WithShape(s.Shape...), G.WithName(c.prefix+s.Name), G.WithInit(G.Zeroes()))
		p.specs = append(p.specs, s)
		p.nodes = append(p.nodes, n)
	}
	if c.zero {
		return p, nil // the nodes start at zero (G.Zeroes above)
	}
	if err := p.init(c.seed); err != nil {
		return nil, err
	}
	return p, nil
}

// codesOf returns RBF codes as the backing of a tensor of dt.
func codesOf(codes []float64, dt tensor.Dtype) any {
	if dt != tensor.Float32 {
		return slices.Clone(codes)
	}
	c32 := make([]float32, len(codes))
	for i, v := range codes {
		c32[i] = float32(v)
	}
	return c32
}

// init draws every learnable uniform in [-2.4/F, 2.4/F) with F its unit's
// fan-in, biases included (docs/spec.md §5), in Learnables order from one
// PCG stream of seed.
func (p *Params) init(seed uint64) error {
	rng := rand.NewPCG(seed, 0x1e4e75)
	for k, s := range p.specs {
		vals := make([]float64, s.Size())
		for i := range vals {
			u := float64(rng.Uint64()>>11) / (1 << 53)
			r := 2.4 / float64(s.FanIn(i))
			vals[i] = (2*u - 1) * r
		}
		if err := setNodeData(p.nodes[k], vals); err != nil {
			return err
		}
	}
	return nil
}

// Learnables returns the set's trainable nodes in the fixed order of the
// model file (docs/spec.md §9): c1.weight, c1.bias, s2.coef, s2.bias,
// c3.weight, c3.bias, s4.coef, s4.bias, c5.weight, c5.bias, f6.weight,
// f6.bias, then out.weight, out.bias for the softmax head; each named
// Prefix+name. c3.weight holds only the 60 connected 5x5 kernels, packed
// as 60 x 5 x 5 in the order of C3Table; the RBF codes are a constant,
// not a learnable.
func (p *Params) Learnables() G.Nodes { return append(G.Nodes(nil), p.nodes...) }

// Model returns the learnables, as Gorgonia layers conventionally name it.
func (p *Params) Model() G.Nodes { return p.Learnables() }

// Body returns the learnables of C1..F6 only: the ones to differentiate
// a loss built on F6 with (gorgonia.Grad refuses a learnable that the
// loss does not depend on, such as the softmax head's).
func (p *Params) Body() G.Nodes {
	var out G.Nodes
	for k, s := range p.specs {
		if s.Body {
			out = append(out, p.nodes[k])
		}
	}
	return out
}

// LearnablesOf returns the set's learnables that node depends on, in
// Learnables order: the ones gorgonia.Grad accepts for a cost built on
// any part of a network of the set.
func (p *Params) LearnablesOf(node *G.Node) G.Nodes {
	seen := map[int64]bool{}
	stack := []*G.Node{node}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == nil || seen[n.ID()] {
			continue
		}
		seen[n.ID()] = true
		for it := p.g.From(n.ID()); it.Next(); {
			if c, ok := it.Node().(*G.Node); ok {
				stack = append(stack, c)
			}
		}
	}
	var out G.Nodes
	for _, n := range p.nodes {
		if seen[n.ID()] {
			out = append(out, n)
		}
	}
	return out
}

// Codes returns the RBF head's constant node of the codes (10 x 84 for
// LeNet-5), or nil.
func (p *Params) Codes() *G.Node { return p.codes }

// Arch returns the network the set is for, its head included.
func (p *Params) Arch() Arch { return p.arch }

// Graph returns the graph the set lives in.
func (p *Params) Graph() *G.ExprGraph { return p.g }

// Dtype returns the parameters' type.
func (p *Params) Dtype() tensor.Dtype { return p.dt }
