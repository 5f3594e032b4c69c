package f32

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/lenet5-go/lenet5/internal/cpu"
)

// BenchmarkKernels times the kernels on each path at the sizes of
// LeNet-5's layers: GFLOP/s is reported as a metric.
func BenchmarkKernels(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x, y := randVec(r, 1024), randVec(r, 1024)
	dst := make([]float32, 1024)
	offs := make([]int, 25)
	for k := range offs {
		offs[k] = 4 * k
	}
	a := randVec(r, 25)
	out := make([]float32, 25)
	// C3's: 150 taps (six maps by 25) over a 10x10 map at the 14-wide
	// input's row length.
	offs3 := make([]int, 150)
	for k := range offs3 {
		offs3[k] = k % 100
	}
	out3 := make([]float32, 150)
	rows, rows3 := NewRows(offs), NewRows(offs3)
	for _, p := range cpu.Available() {
		run := func(name string, flops int, f func()) {
			b.Run(fmt.Sprintf("%s/%s", name, p), func(b *testing.B) {
				defer cpu.SetForTesting(p)()
				for b.Loop() {
					f()
				}
				b.ReportMetric(float64(flops)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		run("Dot/n=784", 2*784, func() { Dot(x[:784], y) })
		run("Axpy/n=784", 2*784, func() { Axpy(0.5, x[:784], dst) })
		run("BiasAxpyAt/n=892,taps=25", 2*892*25, func() { BiasAxpyAt(1, a, x, rows, dst[:892]) })
		run("MultiDotAt/n=892,taps=25", 2*892*25, func() { MultiDotAt(y[:892], x, rows, out) })
		run("MultiDotAt/n=136,taps=150", 2*136*150, func() { MultiDotAt(y[:136], x, rows3, out3) })
		run("Squash/n=784", 784, func() { Squash(x[:784], dst) })
		run("BlockSumsAffine/28x28", 784, func() { BlockSumsAffine(x, dst, 28, 28, 0.5, 0.1) })
		m, v := make([]float32, 1024), make([]float32, 1024)
		run("AdamStep/n=1024", 1024, func() { AdamStep(dst, y, m, v, 1e-3, 0.9, 0.999, 1e-8, 0.5, 0.5, 0, 0) })
	}
}
