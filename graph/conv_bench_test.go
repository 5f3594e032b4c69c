package graph

import (
	"math/rand/v2"
	"testing"

	"github.com/lenet5-go/lenet5/internal/cpu"
)

// BenchmarkConvKernel runs one sample's forward convolution of C1 and C3
// on the per-map kernels and, on the AVX-512 path, on the fan kernels, on
// every CPU path this CPU has, and reports the useful multiply-adds as
// GFLOP/s.
func BenchmarkConvKernel(b *testing.B) {
	layers := []struct {
		name  string
		table Table
		side  int
	}{{"C1", FullTable(1, 6), 32}, {"C3", C3Table, 14}}
	for _, p := range cpu.Available() {
		restore := cpu.SetForTesting(p)
		benchmarkConvKernel(b, p.String(), layers)
		restore()
	}
}

func benchmarkConvKernel(b *testing.B, path string, layers []struct {
	name  string
	table Table
	side  int
}) {
	for _, l := range layers {
		g := newConvGeom(l.table, 5, 5).withInput(l.side, l.side)
		rng := rand.New(rand.NewPCG(1, 2))
		x, w, bias := randomFloats(rng, g.in*g.h*g.w), randomFloats(rng, l.table.Pairs()*g.k), randomFloats(rng, g.out)
		y := make([]float32, g.out*g.p)
		flops := float64(2 * l.table.Pairs() * g.k * g.p)
		b.Run(l.name+"/per-map/"+path, func(b *testing.B) {
			offs, yw := g.tapOffsets(), make([]float32, g.oh*g.w)
			for b.Loop() {
				convForward(g, offs, x, w, bias, y, yw, 0, 1)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		if k := fanFor(g.forwardDests()); k != nil {
			b.Run(l.name+"/fan/"+path, func(b *testing.B) {
				wt, yw := make([]float32, len(w)), make([]float32, g.out*fanStride((g.oh-1)*g.w+g.ow))
				transposeWeights(g, w, wt)
				call := g.forwardFanCall(k)
				for b.Loop() {
					convForwardFan(g, call, wt, bias, x, y, yw, 0, 1)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
