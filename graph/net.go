package graph

import (
	"errors"
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Head selects the output layer and its loss.
type Head int

const (
	// RBF is the paper's output: ten Euclidean RBF units with fixed codes,
	// trained with the MAP criterion; the smallest distance wins.
	RBF Head = iota
	// Softmax is the common modern stand-in: linear 84->10 and softmax
	// cross-entropy; the largest logit wins.
	Softmax
)

// String returns "rbf" or "softmax", the names used in model files and flags.
func (h Head) String() string {
	switch h {
	case RBF:
		return "rbf"
	case Softmax:
		return "softmax"
	}
	return fmt.Sprintf("Head(%d)", int(h))
}

// ParseHead reads "rbf" or "softmax".
func ParseHead(s string) (Head, error) {
	switch s {
	case "rbf":
		return RBF, nil
	case "softmax":
		return Softmax, nil
	}
	return 0, fmt.Errorf("graph: unknown head %q (want rbf or softmax)", s)
}

// DefaultJ is the default constant j of the MAP loss (docs/spec.md §4).
const DefaultJ = 0.1

// Input sizes.
const (
	InputSide = 32
	InputMaps = 1
)

// config holds the builder's options.
type config struct {
	head       Head
	j          float64
	seed       uint64
	workers    int
	inputGrad  bool
	zeroParams bool
}

// Option configures New.
type Option func(*config)

// WithHead selects the output head (default RBF).
func WithHead(h Head) Option { return func(c *config) { c.head = h } }

// WithJ sets the MAP loss constant j (default DefaultJ). Only the RBF head uses it.
func WithJ(j float64) Option { return func(c *config) { c.j = j } }

// WithSeed sets the seed of the initial weights (default 1): the same seed
// gives the same weights.
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithWorkers sets how many goroutines each layer splits a batch over
// (default GOMAXPROCS).
func WithWorkers(n int) Option { return func(c *config) { c.workers = n } }

// WithInputGradient makes C1 differentiable with respect to the input
// (for saliency maps or adversarial examples); training does not need it,
// and it costs as much as C1's forward pass.
func WithInputGradient() Option { return func(c *config) { c.inputGrad = true } }

// Net is LeNet-5 built into a graph. The stage nodes hold each stage's
// output after a machine has run the graph.
type Net struct {
	Head Head
	// J is the MAP loss constant (RBF head).
	J float64

	Input *G.Node // N x 1 x 32 x 32
	C1    *G.Node // N x 6 x 28 x 28, after f
	S2    *G.Node // N x 6 x 14 x 14, after f
	C3    *G.Node // N x 16 x 10 x 10, after f
	S4    *G.Node // N x 16 x 5 x 5, after f
	C5    *G.Node // N x 120, after f
	F6    *G.Node // N x 84, after f
	// Output is N x 10: the RBF distances, or the softmax head's logits.
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

// NewInput adds an input node of n images (n x 1 x 32 x 32) named "input"
// to g, in float32 or float64.
func NewInput(g *G.ExprGraph, dtype tensor.Dtype, n int) *G.Node {
	return G.NewTensor(g, dtype, 4, G.WithShape(n, InputMaps, InputSide, InputSide), G.WithName("input"))
}

// New adds LeNet-5 to x's graph, reading x (N x 1 x 32 x 32, float32 or
// float64). The learnables start from the spec's initialization with the
// seed of WithSeed.
func New(x *G.Node, opts ...Option) (*Net, error) {
	c := config{head: RBF, j: DefaultJ, seed: 1, workers: defaultWorkers()}
	for _, o := range opts {
		o(&c)
	}
	if x == nil {
		return nil, errors.New("graph: nil input node")
	}
	if s := x.Shape(); len(s) != 4 || s[1] != InputMaps || s[2] != InputSide || s[3] != InputSide {
		return nil, fmt.Errorf("graph: input must be N x 1 x 32 x 32, got %v", x.Shape())
	}
	if dt := x.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return nil, fmt.Errorf("graph: input must be float32 or float64, got %v", dt)
	}
	if c.head != RBF && c.head != Softmax {
		return nil, fmt.Errorf("graph: unknown head %v", c.head)
	}
	if c.workers < 1 {
		c.workers = 1
	}
	b := &builder{cfg: c, g: x.Graph(), dt: x.Dtype()}
	net := &Net{Head: c.head, J: c.j, Input: x, g: b.g}
	net.layers = append(net.layers, Layer{Name: "input", Out: x})
	if err := b.body(net); err != nil {
		return nil, err
	}
	if err := b.head(net); err != nil {
		return nil, err
	}
	for _, l := range net.layers {
		net.params = append(net.params, l.Params...)
	}
	if err := initParams(net.params, c.seed); err != nil {
		return nil, err
	}
	return net, nil
}

// builder adds layers to a graph.
type builder struct {
	cfg config
	g   *G.ExprGraph
	dt  tensor.Dtype
	err error
}

// param adds a learnable named as in the model file.
func (b *builder) param(name string, shape ...int) *G.Node {
	return G.NewTensor(b.g, b.dt, len(shape), G.WithShape(shape...), G.WithName(name), G.WithInit(G.Zeroes()))
}

// layer applies op to (x, params...), then f, and records the stage.
func (b *builder) layer(net *Net, name string, op G.Op, x *G.Node, params ...*G.Node) *G.Node {
	if b.err != nil {
		return nil
	}
	pre, err := G.ApplyOp(op, append([]*G.Node{x}, params...)...)
	if err != nil {
		b.err = fmt.Errorf("graph: building %s: %w", name, err)
		return nil
	}
	out, err := G.ApplyOp(newSquashOp(pre.Dims(), b.cfg.workers), pre)
	if err != nil {
		b.err = fmt.Errorf("graph: building %s: %w", name, err)
		return nil
	}
	net.layers = append(net.layers, Layer{Name: name, Pre: pre, Out: out, Params: params, op: op.(counter)})
	return out
}

// body adds C1..F6.
func (b *builder) body(net *Net) error {
	w := b.cfg.workers
	net.C1 = b.layer(net, "C1", newMaskedConvOp(FullTable(1, 6), 5, 5, 4, b.cfg.inputGrad, w), net.Input,
		b.param("c1.weight", 6, 1, 5, 5), b.param("c1.bias", 6))
	net.S2 = b.layer(net, "S2", newSubsampleOp(b.cfg.workers), net.C1, b.param("s2.coef", 6), b.param("s2.bias", 6))
	net.C3 = b.layer(net, "C3", newMaskedConvOp(C3Table, 5, 5, 3, true, w), net.S2,
		b.param("c3.weight", C3Table.Pairs(), 5, 5), b.param("c3.bias", 16))
	net.S4 = b.layer(net, "S4", newSubsampleOp(b.cfg.workers), net.C3, b.param("s4.coef", 16), b.param("s4.bias", 16))
	net.C5 = b.layer(net, "C5", newLinearOp(4, 4, 16*5*5, 120, w), net.S4,
		b.param("c5.weight", 120, 16, 5, 5), b.param("c5.bias", 120))
	net.F6 = b.layer(net, "F6", newLinearOp(2, 2, 120, F6Units, w), net.C5,
		b.param("f6.weight", F6Units, 120), b.param("f6.bias", F6Units))
	return b.err
}

// head adds the output layer.
func (b *builder) head(net *Net) error {
	var op G.Op
	var inputs []*G.Node
	var params []*G.Node
	switch b.cfg.head {
	case RBF:
		codes := RBFCodes()
		var backing any = codes
		if b.dt == tensor.Float32 {
			c32 := make([]float32, len(codes))
			for i, v := range codes {
				c32[i] = float32(v)
			}
			backing = c32
		}
		net.codes = G.NewConstant(tensor.New(tensor.WithShape(Classes, F6Units), tensor.WithBacking(backing)), G.WithName("rbf.centers"))
		op, inputs = newRBFOp(), []*G.Node{net.F6, net.codes}
	case Softmax:
		params = []*G.Node{b.param("out.weight", Classes, F6Units), b.param("out.bias", Classes)}
		op, inputs = newLinearOp(2, 2, F6Units, Classes, b.cfg.workers), append([]*G.Node{net.F6}, params...)
	}
	out, err := G.ApplyOp(op, inputs...)
	if err != nil {
		return fmt.Errorf("graph: building the %v head: %w", b.cfg.head, err)
	}
	net.Output = out
	net.layers = append(net.layers, Layer{Name: "output", Out: out, Params: params, op: op.(counter)})
	return nil
}

// Loss adds the loss for labels to the graph: the mean over the batch of
// the MAP criterion (RBF head, constant J) or of the softmax
// cross-entropy. labels is an N x 10 one-hot node of the input's dtype.
func (n *Net) Loss(labels *G.Node) (*G.Node, error) {
	if labels == nil || !labels.Shape().Eq(n.Output.Shape()) || labels.Dtype() != n.Output.Dtype() {
		var got any = "nil"
		if labels != nil {
			got = fmt.Sprintf("%v %v", labels.Shape(), labels.Dtype())
		}
		return nil, fmt.Errorf("graph: labels must be one-hot %v %v, got %v", n.Output.Shape(), n.Output.Dtype(), got)
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

// NewLabels adds an N x 10 one-hot labels node named "labels" matching the
// network's output.
func (n *Net) NewLabels() *G.Node {
	s := n.Output.Shape()
	return G.NewMatrix(n.g, n.Output.Dtype(), G.WithShape(s[0], s[1]), G.WithName("labels"))
}

// Learnables returns the trainable parameters in the fixed order of the
// model file (docs/spec.md §9): c1.weight, c1.bias, s2.coef, s2.bias,
// c3.weight, c3.bias, s4.coef, s4.bias, c5.weight, c5.bias, f6.weight,
// f6.bias, then out.weight, out.bias for the softmax head. Each node is
// named so. c3.weight holds only the 60 connected 5x5 kernels, packed as
// 60 x 5 x 5 in the order of C3Table; the RBF codes are a constant, not a
// learnable.
func (n *Net) Learnables() G.Nodes { return append(G.Nodes(nil), n.params...) }

// Model returns the learnables, as Gorgonia layers conventionally name it.
func (n *Net) Model() G.Nodes { return n.Learnables() }

// Layers returns the stages from the input to the output.
func (n *Net) Layers() []Layer { return append([]Layer(nil), n.layers...) }

// Codes returns the RBF head's constant node of the codes (10 x 84), or nil.
func (n *Net) Codes() *G.Node { return n.codes }
