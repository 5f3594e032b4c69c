package graph

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	G "gorgonia.org/gorgonia"
)

// A LayerSpec describes one layer of a network, apart from any graph: what
// it computes, its output shape for an input shape, and its learnables
// (shape, layout in the model file, fan-in). The layers are Conv,
// Subsample, Full, Squash, RBFHead and SoftmaxHead; an Arch lists them in
// order, and Arch.NewParams and Params.Apply put them into a graph.
//
// Shapes are per image, without the batch: maps x height x width for the
// planes of the convolutional layers, units for a fully connected output.
// The set of layers is closed: each has its own Gorgonia ops with their
// gradient and Gauss-Newton passes, which a new kind would have to bring.
type LayerSpec interface {
	// Stage returns the layer's stage name, as the paper's "C1" or "F6".
	Stage() string
	// Out returns the output shape for an input shape, or why the layer
	// does not fit that input.
	Out(in []int) ([]int, error)
	// Params lists the layer's tensors for an input shape, learnable or
	// not, in model-file order.
	Params(in []int) []ParamSpec
	// Counts returns the layer's connections (each unit's inputs and its
	// bias, as the paper counts them) and multiply-accumulates per image.
	Counts(in []int) (connections, macs int)

	// op returns the layer's forward op for an input shape.
	op(in []int, c opConfig) G.Op
}

// opConfig holds what a layer's op needs beyond its spec.
type opConfig struct {
	workers int
	// first is true for the network's first weighted layer, which needs no
	// input gradient unless inputGrad asks for it.
	first, inputGrad bool
	// inPlace lets the squashing functions overwrite their input
	// (WithInPlaceSquash).
	inPlace bool
}

// headLayer is implemented by the output layers (RBFHead, SoftmaxHead).
type headLayer interface {
	LayerSpec
	head() Head
	classes() int
}

// paramName is prefix + "." + suffix, or the suffix's own name when the
// layer's Param is empty and the stage gives none.
func paramName(param, stage, suffix string) string {
	if param == "" {
		param = strings.ToLower(stage)
	}
	return param + "." + suffix
}

// volume multiplies the dimensions of a per-image shape.
func volume(shape []int) int { return shapeSize(shape) }

// checkPlanes checks a per-image shape is maps x height x width.
func checkPlanes(kind string, in []int) error {
	if len(in) != 3 || in[0] < 1 || in[1] < 1 || in[2] < 1 {
		return fmt.Errorf("%s needs maps x height x width planes, got %v", kind, in)
	}
	return nil
}

// Conv is a valid, stride-1 convolution with a connection table, its bias
// added: output map o sums, over the input maps Table.Inputs[o], each
// map's cross-correlation with its own Kernel x Kernel kernel. With a
// FullTable it is an ordinary convolution (LeNet-5's C1); with C3Table it
// is LeNet-5's C3, which computes 60 of the 96 pairs.
//
// Input maps x H x W, output Table.Out() x (H-Kernel+1) x (W-Kernel+1).
// Learnables: weight and bias (named Param+".weight", Param+".bias"). A
// full table's weight is Out x In x K x K in the graph and in the file;
// another table's weight is packed in the graph, one K x K kernel per
// connected pair in pair order (Pairs x K x K), and dense in the file
// (Out x In x K x K, zeros for the pairs not connected). Each unit's
// fan-in is K*K times the number of its map's inputs.
type Conv struct {
	Name   string // stage name, e.g. "C1"
	Param  string // prefix of the learnables' names; "" = lower-case Name
	Table  Table
	Kernel int
}

// Stage returns the stage name.
func (c Conv) Stage() string { return c.Name }

// Out returns the output planes.
func (c Conv) Out(in []int) ([]int, error) {
	if err := checkPlanes("convolution "+c.Name, in); err != nil {
		return nil, err
	}
	if err := c.Table.Validate(); err != nil {
		return nil, fmt.Errorf("convolution %s: %w", c.Name, err)
	}
	if in[0] != c.Table.In {
		return nil, fmt.Errorf("convolution %s: its table takes %d input maps, got %d", c.Name, c.Table.In, in[0])
	}
	if c.Kernel < 1 || in[1] < c.Kernel || in[2] < c.Kernel {
		return nil, fmt.Errorf("convolution %s: a %dx%d kernel does not fit %dx%d maps", c.Name, c.Kernel, c.Kernel, in[1], in[2])
	}
	return []int{c.Table.Out(), in[1] - c.Kernel + 1, in[2] - c.Kernel + 1}, nil
}

// full reports whether the table connects every pair.
func (c Conv) full() bool { return c.Table.Pairs() == c.Table.In*c.Table.Out() }

// Params returns the weight and the bias.
func (c Conv) Params(in []int) []ParamSpec {
	k := c.Kernel * c.Kernel
	t := c.Table
	fileShape := []int{t.Out(), t.In, c.Kernel, c.Kernel}
	shape := fileShape
	var pack *Table
	if !c.full() {
		shape = []int{t.Pairs(), c.Kernel, c.Kernel}
		pack = &t
	}
	pairOut, _ := t.pairList()
	weightFan := func(i int) int { return k * len(t.Inputs[pairOut[i/k]]) }
	if c.full() {
		weightFan = fixed(k * t.In)
	}
	return []ParamSpec{
		{Name: paramName(c.Param, c.Name, "weight"), Layer: c.Name, Learnable: true, Shape: shape,
			FileShape: fileShape, fanIn: weightFan, table: pack, kernel: k},
		{Name: paramName(c.Param, c.Name, "bias"), Layer: c.Name, Learnable: true, Shape: []int{t.Out()},
			FileShape: []int{t.Out()}, fanIn: func(o int) int { return k * len(t.Inputs[o]) }},
	}
}

// Counts returns (K*K*inputs + 1) connections per unit and K*K*inputs
// multiply-accumulates.
func (c Conv) Counts(in []int) (connections, macs int) {
	out, err := c.Out(in)
	if err != nil {
		return 0, 0
	}
	k := c.Kernel * c.Kernel
	area := out[1] * out[2]
	return area * (k*c.Table.Pairs() + c.Table.Out()), area * k * c.Table.Pairs()
}

func (c Conv) op(in []int, oc opConfig) G.Op {
	wDims := 4
	if !c.full() {
		wDims = 3
	}
	return newMaskedConvOp(c.Table, c.Kernel, c.Kernel, wDims, !oc.first || oc.inputGrad, oc.workers)
}

// Subsample is the paper's trainable sub-sampling (LeNet-5's S2 and S4):
// each map's non-overlapping 2x2 blocks are summed, multiplied by the map's
// coefficient and shifted by its bias. Input C x H x W with H and W even,
// output C x H/2 x W/2. With Copies k > 1, each input map feeds k output
// maps in a row, each with its own coefficient and bias (LeNet-4's S2,
// "connected in pairs": C*k x H/2 x W/2). Learnables: coef and bias, one per
// output map, fan-in 4.
type Subsample struct {
	Name   string // stage name, e.g. "S2"
	Param  string // prefix of the learnables' names; "" = lower-case Name
	Copies int    // output maps per input map; 0 = 1
}

// copies returns Copies, or 1 when it is 0.
func (s Subsample) copies() int { return max(s.Copies, 1) }

// Stage returns the stage name.
func (s Subsample) Stage() string { return s.Name }

// Out returns the halved planes.
func (s Subsample) Out(in []int) ([]int, error) {
	if err := checkPlanes("sub-sampling "+s.Name, in); err != nil {
		return nil, err
	}
	if in[1]%2 != 0 || in[2]%2 != 0 {
		return nil, fmt.Errorf("sub-sampling %s: 2x2 blocks need even map sides, got %dx%d", s.Name, in[1], in[2])
	}
	if s.Copies < 0 {
		return nil, fmt.Errorf("sub-sampling %s: %d copies", s.Name, s.Copies)
	}
	return []int{in[0] * s.copies(), in[1] / 2, in[2] / 2}, nil
}

// Params returns the coefficients and the biases.
func (s Subsample) Params(in []int) []ParamSpec {
	c := in[0] * s.copies()
	return []ParamSpec{
		{Name: paramName(s.Param, s.Name, "coef"), Layer: s.Name, Learnable: true, Shape: []int{c}, FileShape: []int{c}, fanIn: fixed(4)},
		{Name: paramName(s.Param, s.Name, "bias"), Layer: s.Name, Learnable: true, Shape: []int{c}, FileShape: []int{c}, fanIn: fixed(4)},
	}
}

// Counts returns 5 connections per unit (4 inputs and the bias) and one
// multiplication.
func (s Subsample) Counts(in []int) (connections, macs int) {
	units := volume(in) * s.copies() / 4
	return 5 * units, units
}

func (s Subsample) op(_ []int, oc opConfig) G.Op { return newSubsampleOp(s.copies(), oc.workers) }

// Full is a fully connected layer, its bias added: Units outputs, each
// connected to every value of the input (any shape, so that a layer over
// maps, as LeNet-5's C5, needs no reshape). Learnables: weight (Units x
// the input's shape, in the graph and in the file) and bias (Units); the
// fan-in is the input's size.
type Full struct {
	Name  string // stage name, e.g. "F6"
	Param string // prefix of the learnables' names; "" = lower-case Name
	Units int
}

// Stage returns the stage name.
func (f Full) Stage() string { return f.Name }

// Out returns the units.
func (f Full) Out(in []int) ([]int, error) {
	if f.Units < 1 {
		return nil, fmt.Errorf("fully connected %s: %d units", f.Name, f.Units)
	}
	if len(in) == 0 || volume(in) < 1 {
		return nil, fmt.Errorf("fully connected %s: empty input %v", f.Name, in)
	}
	return []int{f.Units}, nil
}

// Params returns the weight and the bias.
func (f Full) Params(in []int) []ParamSpec { return fullParams(f.Name, f.Param, f.Units, in, 0) }

// fullParams is the weight and bias of a fully connected layer.
func fullParams(stage, param string, units int, in []int, head Head) []ParamSpec {
	shape := append([]int{units}, in...)
	fan := fixed(volume(in))
	return []ParamSpec{
		{Name: paramName(param, stage, "weight"), Layer: stage, Head: head, Learnable: true, Shape: shape, FileShape: shape, fanIn: fan},
		{Name: paramName(param, stage, "bias"), Layer: stage, Head: head, Learnable: true, Shape: []int{units}, FileShape: []int{units}, fanIn: fan},
	}
}

// Counts returns (inputs + 1) connections and inputs multiply-accumulates
// per unit.
func (f Full) Counts(in []int) (connections, macs int) {
	return (volume(in) + 1) * f.Units, volume(in) * f.Units
}

func (f Full) op(in []int, oc opConfig) G.Op {
	return newLinearOp(len(in)+1, len(in)+1, volume(in), f.Units, oc.workers)
}

// Squash is the paper's squashing function f(a) = A tanh(S a), A = 1.7159,
// S = 2/3, applied to every value. It has no learnables; in an Arch it
// follows a weighted layer and becomes that stage's output, the weighted
// sum being the stage's Pre node.
type Squash struct{}

// Stage returns "": a squashing function belongs to the stage before it.
func (Squash) Stage() string { return "" }

// Out returns the input shape.
func (Squash) Out(in []int) ([]int, error) { return slices.Clone(in), nil }

// Params returns nothing.
func (Squash) Params([]int) []ParamSpec { return nil }

// Counts returns nothing: the paper counts a unit's f with its connections.
func (Squash) Counts([]int) (connections, macs int) { return 0, 0 }

func (Squash) op(in []int, oc opConfig) G.Op { return newSquashOp(len(in)+1, oc.workers, oc.inPlace) }

// RBFHead is the paper's output layer: one Euclidean radial basis function
// unit per class, the squared distance between the input vector (D
// values) and the class's fixed code, trained with the MAP criterion
// (Net.Loss); the smallest distance wins. Codes is K x D row-major; nil
// means the paper's ten 7x12 bitmaps (RBFCodes, D = 84). The codes are a
// constant of the graph, not a learnable, and are stored in the model file
// as Param+".centers".
type RBFHead struct {
	Name  string    // stage name; "" = "output"
	Param string    // prefix of the codes' name; "" = "rbf"
	Codes []float64 // K x D; nil = RBFCodes()
	K     int       // classes; 0 = 10 with the paper's codes
}

// codes returns the codes and their count.
func (r RBFHead) codes() ([]float64, int) {
	if r.Codes == nil {
		return paperCodes(), Classes // read-only: shared
	}
	return r.Codes, r.K
}

// Stage returns the stage name.
func (r RBFHead) Stage() string { return cmp.Or(r.Name, "output") }

func (r RBFHead) head() Head { return RBF }

func (r RBFHead) classes() int { _, k := r.codes(); return k }

// Out returns the K distances.
func (r RBFHead) Out(in []int) ([]int, error) {
	codes, k := r.codes()
	if k < 1 || len(codes)%k != 0 {
		return nil, fmt.Errorf("RBF head: %d code values do not make %d codes", len(codes), k)
	}
	if d := len(codes) / k; len(in) != 1 || in[0] != d {
		return nil, fmt.Errorf("RBF head: its codes have %d values, so its input must be %d units, got %v", d, d, in)
	}
	return []int{k}, nil
}

// Params returns the codes, a constant.
func (r RBFHead) Params(in []int) []ParamSpec {
	codes, k := r.codes()
	shape := []int{k, len(codes) / k}
	return []ParamSpec{{Name: cmp.Or(r.Param, "rbf") + ".centers", Layer: r.Stage(), Head: RBF, Shape: shape, FileShape: shape,
		constant: codes}}
}

// Counts returns one connection and one squared difference per code value.
func (r RBFHead) Counts([]int) (connections, macs int) {
	codes, _ := r.codes()
	return len(codes), len(codes)
}

func (r RBFHead) op(in []int, _ opConfig) G.Op {
	codes, k := r.codes()
	return newRBFOp(k, len(codes)/k)
}

// SoftmaxHead is a linear output layer of K logits, trained with the
// softmax cross-entropy (Net.Loss); the largest logit wins. Learnables:
// weight (K x the input's shape) and bias (K), named Param+".weight" and
// Param+".bias".
type SoftmaxHead struct {
	Name  string // stage name; "" = "output"
	Param string // prefix of the learnables' names; "" = "out"
	K     int    // classes; 0 = 10
}

// Stage returns the stage name.
func (s SoftmaxHead) Stage() string { return cmp.Or(s.Name, "output") }

func (s SoftmaxHead) head() Head { return Softmax }

func (s SoftmaxHead) classes() int {
	if s.K == 0 {
		return Classes
	}
	return s.K
}

// Out returns the K logits.
func (s SoftmaxHead) Out(in []int) ([]int, error) {
	if s.classes() < 1 {
		return nil, fmt.Errorf("softmax head: %d classes", s.K)
	}
	if len(in) == 0 || volume(in) < 1 {
		return nil, fmt.Errorf("softmax head: empty input %v", in)
	}
	return []int{s.classes()}, nil
}

// Params returns the weight and the bias.
func (s SoftmaxHead) Params(in []int) []ParamSpec {
	return fullParams(s.Stage(), cmp.Or(s.Param, "out"), s.classes(), in, Softmax)
}

// Counts is a fully connected layer's.
func (s SoftmaxHead) Counts(in []int) (connections, macs int) {
	return (volume(in) + 1) * s.classes(), volume(in) * s.classes()
}

func (s SoftmaxHead) op(in []int, oc opConfig) G.Op {
	return newLinearOp(len(in)+1, len(in)+1, volume(in), s.classes(), oc.workers)
}
