//go:build goexperiment.simd && amd64

package graph

// fanKernels are the generated kernels (fan_amd64.s), used on a CPU with
// AVX-512.
var fanKernels = func() []*fanKernel {
	if !simdKernels {
		return nil
	}
	return []*fanKernel{
		{fanC1Dests, fanC1Vecs, fanC1, fanC1Masked, fanC1Grad, fanC1GradStride},
		{fanC3Dests, fanC3Vecs, fanC3, fanC3Masked, fanC3Grad, fanC3GradStride},
		{fanC3InputDests, fanC3InputVecs, fanC3Input, fanC3InputMasked, nil, 0},
	}
}()
