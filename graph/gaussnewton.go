package graph

import (
	"errors"
	"fmt"
	"math"
	"slices"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The curvature of the paper's stochastic diagonal Levenberg-Marquardt
// method (docs/spec.md §7; LeCun et al. 1998, appendix C): a Gauss-Newton
// estimate of each learnable's diagonal second derivative, back-propagated
// with the squared derivative of f and squared weights:
//
//	d2E/da_i^2 = f'(a_i)^2 d2E/dx_i^2
//	d2E/dx_j^2 = sum_i w_ij^2 d2E/da_i^2
//	d2E/dw^2   = sum over the connections (i, j) sharing w of d2E/da_i^2 x_j^2
//
// Each of these is a first-order backward pass on squared operands: the
// input gradient with squared weights, the weight gradient with squared
// inputs, the bias gradient unchanged. So the second-order counterpart of
// every layer op is its own gradient ops, run on squares; for the
// sub-sampling layers that gives a unit's coefficient the sum of its four
// squared inputs, as the spec requires.
//
// The seed at the top is the exact second derivative of the loss with
// respect to the last layer's units: for the RBF head 2 at each F6 output
// (E = y_D = sum_j (x_j - w_Dj)^2, whatever D is, as the spec fixes it);
// for the softmax head p_k (1 - p_k) at each logit, the diagonal of the
// Gauss-Newton matrix of the cross-entropy. A pattern of the MAP
// criterion's rubbish class has no y_D (its first term is the constant j)
// and so the seed 0 (AccumulateRubbish).

// GaussNewton accumulates the SDLM curvature of a network over the batches
// it has been run on. Use: run the network's graph forward on a batch (a
// machine over the graph, no gradients needed), call Accumulate, repeat,
// then read Diagonal, the average over the patterns seen.
type GaussNewton struct {
	net      *Net
	steps    []gnStep // from the top layer down
	sums     [][]float64
	patterns int
	seed     buffer
	top      OutputSeed
	rubbish  []bool // the rubbish patterns of the batch being accumulated
}

// OutputSeed chooses the second derivative the RBF head's curvature
// estimate starts from at F6's outputs (the softmax head has one seed).
type OutputSeed int

const (
	// SeedCorrectClass is the spec's: d2E/dx_j^2 = 2 at each F6 output,
	// the second derivative of the correct class's squared distance y_D.
	SeedCorrectClass OutputSeed = iota
	// SeedMAP adds the Gauss-Newton diagonal of the MAP criterion's second
	// term, log(exp(-j) + sum_i exp(-y_i)), at F6's outputs:
	// 2 + sum_i q_i g_ij^2 - (sum_i q_i g_ij)^2, with g_ij = dy_i/dx_j =
	// 2 (x_j - w_ij) and q_i = exp(-y_i) / (exp(-j) + sum_k exp(-y_k)).
	SeedMAP
)

// SetOutputSeed chooses the seed of later Accumulate calls (default
// SeedCorrectClass).
func (e *GaussNewton) SetOutputSeed(s OutputSeed) { e.top = s }

// gnStep is one layer's second-order backward pass.
type gnStep struct {
	x, pre, out *G.Node // out is nil for a layer without f (the softmax output)
	weight      int     // index in Learnables of the layer's weight (or coefficient); its bias follows
	dx, dw, db  G.Op    // the layer's gradient ops: (w, g) -> dx, (x, g) -> dw, g -> db
	hPre        buffer  // d2E/da^2
	xSq, wSq    buffer
}

// NewGaussNewton prepares the curvature estimate of net.
func NewGaussNewton(net *Net) (*GaussNewton, error) {
	if net == nil {
		return nil, errors.New("graph: nil network")
	}
	if net.Head == NoHead {
		return nil, errors.New("graph: the curvature is that of a loss: a network without a head has none")
	}
	e := &GaussNewton{net: net}
	index := map[*G.Node]int{}
	for i, p := range net.params {
		index[p] = i
		e.sums = append(e.sums, make([]float64, p.Shape().TotalSize()))
	}
	layers := net.layers
	for k := len(layers) - 1; k >= 1; k-- {
		l := layers[k]
		if len(l.Params) == 0 {
			continue // the RBF head: fixed codes, the seed is set above it
		}
		s := gnStep{x: layers[k-1].Out, pre: l.Pre, out: l.Out, weight: index[l.Params[0]]}
		if l.Pre == nil { // the softmax output layer: Out is the weighted sum itself
			s.pre, s.out = l.Out, nil
		}
		var err error
		if s.dx, s.dw, s.db, err = gradientOps(l.op, s.x.Shape(), l.Params[0].Shape()); err != nil {
			return nil, fmt.Errorf("graph: curvature of %s: %w", l.Name, err)
		}
		e.steps = append(e.steps, s)
	}
	return e, nil
}

// gradientOps returns fresh gradient ops of a layer op, for input x and
// weight w of the given shapes.
func gradientOps(op G.Op, x, w tensor.Shape) (dx, dw, db G.Op, err error) {
	switch op := op.(type) {
	case *maskedConvOp:
		dx, dw, db := op.gradOps(x, w)
		return dx, dw, db, nil
	case *subsampleOp:
		return &subsampleGradInputOp{op.sibling(), x[2], x[3]},
			&subsampleGradCoefOp{op.sibling()},
			&subsampleGradBiasOp{op.sibling()}, nil
	case *linearOp:
		return &linearGradInputOp{op.sibling(), x.Clone()},
			&linearGradWeightOp{op.sibling(), w.Clone()},
			&linearGradBiasOp{op.sibling()}, nil
	}
	return nil, nil, nil, fmt.Errorf("no second-order counterpart for %T", op)
}

// Accumulate adds the curvature of the batch the network was last run on.
func (e *GaussNewton) Accumulate() error { return e.AccumulateRubbish(nil) }

// AccumulateRubbish is Accumulate for a batch in which the patterns with
// rubbish[p] true are labelled with the MAP criterion's rubbish class
// (NewRubbishLabels): their loss, E = j + log(exp(-j) + sum_i exp(-y_i)),
// has no correct-class distance y_D, so SeedCorrectClass gives them 0 at
// F6's outputs instead of 2 (the constant j has no curvature), and SeedMAP
// gives them its log-sum term only. They still count as patterns of the
// average. nil, or no true entry, is Accumulate; the softmax head has no
// rubbish class and refuses a true entry.
func (e *GaussNewton) AccumulateRubbish(rubbish []bool) error {
	if n := e.net.Input.Shape()[0]; rubbish != nil && len(rubbish) != n {
		return fmt.Errorf("graph: curvature of a batch of %d patterns with %d rubbish flags", n, len(rubbish))
	}
	if e.net.Head != RBF && slices.Contains(rubbish, true) {
		return fmt.Errorf("graph: rubbish patterns need the RBF head's MAP loss; the %v head has no rubbish class", e.net.Head)
	}
	e.rubbish = rubbish
	defer func() { e.rubbish = nil }()
	switch e.net.Input.Dtype() {
	case tensor.Float32:
		return gnAccumulate[float32](e)
	case tensor.Float64:
		return gnAccumulate[float64](e)
	}
	return fmt.Errorf("graph: curvature of a %v network", e.net.Input.Dtype())
}

// gnAccumulate runs the second-order backward pass, layer by layer.
func gnAccumulate[T float](e *GaussNewton) error {
	n := e.net.Input.Shape()[0]
	hOut, err := e.topSeed(n)
	if err != nil {
		return err
	}
	params := e.net.params
	for k := range e.steps {
		s := &e.steps[k]
		pre, err := nodeDense(s.pre)
		if err != nil {
			return err
		}
		hPreT, hPre := bufferTensor[T](&s.hPre, pre.Shape()...)
		if s.out == nil {
			copy(hPre, any(hOut).([]T))
		} else {
			out, err := nodeDense(s.out)
			if err != nil {
				return err
			}
			squashCurvature(data[T](out), any(hOut).([]T), hPre)
		}
		x, err := nodeDense(s.x)
		if err != nil {
			return err
		}
		w, err := nodeDense(params[s.weight])
		if err != nil {
			return err
		}
		xSq := squareInto[T](&s.xSq, x)
		hw, err := s.dw.Do(xSq, hPreT)
		if err != nil {
			return err
		}
		hb, err := s.db.Do(hPreT)
		if err != nil {
			return err
		}
		addInto(e.sums[s.weight], hw.Data().([]T))
		addInto(e.sums[s.weight+1], hb.Data().([]T))
		if k == len(e.steps)-1 {
			break // C1: nothing below needs d2E/dx^2
		}
		hx, err := s.dx.Do(squareInto[T](&s.wSq, w), hPreT)
		if err != nil {
			return err
		}
		hOut = hx.Data()
	}
	e.patterns += n
	return nil
}

// topSeed returns d2E/dx^2 (RBF: at F6's outputs) or d2E/da^2 (softmax:
// at the logits) for the n patterns of the last run, as the net's dtype.
func (e *GaussNewton) topSeed(n int) (any, error) {
	if e.net.Output.Value() == nil {
		return nil, errors.New("graph: the network has no values yet: run the graph first")
	}
	var seed []float64
	switch e.net.Head {
	case RBF:
		d := e.rbfInput().Shape()[1]
		seed = make([]float64, n*d)
		for i := range seed {
			if e.rubbish == nil || !e.rubbish[i/d] {
				seed[i] = 2
			}
		}
		if e.top == SeedMAP {
			e.addMAPSeed(seed, n)
		}
	case Softmax:
		seed = ProbabilitiesK(Softmax, nodeData(e.net.Output), e.net.Output.Shape()[1])
		for i, p := range seed {
			seed[i] = p * (1 - p)
		}
	}
	if e.net.Input.Dtype() == tensor.Float32 {
		s := bufferSlice[float32](&e.seed, len(seed))
		for i, v := range seed {
			s[i] = float32(v)
		}
		return s, nil
	}
	return seed, nil
}

// addMAPSeed adds the Gauss-Newton diagonal of the MAP criterion's
// log-sum term to seed for the n patterns of the last run (SeedMAP).
func (e *GaussNewton) addMAPSeed(seed []float64, n int) {
	y, x, w := nodeData(e.net.Output), nodeData(e.rbfInput()), e.net.Params.codeVals
	k, d := len(y)/n, len(x)/n
	q := make([]float64, k)
	for p := range n {
		mapSeed(seed[p*d:(p+1)*d], y[p*k:(p+1)*k], x[p*d:(p+1)*d], w, e.net.J, q)
	}
}

// rbfInput is the node the RBF head reads (LeNet-5's F6).
func (e *GaussNewton) rbfInput() *G.Node { return e.net.layers[len(e.net.layers)-2].Out }

// mapSeed adds to seed (one pattern's 84 values), for F6 outputs x, RBF
// distances y and codes w, sum_i q_i g_ij^2 - (sum_i q_i g_ij)^2 with
// g_ij = 2 (x_j - w_ij) and q_i = exp(-y_i) / (exp(-j) + sum_k exp(-y_k)),
// using q (len(y) values) as scratch.
func mapSeed(seed, y, x, w []float64, j float64, q []float64) {
	// Shifted by the smallest of j and the y_i, so that no exponential
	// underflows to 0/0.
	low := j
	for _, v := range y {
		low = math.Min(low, v)
	}
	z := math.Exp(low - j)
	for i, v := range y {
		q[i] = math.Exp(low - v)
		z += q[i]
	}
	for i := range q {
		q[i] /= z
	}
	for k := range x {
		var m1, m2 float64
		for i, qi := range q {
			g := 2 * (x[k] - w[i*len(x)+k])
			m1 += qi * g
			m2 += qi * g * g
		}
		seed[k] += m2 - m1*m1
	}
}

// squashCurvature writes d2E/da^2 = f'(a)^2 d2E/dx^2 with f' taken from the
// output y: f'(a) = (S/A)(A^2 - y^2).
func squashCurvature[T float](y, hOut, hPre []T) {
	const c = SquashS / SquashA
	for i, v := range y {
		d := T(c) * (T(SquashA*SquashA) - v*v)
		hPre[i] = d * d * hOut[i]
	}
}

// squareInto returns a tensor of t's shape holding its squared values.
func squareInto[T float](b *buffer, t *tensor.Dense) *tensor.Dense {
	out, sq := bufferTensor[T](b, t.Shape()...)
	for i, v := range data[T](t) {
		sq[i] = v * v
	}
	return out
}

// addInto adds src to the float64 sums.
func addInto[T float](sums []float64, src []T) {
	for i, v := range src {
		sums[i] += float64(v)
	}
}

// nodeDense returns a node's value as a dense tensor.
func nodeDense(n *G.Node) (*tensor.Dense, error) {
	if n.Value() == nil {
		return nil, fmt.Errorf("graph: %s has no value yet: run the graph first", n.Name())
	}
	return dense(n.Value(), n.Name())
}

// Patterns returns how many patterns have been accumulated since the last Reset.
func (e *GaussNewton) Patterns() int { return e.patterns }

// Reset forgets the accumulated curvature.
func (e *GaussNewton) Reset() {
	for _, s := range e.sums {
		clear(s)
	}
	e.patterns = 0
}

// Diagonal returns the average curvature per pattern of each learnable, in
// the order and shapes of Learnables (c3.weight packed 60 x 5 x 5). It is
// an error to ask before any pattern was accumulated.
func (e *GaussNewton) Diagonal() ([]Tensor, error) {
	if e.patterns == 0 {
		return nil, errors.New("graph: no patterns accumulated")
	}
	out := make([]Tensor, len(e.sums))
	for i, s := range e.sums {
		d := make([]float64, len(s))
		for k, v := range s {
			d[k] = v / float64(e.patterns)
		}
		out[i] = Tensor{Shape: append([]int(nil), e.net.params[i].Shape()...), Data: d}
	}
	return out, nil
}
