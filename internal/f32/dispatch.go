package f32

import "github.com/lenet5-go/lenet5/internal/cpu"

// kernels is one path's set of kernels. The solvers take their clamp as
// bounds (lo, hi) and Adam the reciprocals of its corrections.
type kernels struct {
	axpy            func(a float32, x, y []float32)
	scale           func(a float32, x []float32)
	dot             func(x, y []float32) float32
	sum             func(x []float32) float32
	sqDist          func(x, y []float32) float32
	biasAxpyAt      func(bias float32, a, b []float32, offs []int, y []float32)
	multiDotAt      func(g, b []float32, offs []int, out []float32)
	blockSumsAffine func(x, s []float32, h, w int, k, c float32)
	squash          func(a, y []float32)
	squashGrad      func(y, g, ga []float32)
	sgdStep         func(w, g []float32, lr, l2, lo, hi float32)
	momentumStep    func(w, g, v []float32, lr, mom, l2, lo, hi float32)
	adamStep        func(w, g, m, v []float32, lr, b1, b2, eps, ic1, ic2, l2, lo, hi float32)
	rmsPropStep     func(w, g, c []float32, lr, rho, eps, l2, lo, hi float32)
	adaGradStep     func(w, g, c []float32, lr, eps, l2, lo, hi float32)
}

// paths holds each path's kernels; the amd64 build adds AVX2 and
// AVX-512 (kernels_amd64.go).
var paths = [...]*kernels{
	cpu.Generic: {
		axpyGeneric, scaleGeneric, dotGeneric, sumGeneric, sqDistGeneric,
		biasAxpyAtGeneric, multiDotAtGeneric, blockSumsAffineGeneric,
		squashGeneric, squashGradGeneric,
		sgdStepGeneric, momentumStepGeneric, adamStepGeneric, rmsPropStepGeneric, adaGradStepGeneric,
	},
	cpu.AVX2:   nil,
	cpu.AVX512: nil,
}

// impl returns the kernels of the current path.
func impl() *kernels { return paths[cpu.Current()] }
