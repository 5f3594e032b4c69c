package f32

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/lenet5-go/lenet5/internal/cpu"
)

// forEachPath runs f once on every path this CPU has.
func forEachPath(t *testing.T, f func(t *testing.T)) {
	for _, p := range cpu.Available() {
		t.Run(p.String(), func(t *testing.T) {
			defer cpu.SetForTesting(p)()
			f(t)
		})
	}
}

// lengths are the vector lengths every kernel is tested on: all of 0..70
// (every tail of the 8- and 16-lane kernels), and some longer ones.
var lengths = func() []int {
	var ns []int
	for n := range 71 {
		ns = append(ns, n)
	}
	return append(ns, 127, 128, 129, 255, 784, 892, 1000)
}()

// offsets are where a vector starts in its backing array, so the
// kernels meet every alignment.
var offsets = []int{0, 1, 3, 7, 8, 15}

// randVec returns n values in [-2, 2) from r.
func randVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 4*r.Float32() - 2
	}
	return v
}

// near reports whether got is within tol of want, relative to scale (at
// least 1).
func near(got, want, tol, scale float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return math.Abs(got-want) <= tol*max(1, math.Abs(scale))
}

// checkVec fails t unless got matches want value by value.
func checkVec(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !near(float64(got[i]), want[i], tol, want[i]) {
			t.Fatalf("%s: [%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func TestVectorKernels(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for _, n := range lengths {
			for _, off := range offsets {
				name := fmt.Sprintf("n=%d,off=%d", n, off)
				x := randVec(r, n+off)[off:]
				y := randVec(r, n+off+5)[off:]
				a := 4*r.Float32() - 2
				var dot, dist, s float64
				wantAxpy := make([]float64, len(y))
				wantScale := make([]float64, n)
				for i := range y {
					wantAxpy[i] = float64(y[i])
					if i < n {
						wantAxpy[i] += float64(a) * float64(x[i])
						dot += float64(x[i]) * float64(y[i])
						e := float64(x[i]) - float64(y[i])
						dist += e * e
						s += float64(x[i])
						wantScale[i] = float64(a) * float64(x[i])
					}
				}
				tol := 1e-5 * float64(max(n, 1))
				if got := Dot(x, y); !near(float64(got), dot, tol, dot) {
					t.Fatalf("%s: Dot = %v, want %v", name, got, dot)
				}
				if got := SqDist(x, y); !near(float64(got), dist, tol, dist) {
					t.Fatalf("%s: SqDist = %v, want %v", name, got, dist)
				}
				if got := Sum(x); !near(float64(got), s, tol, s) {
					t.Fatalf("%s: Sum = %v, want %v", name, got, s)
				}
				Axpy(a, x, y)
				checkVec(t, name+": Axpy", y, wantAxpy, 1e-6)
				Scale(a, x)
				checkVec(t, name+": Scale", x, wantScale, 1e-6)
			}
		}
	})
}

func TestConvKernels(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, n := range lengths {
			for _, taps := range []int{0, 1, 3, 7, 8, 9, 25} {
				name := fmt.Sprintf("n=%d,taps=%d", n, taps)
				b := randVec(r, n+40)
				offs := make([]int, taps)
				for k := range offs {
					offs[k] = r.IntN(41)
				}
				a, g := randVec(r, taps), randVec(r, n)
				bias := r.Float32()
				y := randVec(r, n)
				want := make([]float64, n)
				for j := range want {
					want[j] = float64(bias)
					for k := range a {
						want[j] += float64(a[k]) * float64(b[offs[k]+j])
					}
				}
				BiasAxpyAt(bias, a, b, NewRows(offs), y)
				checkVec(t, name+": BiasAxpyAt", y, want, 1e-5*float64(taps+1))

				out := randVec(r, taps)
				wantOut := make([]float64, taps)
				for k := range out {
					wantOut[k] = float64(out[k])
					for j := range g {
						wantOut[k] += float64(g[j]) * float64(b[offs[k]+j])
					}
				}
				MultiDotAt(g, b, NewRows(offs), out)
				checkVec(t, name+": MultiDotAt", out, wantOut, 1e-5*float64(n+1))
			}
		}
	})
}

func TestBlockSumsAffine(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		for h := 0; h <= 8; h += 2 {
			for w := 0; w <= 70; w += 2 {
				x := randVec(r, h*w)
				s := randVec(r, h*w/4+3)
				k, c := r.Float32(), r.Float32()
				want := make([]float64, len(s))
				for i := range s {
					want[i] = float64(s[i])
				}
				for i := range h / 2 {
					for j := range w / 2 {
						p := 2*i*w + 2*j
						want[i*w/2+j] = float64(k)*(float64(x[p])+float64(x[p+1])+float64(x[p+w])+float64(x[p+w+1])) + float64(c)
					}
				}
				BlockSumsAffine(x, s, h, w, k, c)
				checkVec(t, fmt.Sprintf("%dx%d", h, w), s, want, 1e-5)
			}
		}
	})
}

func TestSquash(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(7, 8))
		for _, n := range lengths {
			for _, off := range offsets[:3] {
				a := randVec(r, n+off)[off:]
				for i := range a {
					a[i] *= 8 // beyond the clamp too
				}
				if n > 5 {
					a[1], a[2], a[3], a[4] = float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1e-5
				}
				y := make([]float32, n+2)
				want := make([]float64, n+2)
				for i, v := range a {
					want[i] = SquashA * math.Tanh(SquashS*float64(v))
					if math.IsInf(float64(v), 0) {
						want[i] = math.NaN() // a diverged input shows
					}
				}
				Squash(a, y)
				checkVec(t, fmt.Sprintf("Squash n=%d,off=%d", n, off), y, want, 2e-6)

				g := randVec(r, n)
				ga := make([]float32, n)
				wantG := make([]float64, n)
				for i := range g {
					wantG[i] = float64(g[i]) * (SquashS / SquashA) * (SquashA*SquashA - float64(y[i])*float64(y[i]))
				}
				SquashGrad(y[:n], g, ga)
				checkVec(t, fmt.Sprintf("SquashGrad n=%d,off=%d", n, off), ga, wantG, 1e-5)
			}
		}
	})
}

// TestTanh checks the scalar approximation against math.Tanh.
func TestTanh(t *testing.T) {
	for x := float32(-10); x <= 10; x += 0.01 {
		if got, want := Tanh(x), math.Tanh(float64(x)); math.Abs(float64(got)-want) > 1e-6 {
			t.Fatalf("Tanh(%v) = %v, want %v", x, got, want)
		}
	}
	if !math.IsNaN(float64(Tanh(float32(math.NaN())))) {
		t.Error("Tanh(NaN) is not NaN")
	}
}

func TestShortSlicesPanic(t *testing.T) {
	tests := []struct {
		name string
		call func()
	}{
		{"Axpy", func() { Axpy(1, make([]float32, 4), make([]float32, 3)) }},
		{"Dot", func() { Dot(make([]float32, 4), make([]float32, 3)) }},
		{"BiasAxpyAt offs", func() { BiasAxpyAt(0, make([]float32, 2), make([]float32, 10), NewRows([]int{0}), make([]float32, 4)) }},
		{"BiasAxpyAt row", func() { BiasAxpyAt(0, make([]float32, 1), make([]float32, 10), NewRows([]int{7}), make([]float32, 4)) }},
		{"BiasAxpyAt negative", func() { BiasAxpyAt(0, make([]float32, 1), make([]float32, 10), NewRows([]int{-1}), make([]float32, 4)) }},
		{"MultiDotAt row", func() { MultiDotAt(make([]float32, 4), make([]float32, 10), NewRows([]int{0, 7}), make([]float32, 2)) }},
		{"MultiDotAt rows", func() { MultiDotAt(make([]float32, 4), make([]float32, 10), NewRows([]int{0}), make([]float32, 2)) }},
		{"BlockSumsAffine odd", func() { BlockSumsAffine(make([]float32, 9), make([]float32, 4), 3, 3, 1, 0) }},
		{"BlockSumsAffine short", func() { BlockSumsAffine(make([]float32, 15), make([]float32, 4), 4, 4, 1, 0) }},
		{"SquashGrad", func() { SquashGrad(make([]float32, 4), make([]float32, 4), make([]float32, 3)) }},
		{"AdamStep", func() {
			AdamStep(make([]float32, 4), make([]float32, 4), make([]float32, 4), make([]float32, 3), 1, 0.9, 0.999, 1e-8, 1, 1, 0, 0)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with a short slice did not panic", tt.name)
				}
			}()
			tt.call()
		})
	}
}

// NewRows keeps its own copy: changing the caller's offsets afterwards
// cannot make a kernel read outside b.
func TestNewRowsCopies(t *testing.T) {
	offs := []int{2}
	rows := NewRows(offs)
	offs[0] = 1 << 40
	b := []float32{0, 0, 1, 2, 3, 4}
	y := make([]float32, 4)
	BiasAxpyAt(0.5, []float32{2}, b, rows, y)
	if want := []float32{2.5, 4.5, 6.5, 8.5}; !slices.Equal(y, want) {
		t.Errorf("BiasAxpyAt after the caller changed its offsets = %v, want %v", y, want)
	}
	if rows.Len() != 1 || rows.At(0) != 2 {
		t.Errorf("rows = %d rows, the first at %d; want 1 at 2", rows.Len(), rows.At(0))
	}
}

// TestPathsHaveKernels checks that every path this CPU has is built in.
func TestPathsHaveKernels(t *testing.T) {
	for _, p := range cpu.Available() {
		if paths[p] == nil {
			t.Errorf("no kernels for path %s", p)
		}
	}
}
