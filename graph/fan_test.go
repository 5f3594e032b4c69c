package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/lenet5-go/lenet5/internal/cpu"
)

// The fan kernels must compute what the per-map kernels compute, up to
// float32 rounding (they sum in another order): the forward pass and the
// weight gradient of every structure with kernels and the input gradient
// of those with one, on map sizes whose spans end on whole vectors and on
// every kind of partial one, for several samples. The weight-gradient
// kernels hold maps up to their networks' (C1's 28x28 from 32x32 for the
// one-source structures); larger ones use the per-map kernels.
// It runs on every path this CPU has.
func TestFanKernelsMatchPerMapKernels(t *testing.T) {
	for _, p := range cpu.Available() {
		t.Run(p.String(), func(t *testing.T) {
			defer cpu.SetForTesting(p)()
			testFanKernels(t)
		})
	}
}

// fanCase is a connection structure with fan kernels and where it has
// them.
type fanCase struct {
	name        string
	table       Table
	sides       []int // the input sides in its networks
	avx2Forward bool  // AVX2 has its forward kernel (AVX-512 has all)
	input       bool  // it has an input-gradient kernel
	avx2Input   bool  // AVX2 has it too
}

// fanCases are the structures with fan kernels: LeNet-5's C1 and C3,
// LeNet-1's H1 (also LeNet-4's C1) and H3 and LeNet-4's C3.
var fanCases = []fanCase{
	{"C1", FullTable(1, 6), []int{32}, true, false, false},
	{"C3", C3Table, []int{14}, false, true, true},
	{"H1", FullTable(1, 4), []int{28, 32}, true, false, false},
	{"H3", LeNet1Table, []int{12}, true, true, true},
	{"LeNet4C3", LeNet4C3Table, []int{14}, false, true, true},
}

// fanSizes are the input sizes the fan tests run on: odd ones and the
// networks' own (12, 14, 28, 32).
var fanSizes = [][2]int{{5, 6}, {6, 7}, {9, 10}, {12, 12}, {13, 12}, {14, 14}, {14, 15}, {17, 18}, {24, 25}, {28, 28}, {31, 32}, {32, 32}, {33, 34}}

func testFanKernels(t *testing.T) {
	for _, tc := range fanCases {
		for _, hw := range fanSizes {
			t.Run(fmt.Sprintf("%s/%dx%d", tc.name, hw[0], hw[1]), func(t *testing.T) {
				testFanCase(t, tc, hw[0], hw[1])
			})
		}
	}
}

func testFanCase(t *testing.T, tc fanCase, h, w int) {
	g := newConvGeom(tc.table, 5, 5).withInput(h, w)
	fwd := fanFor(g.forwardDests())
	if wantFwd := fanPath() || (avx2Path() && tc.avx2Forward); wantFwd != (fwd != nil) {
		t.Fatalf("path %s: fan kernel for the forward pass %v, want one: %v", cpu.Current(), fwd != nil, wantFwd)
	}
	in := fanFor(g.inputDests())
	if wantIn := tc.input && (fanPath() || (avx2Path() && tc.avx2Input)); wantIn != (in != nil) {
		t.Fatalf("path %s: fan kernel for the input gradient %v, want one: %v", cpu.Current(), in != nil, wantIn)
	}
	if in != nil && in.destCount() != g.in {
		t.Fatalf("the input-gradient kernel writes %d maps, not the %d input maps", in.destCount(), g.in)
	}
	if fwd == nil && in == nil {
		return // the per-map kernels are all there is to run
	}
	rng := rand.New(rand.NewPCG(uint64(h), 3))
	const samples = 3
	x := randomFloats(rng, samples*g.in*g.h*g.w)
	wts := randomFloats(rng, tc.table.Pairs()*g.k)
	b := randomFloats(rng, g.out)
	gy := randomFloats(rng, samples*g.out*g.p)
	wt := make([]float32, len(wts))
	transposeWeights(g, wts, wt)

	if fwd != nil {
		want := make([]float32, samples*g.out*g.p)
		convForward(g, g.tapOffsets(), x, wts, b, want, make([]float32, g.oh*g.w), 0, samples)
		got := make([]float32, len(want))
		convForwardFan(g, g.forwardFanCall(fwd), wt, b, x, got, make([]float32, g.out*fanStride((g.oh-1)*g.w+g.ow)), 0, samples)
		assertClose32(t, "forward", got, want)

		if g.weightFanFits(fwd) {
			wantDw := make([]float32, len(wts))
			convBackwardWeight(g, g.tapOffsets(), x, gy, wantDw, make([]float32, g.oh*g.w), 0, samples)
			gotDw := make([]float32, len(wts))
			convBackwardWeightFan(g, g.weightFanCall(fwd), g.weightFanSums(), x, gy, gotDw,
				make([]float32, g.weightFanScratch(fwd)), make([]float32, 16*len(wts)), 0, samples)
			assertClose32(t, "weight gradient", gotDw, wantDw)
		} else if fwd.grad != nil && h == w && slices.Contains(tc.sides, h) {
			t.Fatalf("the weight-gradient fan kernel does not fit a %dx%d input", g.h, g.w)
		}
	}

	if in != nil {
		wantDx := make([]float32, samples*g.in*g.h*g.w)
		convBackwardInput(g, wt, g.inputTapOffsets(), gy, wantDx, make([]float32, g.padSize()), 0, samples)
		wf := make([]float32, len(wts))
		packInputFanWeights(g, wts, wf)
		gotDx := make([]float32, len(wantDx))
		convBackwardInputFan(g, g.inputFanCall(in), wf, make([]float32, g.in), gy, gotDx, make([]float32, g.inputFanScratch()), 0, samples)
		assertClose32(t, "input gradient", gotDx, wantDx)
	}
}

// A structure with no kernel gets none: the per-map kernels run.
func TestFanForUnknownStructure(t *testing.T) {
	if k := fanFor([][]int{{0, 1}, {1}}); k != nil {
		t.Fatalf("fanFor found a kernel for a structure none was generated for: %v", k.dests)
	}
}

// Every generated kernel computes the forward pass or the input gradient
// of one of graph's tables (internal/fangen reads them from graph), and
// no two share a structure.
func TestFanStructuresAreTables(t *testing.T) {
	for _, p := range cpu.Available() {
		restore := cpu.SetForTesting(p)
		ks := fanKernels()
		restore()
		for i, k := range ks {
			found := false
			for _, tc := range fanCases {
				g := newConvGeom(tc.table, 5, 5)
				found = found || equalStructure(k.dests, g.forwardDests()) || equalStructure(k.dests, g.inputDests())
			}
			if !found {
				t.Errorf("%s: generated kernel %v is no table's", p, k.dests)
			}
			for _, o := range ks[:i] {
				if equalStructure(k.dests, o.dests) {
					t.Errorf("%s: two kernels of %v", p, k.dests)
				}
			}
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
// (the forward passes and input gradients that fit its registers).
func avx2Path() bool { return cpu.Current() == cpu.AVX2 }
