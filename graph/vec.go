package graph

import (
	"github.com/lenet5-go/lenet5/internal/f32"
	"gonum.org/v1/gonum/blas/gonum"
)

// The inner loops every layer's kernel reduces to. float64 goes to gonum's
// assembly level-1 BLAS; float32, the training and inference type, goes to
// internal/f32, whose kernels run AVX-512, AVX2+FMA or generic code as
// internal/cpu chooses for the CPU at run time.

// blas is gonum's pure-Go BLAS, whose level-1 routines are assembly on amd64.
var blas gonum.Implementation

// axpy adds a*x to y; len(y) must be at least len(x).
func axpy[T float](a T, x, y []T) {
	switch xs := any(x).(type) {
	case []float32:
		f32.Axpy(float32(a), xs, any(y).([]float32))
	case []float64:
		blas.Daxpy(len(xs), float64(a), xs, 1, any(y).([]float64), 1)
	}
}

// dot returns the dot product of x and y[:len(x)].
func dot[T float](x, y []T) T {
	switch xs := any(x).(type) {
	case []float32:
		return T(f32.Dot(xs, any(y).([]float32)))
	case []float64:
		return T(blas.Ddot(len(xs), xs, 1, any(y).([]float64), 1))
	}
	return 0
}

// biasAxpyAt sets y to bias plus the rows of b weighted by a:
// y[j] = bias + sum_k a[k] b[rows.At(k)+j].
func biasAxpyAt[T float](bias T, a, b []T, rows f32.Rows, y []T) {
	if as, ok := any(a).([]float32); ok {
		f32.BiasAxpyAt(float32(bias), as, any(b).([]float32), rows, any(y).([]float32))
		return
	}
	for j := range y {
		y[j] = bias
	}
	for k, ak := range a {
		o := rows.At(k)
		axpy(ak, b[o:o+len(y)], y)
	}
}

// multiDotAt adds to out[k] the dot product of g and row k of b:
// out[k] += sum_j g[j] b[rows.At(k)+j].
func multiDotAt[T float](g, b []T, rows f32.Rows, out []T) {
	if gs, ok := any(g).([]float32); ok {
		f32.MultiDotAt(gs, any(b).([]float32), rows, any(out).([]float32))
		return
	}
	for k := range out {
		o := rows.At(k)
		out[k] += dot(g, b[o:o+len(g)])
	}
}

// sqDist returns the squared Euclidean distance between x and y[:len(x)].
func sqDist[T float](x, y []T) T {
	if xs, ok := any(x).([]float32); ok {
		return T(f32.SqDist(xs, any(y).([]float32)))
	}
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
		return T(f32.Sum(xs))
	}
	var s T
	for _, v := range x {
		s += v
	}
	return s
}
