package train

// TEMPORARY stand-in for package internal/f32 (the kernels helper's), with
// its exact signatures and generic semantics, until it lands on main.
// Delete this file and import "github.com/lenet5-go/lenet5/internal/f32".

import "math"

type f32shim struct{}

var f32 f32shim

func shimClamp(v, clip float32) float32 {
	if clip > 0 {
		v = min(max(v, -clip), clip)
	}
	return v
}

func shimSqrt(x float32) float32 { return float32(math.Sqrt(float64(x))) }

func (f32shim) Axpy(a float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += a * v
	}
}

func (f32shim) Scale(a float32, x []float32) {
	for i := range x {
		x[i] *= a
	}
}

func (f32shim) SGDStep(w, g []float32, lr, l2, clip float32) {
	g = g[:len(w)]
	for i := range w {
		w[i] -= lr * shimClamp(g[i]+l2*w[i], clip)
	}
}

func (f32shim) MomentumStep(w, g, v []float32, lr, mom, l2, clip float32) {
	g, v = g[:len(w)], v[:len(w)]
	for i := range w {
		v[i] = mom*v[i] - lr*shimClamp(g[i]+l2*w[i], clip)
		w[i] += v[i]
	}
}

func (f32shim) AdamStep(w, g, m, v []float32, lr, b1, b2, eps, c1, c2, l2, clip float32) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for i := range w {
		gi := shimClamp(g[i]+l2*w[i], clip)
		m[i] = b1*m[i] + (1-b1)*gi
		v[i] = b2*v[i] + (1-b2)*gi*gi
		w[i] -= lr * (m[i] / c1) / (shimSqrt(v[i]/c2) + eps)
	}
}

func (f32shim) RMSPropStep(w, g, c []float32, lr, rho, eps, l2, clip float32) {
	g, c = g[:len(w)], c[:len(w)]
	for i := range w {
		c[i] = rho*c[i] + (1-rho)*g[i]*g[i]
		w[i] -= lr*shimClamp(g[i], clip)/shimSqrt(c[i]+eps) + l2*w[i]
	}
}

func (f32shim) AdaGradStep(w, g, c []float32, lr, eps, l2, clip float32) {
	g, c = g[:len(w)], c[:len(w)]
	for i := range w {
		c[i] += g[i] * g[i]
		w[i] -= lr*shimClamp(g[i], clip)/shimSqrt(c[i]+eps) + l2*w[i]
	}
}
