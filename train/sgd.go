package train

import (
	"github.com/lenet5-go/lenet5/internal/f32"
	G "gorgonia.org/gorgonia"
)

// SGD is plain stochastic gradient descent, Gorgonia's VanillaSolver
// without its batch and L1 options. Each parameter w with gradient g
// takes the step
//
//	g' = clamp(g + L2*w, -Clip, Clip)   (no clamp when Clip is 0)
//	w -= Rate*g'
//
// It keeps no state between steps.
type SGD struct {
	Rate float64 // learning rate
	L2   float64 // L2 regularization, added to the gradient
	Clip float64 // gradient clip, after L2 (0 = off)
}

// NewSGD returns an SGD solver with learning rate rate and no L2 or clip.
func NewSGD(rate float64) *SGD { return &SGD{Rate: rate} }

// SetLearnRate changes the learning rate.
func (s *SGD) SetLearnRate(rate float64) { s.Rate = rate }

// Step updates every parameter and zeroes its gradient.
func (s *SGD) Step(model []G.ValueGrad) error {
	ps, err := stepParams("sgd", s.Rate, s.L2, s.Clip, model)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.w32 != nil {
			f32.SGDStep(p.w32, p.g32, float32(s.Rate), float32(s.L2), float32(s.Clip))
			clear(p.g32)
			continue
		}
		g := p.g64[:len(p.w64)]
		for k, w := range p.w64 {
			p.w64[k] = w - s.Rate*clamp64(g[k]+s.L2*w, s.Clip)
		}
		clear(g)
	}
	return nil
}

// SolverState returns SGD's state: none but the format.
func (s *SGD) SolverState(params G.Nodes) (SolverState, error) {
	return saveState("sgd", nil, nil, params)
}

// SetSolverState checks that st holds no state (SGD keeps none).
func (s *SGD) SetSolverState(params G.Nodes, st SolverState) error {
	return loadState("sgd", nil, nil, params, st)
}
