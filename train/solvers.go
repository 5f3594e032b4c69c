package train

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// SolverConfig holds the settings every solver may use.
type SolverConfig struct {
	LR       float64 // learning rate (the schedule's base)
	Momentum float64 // momentum solver's coefficient
	L2       float64 // L2 regularization (weight decay added to the gradient)
	Clip     float64 // clip each gradient value to [-Clip, Clip]; 0 = off
	Mu       float64 // SDLM's safety term
	Batch    int     // SDLM: patterns per update (its gradient scale)
}

// solverMakers builds the solvers by name. The loss is already a batch
// mean, so no solver scales the gradient by the batch size (SDLM's scale
// undoes the mean on purpose, see below).
var solverMakers = map[string]func(c SolverConfig) (Solver, error){
	"sgd": func(c SolverConfig) (Solver, error) {
		return &SGD{Rate: c.LR, L2: c.L2, Clip: c.Clip}, nil
	},
	"momentum": func(c SolverConfig) (Solver, error) {
		s := NewMomentum(c.LR, c.Momentum)
		s.L2, s.Clip = c.L2, c.Clip
		return s, nil
	},
	"adam": func(c SolverConfig) (Solver, error) {
		s := NewAdam(c.LR)
		s.L2, s.Clip = c.L2, c.Clip
		return s, nil
	},
	"rmsprop": func(c SolverConfig) (Solver, error) {
		s := NewRMSProp(c.LR)
		s.L2, s.Clip = c.L2, c.Clip
		return s, nil
	},
	"adagrad": func(c SolverConfig) (Solver, error) {
		s := NewAdaGrad(c.LR)
		s.L2, s.Clip = c.L2, c.Clip
		return s, nil
	},
	"sdlm": func(c SolverConfig) (Solver, error) {
		if c.Clip != 0 {
			return nil, fmt.Errorf("solver sdlm does not support -clip")
		}
		// The loss is a batch mean; scaling by the batch size makes one
		// update the sum of the batch's per-pattern updates.
		return NewSDLM(WithSDLMRate(c.LR), WithSDLMMu(c.Mu), WithSDLMScale(float64(max(c.Batch, 1))), WithSDLML2(c.L2))
	},
}

// SolverNames lists the solvers NewSolver knows.
func SolverNames() []string {
	return slices.Sorted(maps.Keys(solverMakers))
}

// NewSolver returns the solver of that name: sgd, momentum, adam, rmsprop,
// adagrad (ours, taking the steps of Gorgonia's solvers of those names,
// see each type) or sdlm (which needs a curvature estimate before its
// first step; the Trainer makes one before every epoch).
func NewSolver(name string, c SolverConfig) (Solver, error) {
	mk, ok := solverMakers[name]
	if !ok {
		return nil, fmt.Errorf("unknown solver %q (want one of %s)", name, strings.Join(SolverNames(), ", "))
	}
	if c.LR <= 0 {
		return nil, fmt.Errorf("learning rate %g must be positive", c.LR)
	}
	if c.L2 < 0 || c.Clip < 0 || c.Momentum < 0 || c.Momentum >= 1 {
		return nil, fmt.Errorf("solver settings out of range: l2 %g and clip %g must be >= 0, momentum %g in [0, 1)", c.L2, c.Clip, c.Momentum)
	}
	return mk(c)
}
