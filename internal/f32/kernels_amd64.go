package f32

import "github.com/lenet5-go/lenet5/internal/cpu"

// The assembly kernels (kernels_amd64.s, written by _asm), used from the
// first call on a CPU that has them.
func init() {
	paths[cpu.AVX2] = &kernels{
		axpyAVX2, scaleAVX2, dotAVX2, sumAVX2, sqDistAVX2,
		biasAxpyAtAVX2, multiDotAtAVX2, blockSumsAffineAVX2,
		squashAVX2, squashGradAVX2,
		sgdStepAVX2, momentumStepAVX2, adamStepAVX2, rmsPropStepAVX2, adaGradStepAVX2,
	}
	paths[cpu.AVX512] = &kernels{
		axpyAVX512, scaleAVX512, dotAVX512, sumAVX512, sqDistAVX512,
		biasAxpyAtAVX512, multiDotAtAVX512, blockSumsAffineAVX512,
		squashAVX512, squashGradAVX512,
		sgdStepAVX512, momentumStepAVX512, adamStepAVX512, rmsPropStepAVX512, adaGradStepAVX512,
	}
}
