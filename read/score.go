package read

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Scores is what a Scorer says about one piece of a line.
type Scores struct {
	// Cost holds the penalty of reading the piece as each digit, smaller
	// is better; the best path through the lattice minimises their sum.
	// For the RBF head it is the unit's squared distance, as in the
	// paper's Section V; for the softmax head, -log of the digit's
	// probability. Costs must be finite and not negative.
	Cost [graph.Classes]float64
	// Prob holds the posterior probability of each digit. Together with
	// None they add up to 1.
	Prob [graph.Classes]float64
	// None is the probability that the piece is no digit at all (a half
	// digit, two digits, a speck).
	None float64
	// MaxProb is the largest probability the scorer ever gives a digit (0
	// means 1). The RBF head's rubbish term caps it: with the cost of d at
	// 0 and the others infinite, P(d) = 1 / (1 + e^-j), 0.525 for the
	// shipped model's j = 0.1. Digit.Confidence is Prob / MaxProb.
	MaxProb float64
}

// confidence returns the probability of digit d relative to the largest
// the scorer gives, in [0, 1].
func (s *Scores) confidence(d int) float64 {
	top := s.MaxProb
	if !(top > 0) {
		top = 1
	}
	return min(max(s.Prob[d]/top, 0), 1)
}

// Best returns the digit of least cost.
func (s *Scores) Best() int {
	best := 0
	for d, c := range s.Cost {
		if c < s.Cost[best] {
			best = d
		}
	}
	return best
}

// A Scorer scores pieces of a line. Each piece is an MNIST-like image of
// data.ImageSize bytes, row-major, 0 = background, 255 = ink (what
// data.NormalizeDigit returns). Score returns one Scores per piece, in
// order; a Reader calls it once per image with all the pieces of the
// image. A Scorer that a Reader shares between goroutines must be safe for
// concurrent use.
type Scorer interface {
	Score(pieces [][]uint8) ([]Scores, error)
}

// Bounds of the ModelScorer's graph pool.
const (
	// maxBatch is the largest batch one graph runs; bigger inputs run in
	// chunks of maxBatch. With batch sizes rounded up to powers of two the
	// pool holds at most 7 graphs (1, 2, 4, ..., 64); the biggest keeps
	// about 6 MB of activations and scratch.
	maxBatch = 64
)

// ModelScorer scores pieces with a LeNet-5 model file (or an ensemble of
// LeNet-5s, whose distances it averages), through the graph
// package's public API: one Gorgonia graph and tape machine per batch size,
// batch sizes rounded up to a power of two and capped at 64 (bigger inputs
// run in chunks), so the pool stays bounded whatever the number of pieces.
// All the pieces of one call run in one forward pass when they are 64 or
// fewer. A ModelScorer is safe for concurrent use: a mutex serialises the
// machines, which are not.
type ModelScorer struct {
	model *modelfile.Model
	// calib is the model's Calibration, when its file has one (RBF head).
	calib *Calibration
	mu    sync.Mutex
	nets  map[int]*scoreNet
}

// scoreNet is one inference graph and its bound input: the model's
// network, or an ensemble's members side by side on the same input.
type scoreNet struct {
	nets  []*graph.Net
	in    *G.Node
	vm    G.VM
	input []float32
	x     *tensor.Dense
}

// NewModelScorer returns a scorer running model m. It checks m but builds
// the graphs only when a batch of their size first comes.
func NewModelScorer(m *modelfile.Model) (*ModelScorer, error) {
	if m == nil {
		return nil, errors.New("read: no model")
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if m.Head != graph.RBF && m.Head != graph.Softmax {
		return nil, fmt.Errorf("read: model %s has the %v head; the reader needs the RBF or softmax head", m.File, m.Head)
	}
	s := &ModelScorer{model: m, nets: map[int]*scoreNet{}}
	c, ok, err := CalibrationOf(m)
	if err != nil {
		return nil, err
	}
	if ok && m.Head == graph.RBF {
		s.calib = &c
	}
	return s, nil
}

// Calibration returns the model's calibration, if its file has one.
func (s *ModelScorer) Calibration() (Calibration, bool) {
	if s.calib == nil {
		return Calibration{}, false
	}
	return *s.calib, true
}

// Close releases the machines. The scorer must not be used afterwards.
func (s *ModelScorer) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for n, sn := range s.nets {
		sn.vm.Close()
		delete(s.nets, n)
	}
}

// batchSize returns the graph batch size for n pieces: n rounded up to a
// power of two, at most maxBatch.
func batchSize(n int) int {
	b := 1
	for b < n && b < maxBatch {
		b *= 2
	}
	return b
}

// netFor returns the graph for batches of n (a power of two), building it
// the first time.
func (s *ModelScorer) netFor(n int) (*scoreNet, error) {
	if sn, ok := s.nets[n]; ok {
		return sn, nil
	}
	g := G.NewGraph()
	in := graph.NewInput(g, tensor.Float32, n)
	nets, err := s.model.BuildAll(in, graph.WithWorkers(1), graph.WithInPlaceSquash())
	if err != nil {
		return nil, fmt.Errorf("read: building the scoring graph: %w", err)
	}
	sn := &scoreNet{nets: nets, in: in, vm: G.NewTapeMachine(g), input: make([]float32, n*data.InputSize)}
	sn.x = tensor.New(tensor.WithShape(n, 1, data.InputSide, data.InputSide), tensor.WithBacking(sn.input))
	s.nets[n] = sn
	return sn, nil
}

// Score runs the pieces through the network, at most 64 at a time.
func (s *ModelScorer) Score(pieces [][]uint8) ([]Scores, error) {
	for i, p := range pieces {
		if len(p) != data.ImageSize {
			return nil, fmt.Errorf("read: piece %d has %d bytes, want %d", i, len(p), data.ImageSize)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Scores, 0, len(pieces))
	for len(pieces) > 0 {
		chunk := pieces[:min(len(pieces), maxBatch)]
		pieces = pieces[len(chunk):]
		sn, err := s.netFor(batchSize(len(chunk)))
		if err != nil {
			return nil, err
		}
		for i := range sn.input {
			sn.input[i] = data.Background
		}
		for k, p := range chunk {
			data.Preprocess(sn.input[k*data.InputSize:(k+1)*data.InputSize], p)
		}
		if err := G.Let(sn.in, sn.x); err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
		sn.vm.Reset()
		if err := graph.RunTape(sn.vm); err != nil {
			return nil, fmt.Errorf("read: running the network: %w", err)
		}
		y, err := modelfile.AverageOutputs(sn.nets)
		if err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
		for k := range chunk {
			row := y[k*graph.Classes : (k+1)*graph.Classes]
			if s.calib != nil {
				out = append(out, s.calib.Scores(row))
			} else {
				out = append(out, scoresOf(s.model.Head, s.model.J, row))
			}
		}
	}
	return out, nil
}

// scoresOf turns one row of network outputs into Scores, for a model
// without a Calibration.
//
// RBF head: the costs are the distances y, and the posterior is the MAP
// loss's (graph/loss.go, docs/spec.md §4) with its rubbish class: P(d) =
// e^-y_d / (e^-j + sum_i e^-y_i) and P(none) = e^-j / (the same sum).
//
// Softmax head: the network has no rubbish class, so None is 0 and the
// cost of d is -log P(d).
func scoresOf(h graph.Head, j float64, y []float64) Scores {
	var s Scores
	if h == graph.RBF {
		m := j
		for _, v := range y {
			m = math.Min(m, v)
		}
		den := math.Exp(m - j)
		for d, v := range y {
			s.Cost[d] = max(v, 0)
			s.Prob[d] = math.Exp(m - v)
			den += s.Prob[d]
		}
		for d := range s.Prob {
			s.Prob[d] /= den
		}
		s.None = math.Exp(m-j) / den
		s.MaxProb = 1 / (1 + math.Exp(-j))
		return s
	}
	m := math.Inf(-1)
	for _, v := range y {
		m = math.Max(m, v)
	}
	var den float64
	for d, v := range y {
		s.Prob[d] = math.Exp(v - m)
		den += s.Prob[d]
	}
	for d, v := range y {
		s.Prob[d] /= den
		s.Cost[d] = m + math.Log(den) - v
	}
	s.MaxProb = 1
	return s
}
