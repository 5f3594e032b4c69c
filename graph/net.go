package graph

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Net is a network applied to one input node: the nodes of every stage,
// built from the parameter set Params. For LeNet-5 the stage fields C1..F6
// hold them; for any network Layers and Stage do. The stage nodes hold
// each stage's output after a machine has run the graph; those values are
// buffers the ops reuse on the next run, so copy what must outlive it.
type Net struct {
	// Head is the output head (Params.Head); NoHead for the body only.
	Head Head
	// J is the MAP loss constant (RBF head).
	J float64
	// Params is the parameter set the network was built from.
	Params *Params

	Input *G.Node // N x 1 x 32 x 32 for LeNet-5; N x the Arch's Input
	// LeNet-5's stages, each after f; nil for a network without that stage.
	C1 *G.Node // N x 6 x 28 x 28
	S2 *G.Node // N x 6 x 14 x 14
	C3 *G.Node // N x 16 x 10 x 10
	S4 *G.Node // N x 16 x 5 x 5
	C5 *G.Node // N x 120
	F6 *G.Node // N x 84
	// Output is N x 10: the RBF distances, or the softmax head's logits;
	// nil for NoHead.
	Output *G.Node

	layers []Layer
	params []*G.Node
	codes  *G.Node
	g      *G.ExprGraph
}

// Layer is one stage of a built network.
type Layer struct {
	// Name is the stage's: for LeNet-5 "input", "C1", "S2", "C3", "S4",
	// "C5", "F6", "output".
	Name string
	// Pre is the weighted sum a before the squashing function (nil for the
	// input, the output and a stage without f); Out is the stage's output.
	// With WithInPlaceSquash, Pre's value after a run is Out's.
	Pre, Out *G.Node
	// Params are the layer's learnables.
	Params []*G.Node
	op     G.Op
}

// NewInput adds an input node of n images (n x 1 x 32 x 32, LeNet-5's; see
// Arch.NewInput for another network) to g, in float32 or float64. It is
// named "input", or "input.2", "input.3" and so on if the graph has that
// name already: two inputs of one graph never merge into one.
func NewInput(g *G.ExprGraph, dtype tensor.Dtype, n int) *G.Node {
	return LeNet5().NewInput(g, dtype, n)
}

// freeName returns name, or name.2, name.3, ..., the first one no node of
// g has.
func freeName(g *G.ExprGraph, name string) string {
	try := name
	for k := 2; len(g.ByName(try)) > 0; k++ {
		try = fmt.Sprintf("%s.%d", name, k)
	}
	return try
}

// New is the one-call form of NewParams and Apply: it adds a new parameter
// set to x's graph, with x's type and the options, and applies it to x
// (N x 1 x 32 x 32 for LeNet-5, float32 or float64). The learnables start
// from the spec's initialisation with the seed of WithSeed. Call it once
// per graph, or give each call its own WithPrefix. WithArch builds another
// network.
func New(x *G.Node, opts ...Option) (*Net, error) {
	if x == nil {
		return nil, errors.New("graph: nil input node")
	}
	c := defaultConfig()
	for _, o := range opts {
		o(&c)
	}
	if c.dtypeSet && c.dtype != x.Dtype() {
		return nil, fmt.Errorf("graph: WithDtype(%v), but the input is %v", c.dtype, x.Dtype())
	}
	c.dtype = x.Dtype()
	if dt := x.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return nil, fmt.Errorf("graph: input must be float32 or float64, got %v", dt)
	}
	p, err := newParams(x.Graph(), c)
	if err != nil {
		return nil, err
	}
	return p.Apply(x)
}

// checkInput checks x is an N x Input float node.
func (p *Params) checkInput(x *G.Node) error {
	if x == nil {
		return errors.New("graph: nil input node")
	}
	want := p.arch.Input
	if s := x.Shape(); len(s) != len(want)+1 || !slices.Equal([]int(s[1:]), want) {
		dims := make([]string, len(want))
		for i, d := range want {
			dims[i] = fmt.Sprint(d)
		}
		return fmt.Errorf("graph: input must be N x %s, got %v", strings.Join(dims, " x "), x.Shape())
	}
	if dt := x.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return fmt.Errorf("graph: input must be float32 or float64, got %v", dt)
	}
	return nil
}

// Apply builds the set's network with its parameters on x (N x the
// Arch's input, N x 1 x 32 x 32 for LeNet-5, of the set's type, any N, in
// the set's graph). Call it as often as wanted: every network built from
// one set shares its weights, and gradients of a loss over several of them
// add up in the shared learnables.
func (p *Params) Apply(x *G.Node) (*Net, error) {
	if err := p.checkInput(x); err != nil {
		return nil, err
	}
	if x.Dtype() != p.dt {
		return nil, fmt.Errorf("graph: the input is %v, but the parameters %q are %v", x.Dtype(), p.Prefix, p.dt)
	}
	if x.Graph() != p.g {
		return nil, fmt.Errorf("graph: the input is in another graph than the parameters %q", p.Prefix)
	}
	net := &Net{Head: p.Head, J: p.J, Params: p, Input: x, codes: p.codes, g: p.g}
	net.layers = append(net.layers, Layer{Name: "input", Out: x})
	shapes, err := p.arch.shapes()
	if err != nil {
		return nil, err
	}
	cur, first := x, true
	for k, l := range p.arch.Layers {
		oc := opConfig{workers: p.workers, first: first, inputGrad: p.inputGrad, inPlace: p.inPlace}
		if isSquash(l) {
			out, err := G.ApplyOp(l.op(shapes[k], oc), cur)
			if err != nil {
				return nil, fmt.Errorf("graph: building the squashing function of %s: %w", net.layers[len(net.layers)-1].Name, err)
			}
			last := &net.layers[len(net.layers)-1]
			last.Pre, last.Out, cur = last.Out, out, out
			continue
		}
		params := p.stageParams(l.Stage())
		inputs := append([]*G.Node{cur}, params...)
		if _, ok := l.(RBFHead); ok {
			inputs = []*G.Node{cur, p.codes}
		}
		op := l.op(shapes[k], oc)
		out, err := G.ApplyOp(op, inputs...)
		if err != nil {
			return nil, fmt.Errorf("graph: building %s: %w", l.Stage(), err)
		}
		net.layers = append(net.layers, Layer{Name: l.Stage(), Out: out, Params: params, op: op})
		cur, first = out, false
	}
	if p.Head != NoHead {
		net.Output = cur
	}
	for _, st := range []struct {
		name string
		node **G.Node
	}{{"C1", &net.C1}, {"S2", &net.S2}, {"C3", &net.C3}, {"S4", &net.S4}, {"C5", &net.C5}, {"F6", &net.F6}} {
		*st.node = net.Stage(st.name)
	}
	net.params = p.Learnables()
	return net, nil
}

// stageParams returns the set's learnables of a stage, in table order.
func (p *Params) stageParams(stage string) []*G.Node {
	var out []*G.Node
	for k, s := range p.specs {
		if s.Layer == stage {
			out = append(out, p.nodes[k])
		}
	}
	return out
}

// Stage returns the output node of the named stage ("C1", "output", the
// Arch's stage names), after its f, or nil.
func (n *Net) Stage(name string) *G.Node {
	for _, l := range n.layers {
		if l.Name == name {
			return l.Out
		}
	}
	return nil
}

// Arch returns the network the Net was built from.
func (n *Net) Arch() Arch { return n.Params.arch }

// Loss adds the loss for labels to the graph: the mean over the batch of
// the MAP criterion (RBF head, constant J) or of the softmax
// cross-entropy. labels is an N x 10 one-hot node of the input's dtype;
// with the RBF head it may also be N x 11 (NewRubbishLabels), the 11th
// column being the MAP criterion's rubbish class (column Rubbish), for
// training with patterns that are not digits. The softmax head has no
// rubbish class and refuses such labels.
// A NoHead network has no loss of its own: build one on F6.
func (n *Net) Loss(labels *G.Node) (*G.Node, error) {
	if n.Output == nil {
		return nil, errors.New("graph: a network without a head has no loss: build your own on F6")
	}
	classes := n.Output.Shape()[1]
	if labels != nil && n.Head == Softmax && labels.Shape().Eq(tensor.Shape{n.Output.Shape()[0], classes + 1}) {
		return nil, fmt.Errorf("graph: labels %v have a rubbish column, which needs the RBF head's MAP loss; the softmax head has no rubbish class", labels.Shape())
	}
	if labels == nil || labels.Dtype() != n.Output.Dtype() ||
		!labels.Shape().Eq(n.Output.Shape()) && !(n.Head == RBF && labels.Shape().Eq(tensor.Shape{n.Output.Shape()[0], classes + 1})) {
		var got any = "nil"
		if labels != nil {
			got = fmt.Sprintf("%v %v", labels.Shape(), labels.Dtype())
		}
		return nil, fmt.Errorf("graph: labels must be one-hot %v %v (or, RBF head, with a last rubbish column), got %v", n.Output.Shape(), n.Output.Dtype(), got)
	}
	kind := mapLoss
	if n.Head == Softmax {
		kind = softmaxLoss
	}
	loss, err := G.ApplyOp(newLossOp(kind, n.J), n.Output, labels)
	if err != nil {
		return nil, fmt.Errorf("graph: building the loss: %w", err)
	}
	return loss, nil
}

// NewLabels adds an N x classes (10) one-hot labels node matching the
// input's batch and type, named Prefix+"labels" (or with ".2", ".3", ... appended if the
// graph has that name already).
func (n *Net) NewLabels() *G.Node {
	return G.NewMatrix(n.g, n.Input.Dtype(), G.WithShape(n.Input.Shape()[0], n.classes()),
		G.WithName(freeName(n.g, n.Params.Prefix+"labels")))
}

// NewRubbishLabels adds an N x 11 labels node matching the input's batch
// and type: the ten digits' one-hot columns and the rubbish class last
// (column Rubbish), for the RBF head's MAP loss. It is named as NewLabels
// names its node.
func (n *Net) NewRubbishLabels() *G.Node {
	return G.NewMatrix(n.g, n.Input.Dtype(), G.WithShape(n.Input.Shape()[0], n.classes()+1),
		G.WithName(freeName(n.g, n.Params.Prefix+"labels")))
}

// classes is the number of outputs, 10 without a head (for labels).
func (n *Net) classes() int {
	if c := n.Params.arch.Classes(); c > 0 {
		return c
	}
	return Classes
}

// Learnables returns the learnables of the network's parameter set in the
// fixed order of the model file (see Params.Learnables): the twelve of
// C1..F6, then out.weight and out.bias for the softmax head. A loss that
// uses only part of the network is differentiated with Body or
// LearnablesOf instead.
func (n *Net) Learnables() G.Nodes { return append(G.Nodes(nil), n.params...) }

// Model returns the learnables, as Gorgonia layers conventionally name it.
func (n *Net) Model() G.Nodes { return n.Learnables() }

// Body returns the learnables of C1..F6 (Params.Body).
func (n *Net) Body() G.Nodes { return n.Params.Body() }

// LearnablesOf returns the learnables that node depends on
// (Params.LearnablesOf).
func (n *Net) LearnablesOf(node *G.Node) G.Nodes { return n.Params.LearnablesOf(node) }

// Weights returns the tensors of the network's parameter set
// (Params.Weights), keyed by names without the prefix.
func (n *Net) Weights() map[string]Tensor { return n.Params.Weights() }

// SetWeights loads the tensors into the network's parameter set
// (Params.SetWeights); every network of the set sees them.
func (n *Net) SetWeights(ws map[string]Tensor) error { return n.Params.SetWeights(ws) }

// Layers returns the stages from the input to the output.
func (n *Net) Layers() []Layer { return append([]Layer(nil), n.layers...) }

// Codes returns the RBF head's constant node of the codes (10 x 84), or nil.
func (n *Net) Codes() *G.Node { return n.codes }
