package train

import (
	"math"

	"github.com/lenet5-go/lenet5/internal/f32"
	G "gorgonia.org/gorgonia"
)

// Adam is Kingma and Ba's Adam (Gorgonia's AdamSolver without its batch
// and L1 options). At step t (from 1), each parameter w with gradient g
// and moment estimates m and v takes the step
//
//	g' = clamp(g + L2*w, -Clip, Clip)   (no clamp when Clip is 0)
//	m  = Beta1*m + (1-Beta1)*g'
//	v  = Beta2*v + (1-Beta2)*g'^2
//	w -= Rate * (m/(1-Beta1^t)) / (sqrt(v/(1-Beta2^t)) + Eps)
//
// The state is Steps (t after the last step) and M and V, one Vec per
// parameter (nil before the first Step); checkpoints store them as the
// scalar "steps" and "solver.m.<parameter>", "solver.v.<parameter>".
type Adam struct {
	Rate  float64 // learning rate
	Beta1 float64 // decay of the first moment, in [0, 1)
	Beta2 float64 // decay of the second moment, in [0, 1)
	Eps   float64 // added to the root of the second moment, > 0
	L2    float64 // L2 regularization, added to the gradient
	Clip  float64 // gradient clip, after L2 (0 = off)

	Steps int
	M, V  []Vec
}

// NewAdam returns an Adam solver with learning rate rate and Gorgonia's
// defaults: Beta1 0.9, Beta2 0.999, Eps 1e-8.
func NewAdam(rate float64) *Adam {
	return &Adam{Rate: rate, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// SetLearnRate changes the learning rate, keeping the moments.
func (s *Adam) SetLearnRate(rate float64) { s.Rate = rate }

// Step updates every parameter and zeroes its gradient.
func (s *Adam) Step(model []G.ValueGrad) error {
	if err := checkUnit("adam", "beta1", s.Beta1); err != nil {
		return err
	}
	if err := checkUnit("adam", "beta2", s.Beta2); err != nil {
		return err
	}
	if err := checkEps("adam", s.Eps); err != nil {
		return err
	}
	ps, err := stepParams("adam", s.Rate, s.L2, s.Clip, model, &s.M, &s.V)
	if err != nil {
		return err
	}
	s.Steps++
	c1 := 1 - math.Pow(s.Beta1, float64(s.Steps))
	c2 := 1 - math.Pow(s.Beta2, float64(s.Steps))
	for i, p := range ps {
		if p.w32 != nil {
			f32.AdamStep(p.w32, p.g32, s.M[i].F32, s.V[i].F32, float32(s.Rate), float32(s.Beta1), float32(s.Beta2),
				float32(s.Eps), float32(c1), float32(c2), float32(s.L2), float32(s.Clip))
			clear(p.g32)
			continue
		}
		n := len(p.w64)
		g, m, v := p.g64[:n], s.M[i].F64[:n], s.V[i].F64[:n]
		for k, w := range p.w64 {
			gk := clamp64(g[k]+s.L2*w, s.Clip)
			m[k] = s.Beta1*m[k] + (1-s.Beta1)*gk
			v[k] = s.Beta2*v[k] + (1-s.Beta2)*gk*gk
			p.w64[k] = w - s.Rate*(m[k]/c1)/(math.Sqrt(v[k]/c2)+s.Eps)
		}
		clear(g)
	}
	return nil
}

// slots names the state for checkpoints.
func (s *Adam) slots() []stateSlot {
	return []stateSlot{{name: "m", old: "value", vecs: &s.M}, {name: "v", old: "deriv", vecs: &s.V}}
}

// SolverState returns the step count and the moments.
func (s *Adam) SolverState(params G.Nodes) (SolverState, error) {
	return saveState("adam", s.slots(), &s.Steps, params)
}

// SetSolverState restores what SolverState returned (or a format-1 state,
// see solverstate.go).
func (s *Adam) SetSolverState(params G.Nodes, st SolverState) error {
	return loadState("adam", s.slots(), &s.Steps, params, st)
}
