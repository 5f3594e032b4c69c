package graph

import (
	"errors"
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Net is LeNet-5 applied to one input node: the nodes of every stage,
// built from the parameter set Params. The stage nodes hold each stage's
// output after a machine has run the graph; those values are buffers the
// ops reuse on the next run, so copy what must outlive it.
type Net struct {
	// Head is the output head (Params.Head); NoHead for the body only.
	Head Head
	// J is the MAP loss constant (RBF head).
	J float64
	// Params is the parameter set the network was built from.
	Params *Params

	Input *G.Node // N x 1 x 32 x 32
	C1    *G.Node // N x 6 x 28 x 28, after f
	S2    *G.Node // N x 6 x 14 x 14, after f
	C3    *G.Node // N x 16 x 10 x 10, after f
	S4    *G.Node // N x 16 x 5 x 5, after f
	C5    *G.Node // N x 120, after f
	F6    *G.Node // N x 84, after f
	// Output is N x 10: the RBF distances, or the softmax head's logits;
	// nil for NoHead.
	Output *G.Node

	layers []Layer
	params []*G.Node
	codes  *G.Node
	g      *G.ExprGraph
}

// Layer is one stage of the network.
type Layer struct {
	// Name is the paper's: "input", "C1", "S2", "C3", "S4", "C5", "F6", "output".
	Name string
	// Pre is the weighted sum a before the squashing function (nil for the
	// input and the output); Out is the stage's output.
	Pre, Out *G.Node
	// Params are the layer's learnables.
	Params []*G.Node
	op     counter
}

// counter reports a layer's connections and multiply-accumulates per image.
type counter interface {
	counts(out tensor.Shape) (connections, macs int)
}

// NewInput adds an input node of n images (n x 1 x 32 x 32) to g, in
// float32 or float64. It is named "input", or "input.2", "input.3" and so
// on if the graph has that name already: two inputs of one graph never
// merge into one.
func NewInput(g *G.ExprGraph, dtype tensor.Dtype, n int) *G.Node {
	return G.NewTensor(g, dtype, 4, G.WithShape(n, InputMaps, InputSide, InputSide), G.WithName(freeName(g, "input")))
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
// (N x 1 x 32 x 32, float32 or float64). The learnables start from the
// spec's initialisation with the seed of WithSeed. Call it once per graph,
// or give each call its own WithPrefix.
func New(x *G.Node, opts ...Option) (*Net, error) {
	if err := checkInput(x); err != nil {
		return nil, err
	}
	c := defaultConfig()
	for _, o := range opts {
		o(&c)
	}
	if c.dtypeSet && c.dtype != x.Dtype() {
		return nil, fmt.Errorf("graph: WithDtype(%v), but the input is %v", c.dtype, x.Dtype())
	}
	c.dtype = x.Dtype()
	p, err := newParams(x.Graph(), c)
	if err != nil {
		return nil, err
	}
	return p.Apply(x)
}

// checkInput checks x is an N x 1 x 32 x 32 float node.
func checkInput(x *G.Node) error {
	if x == nil {
		return errors.New("graph: nil input node")
	}
	if s := x.Shape(); len(s) != 4 || s[1] != InputMaps || s[2] != InputSide || s[3] != InputSide {
		return fmt.Errorf("graph: input must be N x 1 x 32 x 32, got %v", x.Shape())
	}
	if dt := x.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return fmt.Errorf("graph: input must be float32 or float64, got %v", dt)
	}
	return nil
}

// Apply builds LeNet-5 with the set's parameters on x (N x 1 x 32 x 32 of
// the set's type, any N, in the set's graph). Call it as often as wanted:
// every network built from one set shares its weights, and gradients of
// a loss over several of them add up in the shared learnables.
func (p *Params) Apply(x *G.Node) (*Net, error) {
	if err := checkInput(x); err != nil {
		return nil, err
	}
	if x.Dtype() != p.dt {
		return nil, fmt.Errorf("graph: the input is %v, but the parameters %q are %v", x.Dtype(), p.Prefix, p.dt)
	}
	if x.Graph() != p.g {
		return nil, fmt.Errorf("graph: the input is in another graph than the parameters %q", p.Prefix)
	}
	b := &builder{p: p}
	net := &Net{Head: p.Head, J: p.J, Params: p, Input: x, codes: p.codes, g: p.g}
	net.layers = append(net.layers, Layer{Name: "input", Out: x})
	if err := b.body(net); err != nil {
		return nil, err
	}
	if p.Head != NoHead {
		if err := b.head(net); err != nil {
			return nil, err
		}
	}
	net.params = p.Learnables()
	return net, nil
}

// builder adds layers to a graph.
type builder struct {
	p   *Params
	err error
}

// layer applies op to (x, the layer's learnables...), then f, and records
// the stage.
func (b *builder) layer(net *Net, name string, op G.Op, x *G.Node) *G.Node {
	if b.err != nil {
		return nil
	}
	params := b.params(name)
	pre, err := G.ApplyOp(op, append([]*G.Node{x}, params...)...)
	if err != nil {
		b.err = fmt.Errorf("graph: building %s: %w", name, err)
		return nil
	}
	out, err := G.ApplyOp(newSquashOp(pre.Dims(), b.p.workers), pre)
	if err != nil {
		b.err = fmt.Errorf("graph: building %s: %w", name, err)
		return nil
	}
	net.layers = append(net.layers, Layer{Name: name, Pre: pre, Out: out, Params: params, op: op.(counter)})
	return out
}

// params returns the set's learnables of a layer, in table order.
func (b *builder) params(layer string) []*G.Node {
	var out []*G.Node
	for k, s := range b.p.specs {
		if s.Layer == layer {
			out = append(out, b.p.nodes[k])
		}
	}
	return out
}

// body adds C1..F6.
func (b *builder) body(net *Net) error {
	w := b.p.workers
	net.C1 = b.layer(net, "C1", newMaskedConvOp(FullTable(1, 6), 5, 5, 4, b.p.inputGrad, w), net.Input)
	net.S2 = b.layer(net, "S2", newSubsampleOp(w), net.C1)
	net.C3 = b.layer(net, "C3", newMaskedConvOp(C3Table, 5, 5, 3, true, w), net.S2)
	net.S4 = b.layer(net, "S4", newSubsampleOp(w), net.C3)
	net.C5 = b.layer(net, "C5", newLinearOp(4, 4, 16*5*5, 120, w), net.S4)
	net.F6 = b.layer(net, "F6", newLinearOp(2, 2, 120, F6Units, w), net.C5)
	return b.err
}

// head adds the output layer.
func (b *builder) head(net *Net) error {
	var op G.Op
	var inputs []*G.Node
	params := b.params("output")
	switch b.p.Head {
	case RBF:
		op, inputs = newRBFOp(), []*G.Node{net.F6, b.p.codes}
	case Softmax:
		op, inputs = newLinearOp(2, 2, F6Units, Classes, b.p.workers), append([]*G.Node{net.F6}, params...)
	}
	out, err := G.ApplyOp(op, inputs...)
	if err != nil {
		return fmt.Errorf("graph: building the %v head: %w", b.p.Head, err)
	}
	net.Output = out
	net.layers = append(net.layers, Layer{Name: "output", Out: out, Params: params, op: op.(counter)})
	return nil
}

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
	if labels != nil && n.Head == Softmax && labels.Shape().Eq(tensor.Shape{n.Output.Shape()[0], Classes + 1}) {
		return nil, fmt.Errorf("graph: labels %v have a rubbish column, which needs the RBF head's MAP loss; the softmax head has no rubbish class", labels.Shape())
	}
	if labels == nil || labels.Dtype() != n.Output.Dtype() ||
		!labels.Shape().Eq(n.Output.Shape()) && !(n.Head == RBF && labels.Shape().Eq(tensor.Shape{n.Output.Shape()[0], Classes + 1})) {
		var got any = "nil"
		if labels != nil {
			got = fmt.Sprintf("%v %v", labels.Shape(), labels.Dtype())
		}
		return nil, fmt.Errorf("graph: labels must be one-hot %v %v (or, RBF head, with an 11th rubbish column), got %v", n.Output.Shape(), n.Output.Dtype(), got)
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

// NewLabels adds an N x 10 one-hot labels node matching the input's batch
// and type, named Prefix+"labels" (or with ".2", ".3", ... appended if the
// graph has that name already).
func (n *Net) NewLabels() *G.Node {
	return G.NewMatrix(n.g, n.Input.Dtype(), G.WithShape(n.Input.Shape()[0], Classes),
		G.WithName(freeName(n.g, n.Params.Prefix+"labels")))
}

// NewRubbishLabels adds an N x 11 labels node matching the input's batch
// and type: the ten digits' one-hot columns and the rubbish class last
// (column Rubbish), for the RBF head's MAP loss. It is named as NewLabels
// names its node.
func (n *Net) NewRubbishLabels() *G.Node {
	return G.NewMatrix(n.g, n.Input.Dtype(), G.WithShape(n.Input.Shape()[0], Classes+1),
		G.WithName(freeName(n.g, n.Params.Prefix+"labels")))
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
