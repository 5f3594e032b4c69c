package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/lenet5-go/lenet5/internal/cpu"
)

// The fan kernels must compute what the per-map kernels compute, up to
// float32 rounding (they sum in another order): the forward pass and the
// weight gradient of C1 and C3 and C3's input gradient, on map sizes
// whose spans end on whole vectors and on every kind of partial one, for
// several samples. The weight-gradient kernels hold maps up to LeNet-5's
// (C1's 28x28 from 32x32); larger ones use the per-map kernels.
// It runs on every path this CPU has.
func TestFanKernelsMatchPerMapKernels(t *testing.T) {
	for _, p := range cpu.Available() {
		t.Run(p.String(), func(t *testing.T) {
			defer cpu.SetForTesting(p)()
			testFanKernels(t)
		})
	}
}

func testFanKernels(t *testing.T) {
	tables := []struct {
		name  string
		table Table
		side  int // the input side in LeNet-5
	}{{"C1", FullTable(1, 6), 32}, {"C3", C3Table, 14}}
	for _, tc := range tables {
		for _, hw := range [][2]int{{5, 6}, {6, 7}, {9, 10}, {14, 14}, {14, 15}, {17, 18}, {24, 25}, {31, 32}, {32, 32}, {33, 34}} {
			t.Run(fmt.Sprintf("%s/%dx%d", tc.name, hw[0], hw[1]), func(t *testing.T) {
				side := hw[0]
				g := newConvGeom(tc.table, 5, 5).withInput(hw[0], hw[1])
				fwd := fanFor(g.forwardDests())
				if wantFwd := fanPath() || (avx2Path() && tc.name == "C1"); wantFwd != (fwd != nil) {
					t.Fatalf("path %s: fan kernel for the forward pass %v, want one: %v", cpu.Current(), fwd != nil, wantFwd)
				}
				if fwd == nil {
					return // the per-map kernels are all there is to run
				}
				rng := rand.New(rand.NewPCG(uint64(side), 3))
				const samples = 3
				x := randomFloats(rng, samples*g.in*g.h*g.w)
				w := randomFloats(rng, tc.table.Pairs()*g.k)
				b := randomFloats(rng, g.out)
				want := make([]float32, samples*g.out*g.p)
				convForward(g, g.tapOffsets(), x, w, b, want, make([]float32, g.oh*g.w), 0, samples)
				got := make([]float32, len(want))
				wt := make([]float32, len(w))
				transposeWeights(g, w, wt)
				convForwardFan(g, g.forwardFanCall(fwd), wt, b, x, got, make([]float32, g.out*fanStride((g.oh-1)*g.w+g.ow)), 0, samples)
				assertClose32(t, "forward", got, want)

				gy := randomFloats(rng, samples*g.out*g.p)
				if g.weightFanFits(fwd) {
					wantDw := make([]float32, len(w))
					convBackwardWeight(g, g.tapOffsets(), x, gy, wantDw, make([]float32, g.oh*g.w), 0, samples)
					gotDw := make([]float32, len(w))
					convBackwardWeightFan(g, g.weightFanCall(fwd), g.weightFanSums(), x, gy, gotDw,
						make([]float32, g.weightFanScratch(fwd)), make([]float32, 16*len(w)), 0, samples)
					assertClose32(t, "weight gradient", gotDw, wantDw)
				} else if fwd.grad != nil && hw == [2]int{tc.side, tc.side} {
					t.Fatalf("the weight-gradient fan kernel does not fit a %dx%d input", g.h, g.w)
				}

				in := fanFor(g.inputDests())
				if tc.name == "C3" && (fanPath() || avx2Path()) && in == nil {
					t.Fatalf("no fan kernel for C3's input gradient on the %s path", cpu.Current())
				}
				if in == nil {
					return
				}
				wantDx := make([]float32, samples*g.in*g.h*g.w)
				convBackwardInput(g, wt, g.inputTapOffsets(), gy, wantDx, make([]float32, g.padSize()), 0, samples)
				wf := make([]float32, len(w))
				packInputFanWeights(g, w, wf)
				gotDx := make([]float32, len(wantDx))
				convBackwardInputFan(g, g.inputFanCall(in), wf, make([]float32, g.in), gy, gotDx, make([]float32, g.inputFanScratch()), 0, samples)
				assertClose32(t, "input gradient", gotDx, wantDx)
			})
		}
	}
}

// A structure with no kernel gets none: the per-map kernels run.
func TestFanForUnknownStructure(t *testing.T) {
	if k := fanFor([][]int{{0, 1}, {1}}); k != nil {
		t.Fatalf("fanFor found a kernel for a structure none was generated for: %v", k.dests)
	}
}

// The generated C3 kernel's structure must be graph's C3Table.
func TestFanC3StructureIsC3Table(t *testing.T) {
	g := newConvGeom(C3Table, 5, 5)
	for _, k := range fanKernels() {
		if len(k.dests) == 16 && !equalStructure(k.dests, g.inputDests()) {
			t.Errorf("generated input-gradient kernel %v is not C3Table", k.dests)
		}
		if len(k.dests) == 6 && k.destCount() == 16 && !equalStructure(k.dests, g.forwardDests()) {
			t.Errorf("generated forward kernel %v is not C3Table", k.dests)
		}
	}
}

func randomFloats(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 2*rng.Float32() - 1
	}
	return v
}

func assertClose32(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*(1+math.Abs(float64(want[i]))) {
			t.Fatalf("%s: value %d is %g, the per-map kernel gives %g", what, i, got[i], want[i])
		}
	}
}

// fanPath reports whether the current CPU path has all the fan kernels
// (only amd64 has a path above generic).
func fanPath() bool { return cpu.Current() == cpu.AVX512 }

// avx2Path reports whether the current CPU path has the AVX2 fan kernels
// (C1's forward pass, C3's input gradient).
func avx2Path() bool { return cpu.Current() == cpu.AVX2 }
