package train

import (
	"fmt"
	"slices"
	"strings"

	G "gorgonia.org/gorgonia"
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

// solverMakers builds Gorgonia's solvers by name. The loss is already a
// batch mean, so no solver gets WithBatchSize (which would scale twice).
var solverMakers = map[string]func(c SolverConfig) (G.Solver, error){
	"sgd": func(c SolverConfig) (G.Solver, error) {
		return G.NewVanillaSolver(commonOpts(c)...), nil
	},
	"momentum": func(c SolverConfig) (G.Solver, error) {
		return G.NewMomentum(append(commonOpts(c), G.WithMomentum(c.Momentum))...), nil
	},
	"adam": func(c SolverConfig) (G.Solver, error) {
		return G.NewAdamSolver(commonOpts(c)...), nil
	},
	"rmsprop": func(c SolverConfig) (G.Solver, error) {
		return G.NewRMSPropSolver(commonOpts(c)...), nil
	},
	"sdlm": func(c SolverConfig) (G.Solver, error) {
		if c.L2 != 0 || c.Clip != 0 {
			return nil, fmt.Errorf("solver sdlm does not support -l2 or -clip")
		}
		// The loss is a batch mean; scaling by the batch size makes one
		// update the sum of the batch's per-pattern updates.
		return NewSDLM(WithSDLMRate(c.LR), WithSDLMMu(c.Mu), WithSDLMScale(float64(max(c.Batch, 1))))
	},
	"adagrad": func(c SolverConfig) (G.Solver, error) {
		// Gorgonia v0.9.18's AdaGrad ignores WithL2Reg and WithClip;
		// refusing them beats silently training without them.
		if c.L2 != 0 || c.Clip != 0 {
			return nil, fmt.Errorf("solver adagrad does not support -l2 or -clip (Gorgonia's AdaGrad ignores them)")
		}
		s := G.NewAdaGradSolver()
		return s, setLearnRate(s, c.LR)
	},
}

// commonOpts turns the config into Gorgonia solver options.
func commonOpts(c SolverConfig) []G.SolverOpt {
	opts := []G.SolverOpt{G.WithLearnRate(c.LR)}
	if c.L2 != 0 {
		opts = append(opts, G.WithL2Reg(c.L2))
	}
	if c.Clip != 0 {
		opts = append(opts, G.WithClip(c.Clip))
	}
	return opts
}

// SolverNames lists the solvers NewSolver knows.
func SolverNames() []string {
	return slices.Sorted(func(yield func(string) bool) {
		for k := range solverMakers {
			if !yield(k) {
				return
			}
		}
	})
}

// NewSolver returns the solver of that name: Gorgonia's sgd, momentum,
// adam, rmsprop or adagrad, or our sdlm (which needs a curvature estimate
// before its first step; the Trainer makes one before every epoch).
func NewSolver(name string, c SolverConfig) (G.Solver, error) {
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
