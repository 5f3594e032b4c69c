// Package f32 holds the module's float32 vector kernels: the inner loops
// of the network's layers and of the solvers' updates.
//
// Each kernel has an AVX-512 version, an AVX2+FMA version (amd64
// assembly written by the generator in _asm) and a generic Go version,
// the reference the others are tested against. Package
// internal/cpu chooses the path once per process (LENET5_CPU forces a
// lower one). Every exported function checks its slices' lengths in Go
// before it calls assembly (BiasAxpyAt's and MultiDotAt's row offsets
// are checked once, by NewRows, and then only their largest per call),
// so no kernel reads or writes out of bounds: a slice too short panics
// with a message naming the kernel.
package f32

//go:generate sh -c "cd _asm && go run . -out ../kernels_amd64.s -stubs ../kernels_amd64_stubs.go -pkg f32"

import "fmt"

// mustFit panics unless n values fit in a slice of length have.
func mustFit(kernel, what string, have, n int) {
	if have < n {
		panic(fmt.Sprintf("f32.%s: %s has %d values, needs %d", kernel, what, have, n))
	}
}
