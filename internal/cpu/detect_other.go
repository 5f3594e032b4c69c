//go:build !amd64

package cpu

// detect returns Generic: only amd64 has vector kernels.
func detect() Path { return Generic }
