package graph

import "github.com/lenet5-go/lenet5/internal/cpu"

// avx512FanKernels are the generated kernels (fan_amd64.s).
var avx512FanKernels = []*fanKernel{
	{fanC1Dests, fanC1Vecs, fanC1, fanC1Masked, fanC1Grad, fanC1GradStride},
	{fanC3Dests, fanC3Vecs, fanC3, fanC3Masked, fanC3Grad, fanC3GradStride},
	{fanC3InputDests, fanC3InputVecs, fanC3Input, fanC3InputMasked, nil, 0},
}

// fanKernels returns the fan kernels of the current path: the AVX-512
// ones, or none.
func fanKernels() []*fanKernel {
	if cpu.Current() == cpu.AVX512 {
		return avx512FanKernels
	}
	return nil
}
