package read

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/internal/conv1d"
	"github.com/lenet5-go/lenet5/modelfile"
)

// The SDNN's context head: a small one-dimensional convolutional network
// over the sequence of the SDNN's windows. It reads each window's ten RBF
// distances together with those of its neighbours, up to half a
// reference height on each side, and gives each window new probabilities
// of the ten digits and of none. LeNet-5 sees one window at a time; two
// touching equal digits then look like one digit in every window, and a
// small digit half hidden by its neighbour like no digit at all
// (docs/sdnn.md). The head, trained on whole numbers with the CTC loss
// (scripts/sdnnhead), sees the run of windows, and the character model
// decodes its outputs as it decodes the network's.

// KeySDNNContext is the metadata key of the SDNN's context head (JSON of
// a ContextHead) in the SDNN network's file.
const KeySDNNContext = "sdnn_context"

// ContextVersion is the version of the head's inputs (ContextFeatures)
// and computation; a file with another is refused.
const ContextVersion = 1

// Bounds of a context head read from a file, checked before anything is
// allocated for its weights.
const (
	maxContextLayers = 8
	maxContextWidth  = 1024
	maxContextKernel = 31
	// maxContextWeights bounds the weights of all layers together.
	maxContextWeights = 4 << 20
)

// ContextHead is the SDNN's context head. Its JSON form is the metadata
// KeySDNNContext of the network's file.
type ContextHead struct {
	// Version is ContextVersion.
	Version int `json:"version"`
	// Mean and Scale standardise the features: (x - Mean) * Scale.
	Mean  [graph.Classes]float64 `json:"mean"`
	Scale [graph.Classes]float64 `json:"scale"`
	// Layers are the convolutions, a ReLU after each but the last. The
	// first takes the graph.Classes features, the last gives
	// graph.Classes+1 logits: the digits', then none's.
	Layers []ContextLayer `json:"layers"`
	// DigitCost and SwitchCost are the character model's costs for the
	// head's outputs (frameLabels), chosen on validation strings.
	DigitCost  float64 `json:"digit_cost"`
	SwitchCost float64 `json:"switch_cost"`
	// Trained says how the head was trained (the command, data and
	// figures), for the model card.
	Trained string `json:"trained,omitempty"`
}

// ContextLayer is one convolution over the windows, zero-padded at the
// ends so that every window has an output.
type ContextLayer struct {
	In     int `json:"in"`
	Out    int `json:"out"`
	Kernel int `json:"kernel"`
	// Weights holds Out*Kernel*In float32s, little-endian: the weight of
	// input i at offset j-Kernel/2 for output o is at (o*Kernel+j)*In+i.
	// JSON gives it in base64.
	Weights []byte `json:"weights"`
	// Biases holds Out float32s, little-endian.
	Biases []byte `json:"biases"`

	conv conv1d.Layer // decoded by check
}

// ContextFeatures returns the head's inputs for the windows' scores: each
// window's ln(1 + y) of the ten RBF distances y.
func ContextFeatures(scores []Scores) [][graph.Classes]float64 {
	x := make([][graph.Classes]float64, len(scores))
	for t, s := range scores {
		for d, y := range s.Cost {
			x[t][d] = math.Log1p(max(y, 0))
		}
	}
	return x
}

// ContextOf returns m's context head, nil if m has none.
func ContextOf(m *modelfile.Model) (*ContextHead, error) {
	raw, ok := m.Meta[KeySDNNContext]
	if !ok {
		return nil, nil
	}
	h, err := ParseContext([]byte(raw))
	if err != nil {
		return nil, fmt.Errorf("read: the model's %s: %w", KeySDNNContext, err)
	}
	return h, nil
}

// ParseContext decodes and checks a context head's JSON.
func ParseContext(b []byte) (*ContextHead, error) {
	// The base64 weights are 4/3 of their bytes; the JSON holds little
	// else.
	if len(b) > maxContextWeights*6 {
		return nil, fmt.Errorf("context head of %d bytes: at most %d", len(b), maxContextWeights*6)
	}
	var h ContextHead
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, fmt.Errorf("context head: %w", err)
	}
	if err := h.check(); err != nil {
		return nil, err
	}
	return &h, nil
}

// check validates the head and decodes its weights.
func (h *ContextHead) check() error {
	if h.Version != ContextVersion {
		return fmt.Errorf("context head version %d: this reader knows %d", h.Version, ContextVersion)
	}
	if n := len(h.Layers); n < 1 || n > maxContextLayers {
		return fmt.Errorf("context head of %d layers: want 1..%d", n, maxContextLayers)
	}
	for d := range graph.Classes {
		if !finite(h.Mean[d]) || !finite(h.Scale[d]) {
			return fmt.Errorf("context head: feature %d's mean %v or scale %v is not finite", d, h.Mean[d], h.Scale[d])
		}
	}
	if !finite(h.DigitCost) || !finite(h.SwitchCost) || h.DigitCost < 0 || h.SwitchCost < 0 {
		return fmt.Errorf("context head: costs %v and %v, want finite and not negative", h.DigitCost, h.SwitchCost)
	}
	in, total := graph.Classes, 0
	for k := range h.Layers {
		l := &h.Layers[k]
		switch {
		case l.In != in:
			return fmt.Errorf("context head layer %d takes %d inputs, and %d come", k, l.In, in)
		case l.Out < 1 || l.Out > maxContextWidth:
			return fmt.Errorf("context head layer %d has %d outputs: want 1..%d", k, l.Out, maxContextWidth)
		case l.Kernel < 1 || l.Kernel > maxContextKernel || l.Kernel%2 == 0:
			return fmt.Errorf("context head layer %d has a kernel of %d: want odd, 1..%d", k, l.Kernel, maxContextKernel)
		}
		n := l.Out * l.Kernel * l.In
		if total += n; total > maxContextWeights {
			return fmt.Errorf("context head: over %d weights", maxContextWeights)
		}
		if len(l.Weights) != 4*n || len(l.Biases) != 4*l.Out {
			return fmt.Errorf("context head layer %d: %d bytes of weights and %d of biases, want %d and %d", k, len(l.Weights), len(l.Biases), 4*n, 4*l.Out)
		}
		w, err := float32s(l.Weights)
		if err != nil {
			return fmt.Errorf("context head layer %d's weights: %w", k, err)
		}
		b, err := float32s(l.Biases)
		if err != nil {
			return fmt.Errorf("context head layer %d's biases: %w", k, err)
		}
		l.conv = conv1d.Layer{In: l.In, Out: l.Out, Kernel: l.Kernel, W: w, B: b}
		in = l.Out
	}
	if in != graph.Classes+1 {
		return fmt.Errorf("context head gives %d outputs a window, want %d", in, graph.Classes+1)
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// float32s decodes little-endian float32s, all finite.
func float32s(b []byte) ([]float64, error) {
	out := make([]float64, len(b)/4)
	for i := range out {
		v := float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
		if !finite(v) {
			return nil, fmt.Errorf("value %d is %v", i, v)
		}
		out[i] = v
	}
	return out, nil
}

// Values returns copies of the layer's decoded weights (laid out as
// Weights) and biases, for a trainer to start from. The head must have
// come from ParseContext or ContextOf.
func (l *ContextLayer) Values() (weights, biases []float64) {
	return slices.Clone(l.conv.W), slices.Clone(l.conv.B)
}

// Float32Bytes encodes vs as little-endian float32s, the form of
// ContextLayer's Weights and Biases.
func Float32Bytes(vs []float64) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(v)))
	}
	return b
}

// Logits returns the head's outputs for the features x, one row of
// graph.Classes+1 a window. The head must have come from ParseContext or
// ContextOf.
func (h *ContextHead) Logits(x [][graph.Classes]float64) [][]float64 {
	T := len(x)
	cur := make([]float64, T*graph.Classes)
	for t := range x {
		for d := range graph.Classes {
			cur[t*graph.Classes+d] = (x[t][d] - h.Mean[d]) * h.Scale[d]
		}
	}
	for k := range h.Layers {
		l := &h.Layers[k]
		cur = l.conv.Forward(cur, T)
		if k < len(h.Layers)-1 {
			for i, v := range cur {
				cur[i] = max(v, 0)
			}
		}
	}
	out := make([][]float64, T)
	for t := range T {
		out[t] = cur[t*(graph.Classes+1) : (t+1)*(graph.Classes+1)]
	}
	return out
}

// Apply returns the windows' scores with the head's probabilities of the
// digits and of none in place of the network's; the RBF distances (Cost)
// stay the network's. MaxProb is 1: a softmax can give a digit all of it.
func (h *ContextHead) Apply(scores []Scores) []Scores {
	logits := h.Logits(ContextFeatures(scores))
	out := make([]Scores, len(scores))
	for t, z := range logits {
		top := z[0]
		for _, v := range z {
			top = max(top, v)
		}
		sum := 0.0
		p := make([]float64, len(z))
		for k, v := range z {
			p[k] = math.Exp(v - top)
			sum += p[k]
		}
		out[t] = Scores{Cost: scores[t].Cost, MaxProb: 1}
		if !finite(top) || !finite(sum) {
			// Weights that overflow (no trained head's): the window
			// reads as no digit rather than as NaN.
			out[t].None = 1
			continue
		}
		for d := range graph.Classes {
			out[t].Prob[d] = p[d] / sum
		}
		out[t].None = p[graph.Classes] / sum
	}
	return out
}
