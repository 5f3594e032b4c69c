package graph

import "github.com/lenet5-go/lenet5/internal/cpu"

// KernelPath returns the kernels this process runs, chosen once for the
// CPU (docs/cpu.md): "avx512", "avx2" or "generic". The error is that of
// the LENET5_CPU environment variable when it names an unknown path or
// one this CPU lacks; the kernels then run the CPU's best path, and a
// program that wants the variable obeyed exits with the error.
func KernelPath() (string, error) { return cpu.Current().String(), cpu.Err() }
