//go:build amd64

package cpu

import "golang.org/x/sys/cpu"

// detect returns the best path of this CPU. x/sys/cpu sets the AVX flags
// only when the operating system saves the vector registers.
func detect() Path {
	x := cpu.X86
	switch {
	case x.HasAVX512F && x.HasAVX512DQ && x.HasAVX512BW && x.HasAVX512VL && x.HasAVX2 && x.HasFMA:
		return AVX512
	case x.HasAVX2 && x.HasFMA:
		return AVX2
	}
	return Generic
}
