package train

import (
	"math"

	"github.com/lenet5-go/lenet5/internal/f32"
	G "gorgonia.org/gorgonia"
)

// RMSProp is Hinton's RMSProp as Gorgonia's RMSPropSolver computes it.
// Each parameter w with gradient g and mean square c takes the step
//
//	c  = Rho*c + (1-Rho)*g^2
//	w -= Rate*clamp(g, -Clip, Clip)/sqrt(c + Eps) + L2*w
//
// Unlike SGD, Momentum and Adam, the mean square takes the raw gradient
// (only the step is clipped) and L2 decays the weights directly, not
// through the gradient (so its effect does not scale with Rate).
//
// The state is MeanSquare, one Vec per parameter (nil before the first
// Step); checkpoints store it as "solver.meansquare.<parameter>".
type RMSProp struct {
	Rate float64 // learning rate
	Rho  float64 // decay of the mean square, in [0, 1)
	Eps  float64 // added to the mean square, > 0
	L2   float64 // weight decay per step
	Clip float64 // clip of the gradient in the step (0 = off)

	MeanSquare []Vec
}

// NewRMSProp returns an RMSProp solver with learning rate rate and
// Gorgonia's defaults: Rho 0.999, Eps 1e-8.
func NewRMSProp(rate float64) *RMSProp {
	return &RMSProp{Rate: rate, Rho: 0.999, Eps: 1e-8}
}

// SetLearnRate changes the learning rate, keeping the mean squares.
func (s *RMSProp) SetLearnRate(rate float64) { s.Rate = rate }

// Step updates every parameter and zeroes its gradient.
func (s *RMSProp) Step(model []G.ValueGrad) error {
	if err := checkUnit("rmsprop", "rho", s.Rho); err != nil {
		return err
	}
	if err := checkEps("rmsprop", s.Eps); err != nil {
		return err
	}
	ps, err := stepParams("rmsprop", s.Rate, s.L2, s.Clip, model, &s.MeanSquare)
	if err != nil {
		return err
	}
	for i, p := range ps {
		if p.w32 != nil {
			f32.RMSPropStep(p.w32, p.g32, s.MeanSquare[i].F32, float32(s.Rate), float32(s.Rho), float32(s.Eps), float32(s.L2), float32(s.Clip))
			clear(p.g32)
			continue
		}
		g, c := p.g64[:len(p.w64)], s.MeanSquare[i].F64[:len(p.w64)]
		for k, w := range p.w64 {
			c[k] = s.Rho*c[k] + (1-s.Rho)*g[k]*g[k]
			p.w64[k] = w - (s.Rate*clamp64(g[k], s.Clip)/math.Sqrt(c[k]+s.Eps) + s.L2*w)
		}
		clear(g)
	}
	return nil
}

// slots names the state for checkpoints.
func (s *RMSProp) slots() []stateSlot {
	return []stateSlot{{name: "meansquare", old: "value", vecs: &s.MeanSquare}}
}

// SolverState returns the mean squares.
func (s *RMSProp) SolverState(params G.Nodes) (SolverState, error) {
	return saveState("rmsprop", s.slots(), nil, params)
}

// SetSolverState restores what SolverState returned (or a format-1 state,
// see solverstate.go).
func (s *RMSProp) SetSolverState(params G.Nodes, st SolverState) error {
	return loadState("rmsprop", s.slots(), nil, params, st)
}
