//go:build !goexperiment.simd || !amd64

package graph

// fanKernels is empty without the AVX-512 build: the per-map kernels run.
var fanKernels []*fanKernel
