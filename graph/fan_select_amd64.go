package graph

import "github.com/lenet5-go/lenet5/internal/cpu"

// avx512FanKernels are the generated AVX-512 kernels (fan_amd64.s):
// forward passes with their weight gradients, and input gradients.
var avx512FanKernels = []*fanKernel{
	{fanC1Dests, fanC1Vecs, fanC1, fanC1Masked, fanC1Grad, fanC1GradStride, 16},
	{fanC3Dests, fanC3Vecs, fanC3, fanC3Masked, fanC3Grad, fanC3GradStride, 16},
	{fanC3InputDests, fanC3InputVecs, fanC3Input, fanC3InputMasked, nil, 0, 16},
	{fanFull1To4Dests, fanFull1To4Vecs, fanFull1To4, fanFull1To4Masked, fanFull1To4Grad, fanFull1To4GradStride, 16},
	{fanH3Dests, fanH3Vecs, fanH3, fanH3Masked, fanH3Grad, fanH3GradStride, 16},
	{fanH3InputDests, fanH3InputVecs, fanH3Input, fanH3InputMasked, nil, 0, 16},
	{fanL4C3Dests, fanL4C3Vecs, fanL4C3, fanL4C3Masked, fanL4C3Grad, fanL4C3GradStride, 16},
	{fanL4C3InputDests, fanL4C3InputVecs, fanL4C3Input, fanL4C3InputMasked, nil, 0, 16},
}

// avx2FanKernels are the generated AVX2 kernels: the structures whose
// destinations fit the 12 ymm accumulators (C1's, LeNet-1's H1/LeNet-4's
// C1 and LeNet-1's H3 forward passes, the input gradients of C3, H3 and
// LeNet-4's C3; not the forward passes of C3 and LeNet-4's C3, with
// sixteen), forward only: no weight gradients.
var avx2FanKernels = []*fanKernel{
	{fanC1Dests, fanC1AVX2Vecs, fanC1AVX2, fanC1AVX2Masked, nil, 0, 8},
	{fanC3InputDests, fanC3InputAVX2Vecs, fanC3InputAVX2, fanC3InputAVX2Masked, nil, 0, 8},
	{fanFull1To4Dests, fanFull1To4AVX2Vecs, fanFull1To4AVX2, fanFull1To4AVX2Masked, nil, 0, 8},
	{fanH3Dests, fanH3AVX2Vecs, fanH3AVX2, fanH3AVX2Masked, nil, 0, 8},
	{fanH3InputDests, fanH3InputAVX2Vecs, fanH3InputAVX2, fanH3InputAVX2Masked, nil, 0, 8},
	{fanL4C3InputDests, fanL4C3InputAVX2Vecs, fanL4C3InputAVX2, fanL4C3InputAVX2Masked, nil, 0, 8},
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
