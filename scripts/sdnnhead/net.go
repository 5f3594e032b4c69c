package main

import (
	"math"
	"math/rand/v2"

	"github.com/lenet5-go/lenet5/graph"
	conv "github.com/lenet5-go/lenet5/internal/conv1d"
	"github.com/lenet5-go/lenet5/read"
)

// The head's training: read.ContextHead's convolutions with their
// gradients, the CTC loss over the SDNN's character model, and Adam.
// Gorgonia has no CTC loss, and the head (tens of thousands of weights on
// ten features a window) trains on features computed once, in plain Go;
// TestGradient checks the gradients against finite differences, and
// TestSameAsReader that read computes what was trained.

// classes is the head's outputs a window: the digits, then none (CTC's
// blank: none between two runs, and always between two equal digits).
const (
	classes = graph.Classes + 1
	blank   = graph.Classes
)

// layer is one convolution over the windows with its gradients and
// Adam's moments.
type layer struct {
	conv.Layer
	gw, gb         []float64
	mw, vw, mb, vb []float64
}

func newLayer(in, out, kernel int, rng *rand.Rand) *layer {
	l := trainable(in, out, kernel)
	scale := math.Sqrt(2 / float64(in*kernel)) // He, for the ReLUs
	for i := range l.W {
		l.W[i] = rng.NormFloat64() * scale
	}
	return l
}

// trainable returns a layer of zero weights with its gradients and
// moments.
func trainable(in, out, kernel int) *layer {
	n := out * kernel * in
	return &layer{Layer: conv.Layer{In: in, Out: out, Kernel: kernel, W: make([]float64, n), B: make([]float64, out)},
		gw: make([]float64, n), gb: make([]float64, out),
		mw: make([]float64, n), vw: make([]float64, n),
		mb: make([]float64, out), vb: make([]float64, out)}
}

// adam takes one step of Adam (Kingma and Ba's defaults) on p with the
// gradient g, and clears g.
func adam(p, g, m, v []float64, rate float64, step int) {
	const b1, b2, eps = 0.9, 0.999, 1e-8
	c1, c2 := 1-math.Pow(b1, float64(step)), 1-math.Pow(b2, float64(step))
	for i := range p {
		m[i] = b1*m[i] + (1-b1)*g[i]
		v[i] = b2*v[i] + (1-b2)*g[i]*g[i]
		p[i] -= rate * (m[i] / c1) / (math.Sqrt(v[i]/c2) + eps)
		g[i] = 0
	}
}

// net is the head being trained.
type net struct {
	mean, scale [graph.Classes]float64
	layers      []*layer
	steps       int
}

// newNet returns a head of hidden layers of width hidden, one for each of
// the kernels (7 and 5 by default: with the frame step of 0.1 reference
// heights, a window then sees its neighbours up to half a reference
// height away), and a linear output.
func newNet(hidden int, kernels []int, mean, scale [graph.Classes]float64, rng *rand.Rand) *net {
	n := &net{mean: mean, scale: scale}
	in := graph.Classes
	for _, k := range kernels {
		n.layers = append(n.layers, newLayer(in, hidden, k, rng))
		in = hidden
	}
	n.layers = append(n.layers, newLayer(in, classes, 1, rng))
	return n
}

// run returns every layer's input and the logits, last.
func (n *net) run(x [][graph.Classes]float64) [][]float64 {
	T := len(x)
	in := make([]float64, T*graph.Classes)
	for t := range x {
		for d := range graph.Classes {
			in[t*graph.Classes+d] = (x[t][d] - n.mean[d]) * n.scale[d]
		}
	}
	acts := [][]float64{in}
	for k, l := range n.layers {
		y := l.Forward(acts[k], T)
		if k < len(n.layers)-1 {
			for i, v := range y {
				y[i] = max(v, 0)
			}
		}
		acts = append(acts, y)
	}
	return acts
}

// step trains on one example: returns its CTC loss, and false (nothing
// learnt) when the windows cannot hold its digits.
func (n *net) step(e example, rate float64) (float64, bool) {
	loss, _, ok := n.grad(e.x, e.text)
	if !ok {
		return 0, false
	}
	n.apply(rate)
	return loss, true
}

// grad adds the gradient of the CTC loss of text on the windows x to the
// layers' and returns the loss and its gradient with respect to x; ok is
// false (nothing added) when the windows cannot hold the digits.
func (n *net) grad(x [][graph.Classes]float64, text string) (float64, [][graph.Classes]float64, bool) {
	T := len(x)
	acts := n.run(x)
	loss, d, ok := ctc(logSoftmax(acts[len(acts)-1]), T, text)
	if !ok {
		return 0, nil, false
	}
	for k := len(n.layers) - 1; k >= 0; k-- {
		if k < len(n.layers)-1 { // through the ReLU after layer k
			for i, y := range acts[k+1] {
				if y <= 0 {
					d[i] = 0
				}
			}
		}
		l := n.layers[k]
		d = l.Backward(acts[k], d, T, l.gw, l.gb)
	}
	dx := make([][graph.Classes]float64, T)
	for t := range dx {
		for c := range graph.Classes {
			dx[t][c] = d[t*graph.Classes+c] * n.scale[c]
		}
	}
	return loss, dx, true
}

// apply takes one step of Adam with the gradients grad added up, and
// clears them.
func (n *net) apply(rate float64) {
	n.steps++
	for _, l := range n.layers {
		adam(l.W, l.gw, l.mw, l.vw, rate, n.steps)
		adam(l.B, l.gb, l.mb, l.vb, rate, n.steps)
	}
}

// greedy reads the windows as CTC's best path: each window's most
// probable label, runs merged, none dropped.
func (n *net) greedy(x [][graph.Classes]float64) string {
	acts := n.run(x)
	z := acts[len(acts)-1]
	var text []byte
	prev := -1
	for t := range x {
		row := z[t*classes : (t+1)*classes]
		best := 0
		for k, v := range row {
			if v > row[best] {
				best = k
			}
		}
		if best != prev && best != blank {
			text = append(text, byte('0'+best))
		}
		prev = best
	}
	return string(text)
}

// head returns the trained head in read's form.
func (n *net) head(digitCost, switchCost float64, trained string) *read.ContextHead {
	h := &read.ContextHead{Version: read.ContextVersion, Mean: n.mean, Scale: n.scale,
		DigitCost: digitCost, SwitchCost: switchCost, Trained: trained}
	for _, l := range n.layers {
		h.Layers = append(h.Layers, read.ContextLayer{In: l.In, Out: l.Out, Kernel: l.Kernel,
			Weights: read.Float32Bytes(l.W), Biases: read.Float32Bytes(l.B)})
	}
	return h
}

// logSoftmax returns each window's log-probabilities of z's rows.
func logSoftmax(z []float64) []float64 {
	out := make([]float64, len(z))
	for t := range len(z) / classes {
		row := z[t*classes : (t+1)*classes]
		top := row[0]
		for _, v := range row {
			top = max(top, v)
		}
		sum := 0.0
		for _, v := range row {
			sum += math.Exp(v - top)
		}
		norm := top + math.Log(sum)
		for k, v := range row {
			out[t*classes+k] = v - norm
		}
	}
	return out
}

// logAdd returns ln(e^a + e^b).
func logAdd(a, b float64) float64 {
	switch {
	case math.IsInf(a, -1):
		return b
	case math.IsInf(b, -1):
		return a
	case a > b:
		return a + math.Log1p(math.Exp(b-a))
	}
	return b + math.Log1p(math.Exp(a-b))
}

// ctc returns the CTC loss -ln P(text) of the windows' log-probabilities
// lp (T rows of classes) and its gradient with respect to the logits
// (softmax - the posterior of each label given text; Graves et al. 2006).
// The paths are the character model's: each digit a run of one or more
// windows, none before, between and after, and none between two equal
// digits. ok is false when no path fits in T windows.
func ctc(lp []float64, T int, text string) (loss float64, grad []float64, ok bool) {
	K := len(text)
	S := 2*K + 1
	label := make([]int, S)
	for s := range S {
		label[s] = blank
		if s%2 == 1 {
			label[s] = int(text[s/2] - '0')
		}
	}
	// skip reports whether a path may go from s-2 to s, leaving out the
	// none between two different digits.
	skip := func(s int) bool { return s >= 2 && label[s] != blank && label[s] != label[s-2] }
	inf := math.Inf(-1)
	alpha, beta := make([]float64, T*S), make([]float64, T*S)
	for i := range alpha {
		alpha[i], beta[i] = inf, inf
	}
	alpha[0] = lp[blank]
	if S > 1 {
		alpha[1] = lp[label[1]]
	}
	for t := 1; t < T; t++ {
		for s := range S {
			a := alpha[(t-1)*S+s]
			if s >= 1 {
				a = logAdd(a, alpha[(t-1)*S+s-1])
			}
			if skip(s) {
				a = logAdd(a, alpha[(t-1)*S+s-2])
			}
			if !math.IsInf(a, -1) {
				alpha[t*S+s] = a + lp[t*classes+label[s]]
			}
		}
	}
	logP := alpha[(T-1)*S+S-1]
	if S > 1 {
		logP = logAdd(logP, alpha[(T-1)*S+S-2])
	}
	if math.IsInf(logP, -1) {
		return 0, nil, false
	}
	// beta[t,s]: the paths from (t, s) to the end, without window t.
	beta[(T-1)*S+S-1] = 0
	if S > 1 {
		beta[(T-1)*S+S-2] = 0
	}
	for t := T - 2; t >= 0; t-- {
		for s := range S {
			b := inf
			for s2 := s; s2 <= s+2 && s2 < S; s2++ {
				if s2 == s+2 && !skip(s2) {
					continue
				}
				if v := beta[(t+1)*S+s2]; !math.IsInf(v, -1) {
					b = logAdd(b, v+lp[(t+1)*classes+label[s2]])
				}
			}
			beta[t*S+s] = b
		}
	}
	grad = make([]float64, T*classes)
	for t := range T {
		var post [classes]float64
		for s := range S {
			if v := alpha[t*S+s] + beta[t*S+s]; !math.IsInf(v, -1) {
				post[label[s]] += math.Exp(v - logP)
			}
		}
		for k := range classes {
			grad[t*classes+k] = math.Exp(lp[t*classes+k]) - post[k]
		}
	}
	return -logP, grad, true
}
