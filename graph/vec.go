package graph

import "gonum.org/v1/gonum/blas/gonum"

// The inner loops every layer's kernel reduces to. float64 goes to gonum's
// assembly level-1 BLAS; float32, the training and inference type, goes to
// the f32 kernels: AVX-512 ones written with simd/archsimd when the
// program is built with GOEXPERIMENT=simd on a CPU that has AVX-512
// (vec_simd.go), else gonum's SSE assembly (vec_portable.go).

// blas is gonum's pure-Go BLAS, whose level-1 routines are assembly on amd64.
var blas gonum.Implementation

// axpy adds a*x to y; len(y) must be at least len(x).
func axpy[T float](a T, x, y []T) {
	switch xs := any(x).(type) {
	case []float32:
		axpy32(float32(a), xs, any(y).([]float32))
	case []float64:
		blas.Daxpy(len(xs), float64(a), xs, 1, any(y).([]float64), 1)
	}
}

// dot returns the dot product of x and y[:len(x)].
func dot[T float](x, y []T) T {
	switch xs := any(x).(type) {
	case []float32:
		return T(dot32(xs, any(y).([]float32)))
	case []float64:
		return T(blas.Ddot(len(xs), xs, 1, any(y).([]float64), 1))
	}
	return 0
}

// biasAxpyAt sets y to bias plus the rows of b weighted by a, each row
// given by its offset in b: y[j] = bias + sum_k a[k] b[offs[k]+j].
func biasAxpyAt[T float](bias T, a, b []T, offs []int, y []T) {
	if as, ok := any(a).([]float32); ok {
		biasAxpyAt32(float32(bias), as, any(b).([]float32), offs, any(y).([]float32))
		return
	}
	for j := range y {
		y[j] = bias
	}
	for k, ak := range a {
		axpy(ak, b[offs[k]:offs[k]+len(y)], y)
	}
}

// multiDotAt is multiDot with each row given by its offset in b:
// out[k] += sum_j g[j] b[offs[k]+j].
func multiDotAt[T float](g, b []T, offs []int, out []T) {
	if gs, ok := any(g).([]float32); ok {
		multiDotAt32(gs, any(b).([]float32), offs, any(out).([]float32))
		return
	}
	for k := range out {
		out[k] += dot(g, b[offs[k]:offs[k]+len(g)])
	}
}

// sqDist returns the squared Euclidean distance between x and y[:len(x)].
func sqDist[T float](x, y []T) T {
	if xs, ok := any(x).([]float32); ok {
		return T(sqDist32(xs, any(y).([]float32)))
	}
	return sqDistScalar(x, y)
}

// sqDistScalar is sqDist one value at a time.
func sqDistScalar[T float](x, y []T) T {
	var d T
	for j, v := range x {
		e := v - y[j]
		d += e * e
	}
	return d
}

// sum returns the sum of x.
func sum[T float](x []T) T {
	if xs, ok := any(x).([]float32); ok {
		return T(sum32(xs))
	}
	var s T
	for _, v := range x {
		s += v
	}
	return s
}
