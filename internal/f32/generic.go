package f32

import (
	"math"

	"gonum.org/v1/gonum/blas/gonum"
)

// The generic kernels: the reference of the vector ones and the path of
// every CPU without them. Axpy and Dot (and the convolutions built on
// them) go to gonum's level-1 BLAS, which is SSE assembly on amd64 and
// Go elsewhere. Callers have checked the lengths.

// blas is gonum's BLAS.
var blas gonum.Implementation

func axpyGeneric(a float32, x, y []float32) { blas.Saxpy(len(x), a, x, 1, y, 1) }

func dotGeneric(x, y []float32) float32 { return blas.Sdot(len(x), x, 1, y, 1) }

func scaleGeneric(a float32, x []float32) {
	for i := range x {
		x[i] *= a
	}
}

func sumGeneric(x []float32) float32 {
	var s float32
	for _, v := range x {
		s += v
	}
	return s
}

func sqDistGeneric(x, y []float32) float32 {
	y = y[:len(x)]
	var d float32
	for j, v := range x {
		e := v - y[j]
		d += e * e
	}
	return d
}

func biasAxpyAtGeneric(bias float32, a, b []float32, offs []int, y []float32) {
	for j := range y {
		y[j] = bias
	}
	for k, ak := range a {
		blas.Saxpy(len(y), ak, b[offs[k]:offs[k]+len(y)], 1, y, 1)
	}
}

func multiDotAtGeneric(g, b []float32, offs []int, out []float32) {
	for k := range out {
		out[k] += blas.Sdot(len(g), g, 1, b[offs[k]:offs[k]+len(g)], 1)
	}
}

func blockSumsAffineGeneric(x, s []float32, h, w int, k, c float32) {
	ow := w / 2
	for r := range h / 2 {
		top, bottom := x[2*r*w:(2*r+1)*w], x[(2*r+1)*w:(2*r+2)*w]
		row := s[r*ow : (r+1)*ow]
		for j := range row {
			row[j] = k*(top[2*j]+top[2*j+1]+bottom[2*j]+bottom[2*j+1]) + c
		}
	}
}

func squashGeneric(a, y []float32) {
	y = y[:len(a)]
	for i, v := range a {
		// Tanh bounds infinities; adding sa-sa (0, or NaN for NaN and
		// infinities) lets a diverged input show in the loss, as the
		// vector kernels do.
		sa := SquashS * v
		y[i] = SquashA*Tanh(sa) + (sa - sa)
	}
}

func squashGradGeneric(y, g, ga []float32) {
	const c = SquashS / SquashA
	g, ga = g[:len(y)], ga[:len(y)]
	for i, v := range y {
		ga[i] = g[i] * c * (SquashA*SquashA - v*v)
	}
}

// clamp bounds v to [lo, hi]; NaN stays NaN.
func clamp(v, lo, hi float32) float32 { return min(max(v, lo), hi) }

func sgdStepGeneric(w, g []float32, lr, l2, lo, hi float32) {
	g = g[:len(w)]
	for i := range w {
		w[i] -= lr * clamp(g[i]+l2*w[i], lo, hi)
	}
}

func momentumStepGeneric(w, g, v []float32, lr, mom, l2, lo, hi float32) {
	g, v = g[:len(w)], v[:len(w)]
	for i := range w {
		v[i] = mom*v[i] - lr*clamp(g[i]+l2*w[i], lo, hi)
		w[i] += v[i]
	}
}

func adamStepGeneric(w, g, m, v []float32, lr, b1, b2, eps, ic1, ic2, l2, lo, hi float32) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for i := range w {
		gi := clamp(g[i]+l2*w[i], lo, hi)
		m[i] = b1*m[i] + (1-b1)*gi
		v[i] = b2*v[i] + (1-b2)*gi*gi
		w[i] -= lr * (ic1 * m[i]) / (sqrt(ic2*v[i]) + eps)
	}
}

func rmsPropStepGeneric(w, g, c []float32, lr, rho, eps, l2, lo, hi float32) {
	g, c = g[:len(w)], c[:len(w)]
	for i := range w {
		c[i] = rho*c[i] + (1-rho)*g[i]*g[i]
		w[i] -= lr*clamp(g[i], lo, hi)/sqrt(c[i]+eps) + l2*w[i]
	}
}

func adaGradStepGeneric(w, g, c []float32, lr, eps, l2, lo, hi float32) {
	g, c = g[:len(w)], c[:len(w)]
	for i := range w {
		c[i] += g[i] * g[i]
		w[i] -= lr*clamp(g[i], lo, hi)/sqrt(c[i]+eps) + l2*w[i]
	}
}

// sqrt is the float32 square root (the compiler turns it into one
// instruction).
func sqrt(x float32) float32 { return float32(math.Sqrt(float64(x))) }
