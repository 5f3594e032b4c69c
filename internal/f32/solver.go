package f32

import "math"

// The solvers' fused updates, one pass over a parameter's values each.
// They follow Gorgonia v0.9.18's solvers (solvers.go) for a batch size of
// 1 (the caller passes the gradient already averaged over the batch) and
// no L1 term. g' below is the regularized, clipped gradient:
//
//	g' = clamp(g + l2*w, -clip, clip)   (no clamp when clip <= 0)
//
// No kernel zeroes g: the caller does, when it needs to.

// SGDStep is Gorgonia's VanillaSolver: w -= lr*g'.
func SGDStep(w, g []float32, lr, l2, clip float32) {
	mustFit("SGDStep", "g", len(g), len(w))
	lo, hi := bounds(clip)
	impl().sgdStep(w, g[:len(w)], lr, l2, lo, hi)
}

// MomentumStep is Gorgonia's Momentum solver, with v the velocity:
//
//	v = mom*v - lr*g'
//	w += v
func MomentumStep(w, g, v []float32, lr, mom, l2, clip float32) {
	mustFit("MomentumStep", "g", len(g), len(w))
	mustFit("MomentumStep", "v", len(v), len(w))
	lo, hi := bounds(clip)
	impl().momentumStep(w, g[:len(w)], v[:len(w)], lr, mom, l2, lo, hi)
}

// AdamStep is Gorgonia's AdamSolver, with c1 = 1-b1^t and c2 = 1-b2^t
// computed by the caller for step t (from 1):
//
//	m = b1*m + (1-b1)*g'
//	v = b2*v + (1-b2)*g'^2
//	w -= lr * (m/c1) / (sqrt(v/c2) + eps)
//
// (m/c1 and v/c2 computed, as Gorgonia does, as (1/c1)*m and (1/c2)*v.)
func AdamStep(w, g, m, v []float32, lr, b1, b2, eps, c1, c2, l2, clip float32) {
	mustFit("AdamStep", "g", len(g), len(w))
	mustFit("AdamStep", "m", len(m), len(w))
	mustFit("AdamStep", "v", len(v), len(w))
	lo, hi := bounds(clip)
	// Gorgonia too multiplies by the reciprocals of c1 and c2.
	impl().adamStep(w, g[:len(w)], m[:len(w)], v[:len(w)], lr, b1, b2, eps, 1/c1, 1/c2, l2, lo, hi)
}

// RMSPropStep is Gorgonia's RMSPropSolver, which differs from the
// solvers above: its cache takes the raw gradient, only the step takes
// the clipped one, and its L2 term decays w directly:
//
//	c = rho*c + (1-rho)*g^2
//	w -= lr*clamp(g)/sqrt(c+eps) + l2*w
func RMSPropStep(w, g, c []float32, lr, rho, eps, l2, clip float32) {
	mustFit("RMSPropStep", "g", len(g), len(w))
	mustFit("RMSPropStep", "c", len(c), len(w))
	lo, hi := bounds(clip)
	impl().rmsPropStep(w, g[:len(w)], c[:len(w)], lr, rho, eps, l2, lo, hi)
}

// AdaGradStep is Gorgonia's AdaGradSolver, with RMSPropStep's treatment
// of the clip and the L2 term:
//
//	c += g^2
//	w -= lr*clamp(g)/sqrt(c+eps) + l2*w
func AdaGradStep(w, g, c []float32, lr, eps, l2, clip float32) {
	mustFit("AdaGradStep", "g", len(g), len(w))
	mustFit("AdaGradStep", "c", len(c), len(w))
	lo, hi := bounds(clip)
	impl().adaGradStep(w, g[:len(w)], c[:len(w)], lr, eps, l2, lo, hi)
}

// bounds returns the clamp of the gradient: [-clip, clip], or no bound
// when clip <= 0.
func bounds(clip float32) (lo, hi float32) {
	if clip > 0 {
		return -clip, clip
	}
	return float32(math.Inf(-1)), float32(math.Inf(1))
}
