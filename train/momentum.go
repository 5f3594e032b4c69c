package train

import (
	"github.com/lenet5-go/lenet5/internal/f32"
	G "gorgonia.org/gorgonia"
)

// Momentum is gradient descent with momentum (Gorgonia's Momentum solver
// without its batch and L1 options). Each parameter w with gradient g and
// velocity v takes the step
//
//	g' = clamp(g + L2*w, -Clip, Clip)   (no clamp when Clip is 0)
//	v  = Momentum*v - Rate*g'
//	w += v
//
// One difference from Gorgonia v0.9.18: its Momentum adds L2 times the
// velocity, not the weights, to the gradient (solvers.go, Momentum.Step);
// here L2 is weight decay, as in the other solvers. Without L2 the two
// take the same steps.
//
// The state is Velocity, one Vec per parameter (nil before the first
// Step); checkpoints store it as "solver.velocity.<parameter>".
type Momentum struct {
	Rate     float64 // learning rate
	Momentum float64 // momentum coefficient, in [0, 1)
	L2       float64 // L2 regularization, added to the gradient
	Clip     float64 // gradient clip, after L2 (0 = off)

	Velocity []Vec
}

// NewMomentum returns a momentum solver with learning rate rate and
// momentum coefficient momentum.
func NewMomentum(rate, momentum float64) *Momentum {
	return &Momentum{Rate: rate, Momentum: momentum}
}

// SetLearnRate changes the learning rate, keeping the velocity.
func (s *Momentum) SetLearnRate(rate float64) { s.Rate = rate }

// Step updates every parameter and zeroes its gradient.
func (s *Momentum) Step(model []G.ValueGrad) error {
	if err := checkUnit("momentum", "momentum", s.Momentum); err != nil {
		return err
	}
	ps, err := stepParams("momentum", s.Rate, s.L2, s.Clip, model, &s.Velocity)
	if err != nil {
		return err
	}
	for i, p := range ps {
		if p.w32 != nil {
			f32.MomentumStep(p.w32, p.g32, s.Velocity[i].F32, float32(s.Rate), float32(s.Momentum), float32(s.L2), float32(s.Clip))
			clear(p.g32)
			continue
		}
		g, v := p.g64[:len(p.w64)], s.Velocity[i].F64[:len(p.w64)]
		for k, w := range p.w64 {
			v[k] = s.Momentum*v[k] - s.Rate*clamp64(g[k]+s.L2*w, s.Clip)
			p.w64[k] = w + v[k]
		}
		clear(g)
	}
	return nil
}

// slots names the state for checkpoints.
func (s *Momentum) slots() []stateSlot {
	return []stateSlot{{name: "velocity", old: "value", vecs: &s.Velocity}}
}

// SolverState returns the velocity.
func (s *Momentum) SolverState(params G.Nodes) (SolverState, error) {
	return saveState("momentum", s.slots(), nil, params)
}

// SetSolverState restores what SolverState returned (or a format-1 state,
// see solverstate.go).
func (s *Momentum) SetSolverState(params G.Nodes, st SolverState) error {
	return loadState("momentum", s.slots(), nil, params, st)
}
