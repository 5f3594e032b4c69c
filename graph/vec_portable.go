//go:build !goexperiment.simd || !amd64

package graph

// simdKernels reports whether the AVX-512 kernels are in use.
const simdKernels = false

func axpy32(a float32, x, y []float32) { blas.Saxpy(len(x), a, x, 1, y, 1) }

func dot32(x, y []float32) float32 { return blas.Sdot(len(x), x, 1, y, 1) }

func biasAxpyAt32(bias float32, a, b []float32, offs []int, y []float32) {
	for j := range y {
		y[j] = bias
	}
	for k, ak := range a {
		blas.Saxpy(len(y), ak, b[offs[k]:offs[k]+len(y)], 1, y, 1)
	}
}

func squash32(a, y []float32) {
	for i, v := range a {
		y[i] = SquashA * tanh32(SquashS*v)
	}
}

func multiDotAt32(g, b []float32, offs []int, out []float32) {
	for k := range out {
		out[k] += blas.Sdot(len(g), g, 1, b[offs[k]:offs[k]+len(g)], 1)
	}
}

func blockSumsAffine32(x, s []float32, h, w int, k, c float32) {
	blockSumsAffineScalar(x, s, h, w, k, c)
}

func sqDist32(x, y []float32) float32 { return sqDistScalar(x, y) }

func squashGrad32(y, g, ga []float32) {
	const c = SquashS / SquashA
	for i, v := range y {
		ga[i] = g[i] * c * (SquashA*SquashA - v*v)
	}
}

func sum32(x []float32) float32 {
	var s float32
	for _, v := range x {
		s += v
	}
	return s
}
