package train

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Solver is what the Trainer steps with and checkpoints: a Gorgonia
// solver whose learning rate can change between steps (the schedule sets
// it before every epoch) and whose state can be saved and restored, so a
// resumed run takes exactly the steps an uninterrupted one takes.
//
// The package's solvers implement it, one file each: SGD (sgd.go),
// Momentum (momentum.go), Adam (adam.go), RMSProp (rmsprop.go), AdaGrad
// (adagrad.go) and the paper's SDLM (sdlm.go). Like Gorgonia's solvers,
// Step updates every parameter from its gradient and then zeroes the
// gradient (a TapeMachine adds into it on every run). The gradient is
// taken as it is: the loss is already a batch mean, so no solver divides
// by a batch size.
type Solver interface {
	G.Solver
	SetLearnRate(rate float64)
	SolverState(params G.Nodes) (SolverState, error)
	SetSolverState(params G.Nodes, st SolverState) error
}

// Vec is one parameter's solver state (a velocity, a moment estimate, a
// sum of squares), in the parameter's precision: F32 for a float32
// network, F64 for a float64 one; the other is nil.
type Vec struct {
	F32 []float32
	F64 []float64
}

// Len returns the number of values.
func (v Vec) Len() int { return max(len(v.F32), len(v.F64)) }

// param is one parameter's weights and gradient, both float32 or both
// float64.
type param struct {
	w32, g32 []float32
	w64, g64 []float64
}

// size returns the number of weights.
func (p param) size() int { return max(len(p.w32), len(p.w64)) }

// paramsOf reads the weights and gradients of model for the solver named
// solver, checking that each gradient matches its weights.
func paramsOf(solver string, model []G.ValueGrad) ([]param, error) {
	out := make([]param, len(model))
	for i, vg := range model {
		w, ok := vg.Value().(*tensor.Dense)
		if !ok {
			return nil, fmt.Errorf("%s: parameter %d is a %T, not a tensor", solver, i, vg.Value())
		}
		gv, err := vg.Grad()
		if err != nil {
			return nil, fmt.Errorf("%s: parameter %d: %w", solver, i, err)
		}
		g, ok := gv.(*tensor.Dense)
		if !ok || g.Size() != w.Size() || g.Dtype() != w.Dtype() {
			return nil, fmt.Errorf("%s: parameter %d: weights %v %v, gradient %v", solver, i, w.Shape(), w.Dtype(), gv.Shape())
		}
		switch wd := w.Data().(type) {
		case []float32:
			out[i].w32, out[i].g32 = wd, g.Data().([]float32)
		case []float64:
			out[i].w64, out[i].g64 = wd, g.Data().([]float64)
		default:
			return nil, fmt.Errorf("%s: parameter %d holds %T, want float32 or float64", solver, i, wd)
		}
	}
	return out, nil
}

// ensureVecs makes *vecs one zero Vec per parameter, shaped like it, on
// the first step, and checks on later steps that it still fits.
func ensureVecs(solver string, vecs *[]Vec, ps []param) error {
	if *vecs == nil {
		v := make([]Vec, len(ps))
		for i, p := range ps {
			if p.w32 != nil {
				v[i].F32 = make([]float32, len(p.w32))
			} else {
				v[i].F64 = make([]float64, len(p.w64))
			}
		}
		*vecs = v
		return nil
	}
	if len(*vecs) != len(ps) {
		return fmt.Errorf("%s: state for %d parameters, but Step got %d", solver, len(*vecs), len(ps))
	}
	for i, p := range ps {
		v := (*vecs)[i]
		if len(v.F32) != len(p.w32) || len(v.F64) != len(p.w64) {
			return fmt.Errorf("%s: parameter %d: state of %d values does not fit its %d weights (or another precision)", solver, i, v.Len(), p.size())
		}
	}
	return nil
}

// stepParams starts a Step: it checks the settings every solver has,
// reads the parameters and makes (or checks) each of the solver's state
// slots.
func stepParams(solver string, rate, l2, clip float64, model []G.ValueGrad, state ...*[]Vec) ([]param, error) {
	if err := checkSettings(solver, rate, l2, clip); err != nil {
		return nil, err
	}
	ps, err := paramsOf(solver, model)
	if err != nil {
		return nil, err
	}
	for _, vecs := range state {
		if err := ensureVecs(solver, vecs, ps); err != nil {
			return nil, err
		}
	}
	return ps, nil
}

// checkSettings returns an error naming the first setting out of range:
// the rate must be positive, L2 and clip not negative, all finite.
func checkSettings(solver string, rate, l2, clip float64) error {
	switch {
	case !(rate > 0) || math.IsInf(rate, 0):
		return fmt.Errorf("%s: learning rate %g must be a positive number", solver, rate)
	case !(l2 >= 0) || math.IsInf(l2, 0):
		return fmt.Errorf("%s: l2 %g must be a number >= 0", solver, l2)
	case !(clip >= 0) || math.IsInf(clip, 0):
		return fmt.Errorf("%s: clip %g must be a number >= 0 (0 = off)", solver, clip)
	}
	return nil
}

// checkUnit returns an error unless 0 <= v < 1.
func checkUnit(solver, name string, v float64) error {
	if !(v >= 0 && v < 1) {
		return fmt.Errorf("%s: %s %g must be in [0, 1)", solver, name, v)
	}
	return nil
}

// checkEps returns an error unless eps is a positive number.
func checkEps(solver string, eps float64) error {
	if !(eps > 0) || math.IsInf(eps, 0) {
		return fmt.Errorf("%s: eps %g must be a positive number", solver, eps)
	}
	return nil
}

// clamp64 bounds v to [-clip, clip] when clip > 0: the float64 path's
// gradient clipping (the float32 kernels do the same).
func clamp64(v, clip float64) float64 {
	if clip > 0 {
		v = min(max(v, -clip), clip)
	}
	return v
}
