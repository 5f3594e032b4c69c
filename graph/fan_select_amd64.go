package graph

import "github.com/lenet5-go/lenet5/internal/cpu"

// avx512FanKernels are the generated AVX-512 kernels (fan_amd64.s).
var avx512FanKernels = []*fanKernel{
	{fanC1Dests, fanC1Vecs, fanC1, fanC1Masked, fanC1Grad, fanC1GradStride, 16},
	{fanC3Dests, fanC3Vecs, fanC3, fanC3Masked, fanC3Grad, fanC3GradStride, 16},
	{fanC3InputDests, fanC3InputVecs, fanC3Input, fanC3InputMasked, nil, 0, 16},
}

// avx2FanKernels are the generated AVX2 kernels: C1's forward pass and
// C3's input gradient, whose six destinations fit the 16 ymm registers
// (C3's forward pass, with sixteen, does not; no weight gradients).
var avx2FanKernels = []*fanKernel{
	{fanC1Dests, fanC1AVX2Vecs, fanC1AVX2, fanC1AVX2Masked, nil, 0, 8},
	{fanC3InputDests, fanC3InputAVX2Vecs, fanC3InputAVX2, fanC3InputAVX2Masked, nil, 0, 8},
}

// fanKernels returns the fan kernels of the current path.
func fanKernels() []*fanKernel {
	switch cpu.Current() {
	case cpu.AVX512:
		return avx512FanKernels
	case cpu.AVX2:
		return avx2FanKernels
	}
	return nil
}
