package graph

import (
	"fmt"

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
	// NoHead builds the body only, C1..F6: the 84 F6 outputs are the
	// network's output, for embeddings or a head of the caller's own.
	NoHead
)

// String returns "rbf", "softmax" or "none"; the first two are the names
// used in model files and flags.
func (h Head) String() string {
	switch h {
	case RBF:
		return "rbf"
	case Softmax:
		return "softmax"
	case NoHead:
		return "none"
	}
	return fmt.Sprintf("Head(%d)", int(h))
}

// ParseHead reads "rbf" or "softmax", the heads a model file can hold.
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

// config holds the options of NewParams and New.
type config struct {
	head      Head
	headSet   bool
	j         float64
	seed      uint64
	workers   int
	inputGrad bool
	prefix    string
	arch      *Arch // nil = LeNet5()
	dtype     tensor.Dtype
	dtypeSet  bool
	zero      bool // WithZeroWeights: skip drawing the initial weights
	inPlace   bool // WithInPlaceSquash
}

// defaultConfig is what NewParams and New use without options.
func defaultConfig() config {
	return config{head: RBF, j: DefaultJ, seed: 1, workers: defaultWorkers(), dtype: tensor.Float32}
}

// Option configures NewParams and New.
type Option func(*config)

// WithHead selects the output head (default RBF); NoHead builds C1..F6 only.
func WithHead(h Head) Option { return func(c *config) { c.head, c.headSet = h, true } }

// WithJ sets the MAP loss constant j (default DefaultJ). Only the RBF head uses it.
func WithJ(j float64) Option { return func(c *config) { c.j = j } }

// WithSeed sets the seed of the initial weights (default 1): the same seed
// gives the same weights.
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithZeroWeights leaves every learnable at 0 instead of drawing it from
// the seed: for a set whose weights are set next (Params.SetWeights, or a
// model file's Load), where drawing 60,000 numbers only to overwrite them
// is most of what building a network costs a short command.
func WithZeroWeights() Option { return func(c *config) { c.zero = true } }

// WithInPlaceSquash lets each squashing function overwrite its input, the
// layer's weighted sums, where nothing else in the graph reads them (it
// takes its gradient from its output, so in training graphs too): a
// layer's Pre and Out then share one buffer, and after a run Pre's value
// is Out's. For inference graphs that are built and run once, as a
// command's: the first run touches a third less memory (a cold `infer` on
// a line of touching digits allocates 22 MB instead of 33 MB). Without
// it, Pre keeps the weighted sums.
func WithInPlaceSquash() Option { return func(c *config) { c.inPlace = true } }

// WithPrefix starts the name of every node of the parameter set with
// prefix (default none), so that several sets can live in one graph:
// WithPrefix("a/") names C1's weight "a/c1.weight". Weights, SetWeights
// and the model file use the names without the prefix.
func WithPrefix(prefix string) Option { return func(c *config) { c.prefix = prefix } }

// WithDtype sets the parameters' type, tensor.Float32 (the default of
// NewParams) or tensor.Float64. New takes the input's type; giving it a
// different one here is an error.
func WithDtype(dt tensor.Dtype) Option {
	return func(c *config) { c.dtype, c.dtypeSet = dt, true }
}

// WithWorkers sets how many goroutines each layer splits a batch over
// (default GOMAXPROCS).
func WithWorkers(n int) Option { return func(c *config) { c.workers = n } }

// WithInputGradient makes C1 differentiable with respect to the input
// (for saliency maps or adversarial examples); training does not need it,
// and it costs as much as C1's forward pass.
func WithInputGradient() Option { return func(c *config) { c.inputGrad = true } }

// WithArch builds another network than LeNet-5 (Arch; ArchNamed gives the
// paper's by name). WithHead, given too, replaces its head.
func WithArch(a Arch) Option {
	return func(c *config) {
		c.arch = &a
		if !c.headSet {
			c.head = a.Head()
		}
	}
}
