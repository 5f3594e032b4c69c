//go:build !amd64

package graph

// fanKernels returns none: the fan kernels are amd64 assembly.
func fanKernels() []*fanKernel { return nil }
