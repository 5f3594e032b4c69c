package train

import (
	"math"

	"github.com/lenet5-go/lenet5/internal/f32"
	G "gorgonia.org/gorgonia"
)

// AdaGrad is Duchi, Hazan and Singer's AdaGrad as Gorgonia's
// AdaGradSolver computes it. Each parameter w with gradient g and sum of
// squares c takes the step
//
//	c += g^2
//	w -= Rate*clamp(g, -Clip, Clip)/sqrt(c + Eps) + L2*w
//
// with RMSProp's treatment of the clip and of L2. Gorgonia v0.9.18's
// WithL2Reg and WithClip do not reach its AdaGrad, so lenet5 used to
// refuse -l2 and -clip for it; this one takes them.
//
// The state is SumSquare, one Vec per parameter (nil before the first
// Step); checkpoints store it as "solver.sumsquare.<parameter>".
type AdaGrad struct {
	Rate float64 // learning rate
	Eps  float64 // added to the sum of squares, > 0
	L2   float64 // weight decay per step
	Clip float64 // clip of the gradient in the step (0 = off)

	SumSquare []Vec
}

// NewAdaGrad returns an AdaGrad solver with learning rate rate and
// Gorgonia's default Eps 1e-8.
func NewAdaGrad(rate float64) *AdaGrad { return &AdaGrad{Rate: rate, Eps: 1e-8} }

// SetLearnRate changes the learning rate, keeping the sums of squares.
func (s *AdaGrad) SetLearnRate(rate float64) { s.Rate = rate }

// Step updates every parameter and zeroes its gradient.
func (s *AdaGrad) Step(model []G.ValueGrad) error {
	if err := checkEps("adagrad", s.Eps); err != nil {
		return err
	}
	ps, err := stepParams("adagrad", s.Rate, s.L2, s.Clip, model, &s.SumSquare)
	if err != nil {
		return err
	}
	for i, p := range ps {
		if p.w32 != nil {
			f32.AdaGradStep(p.w32, p.g32, s.SumSquare[i].F32, float32(s.Rate), float32(s.Eps), float32(s.L2), float32(s.Clip))
			clear(p.g32)
			continue
		}
		g, c := p.g64[:len(p.w64)], s.SumSquare[i].F64[:len(p.w64)]
		for k, w := range p.w64 {
			c[k] += g[k] * g[k]
			p.w64[k] = w - (s.Rate*clamp64(g[k], s.Clip)/math.Sqrt(c[k]+s.Eps) + s.L2*w)
		}
		clear(g)
	}
	return nil
}

// slots names the state for checkpoints.
func (s *AdaGrad) slots() []stateSlot {
	return []stateSlot{{name: "sumsquare", old: "value", vecs: &s.SumSquare}}
}

// SolverState returns the sums of squares.
func (s *AdaGrad) SolverState(params G.Nodes) (SolverState, error) {
	return saveState("adagrad", s.slots(), nil, params)
}

// SetSolverState restores what SolverState returned (or a format-1 state,
// see solverstate.go).
func (s *AdaGrad) SetSolverState(params G.Nodes, st SolverState) error {
	return loadState("adagrad", s.slots(), nil, params, st)
}
