package conv1d

import (
	"math"
	"testing"
)

// A kernel of 3 over 4 positions of one value, by hand: the ends see
// zeros beyond them.
func TestForward(t *testing.T) {
	l := Layer{In: 1, Out: 1, Kernel: 3, W: []float64{1, 10, 100}, B: []float64{0.5}}
	got := l.Forward([]float64{1, 2, 3, 4}, 4)
	// y[t] = x[t-1] + 10 x[t] + 100 x[t+1] + 0.5
	want := []float64{0 + 10 + 200 + 0.5, 1 + 20 + 300 + 0.5, 2 + 30 + 400 + 0.5, 3 + 40 + 0 + 0.5}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

// Backward's gradients are the finite differences of sum(dy * Forward).
func TestBackward(t *testing.T) {
	for _, tc := range []struct{ in, out, kernel, T int }{
		{1, 1, 1, 1}, {2, 3, 3, 5}, {3, 2, 5, 2}, {4, 4, 7, 9},
	} {
		l := Layer{In: tc.in, Out: tc.out, Kernel: tc.kernel,
			W: make([]float64, tc.out*tc.kernel*tc.in), B: make([]float64, tc.out)}
		for i := range l.W {
			l.W[i] = math.Sin(float64(3*i + 1))
		}
		for i := range l.B {
			l.B[i] = math.Cos(float64(i))
		}
		x := make([]float64, tc.T*tc.in)
		for i := range x {
			x[i] = math.Sin(float64(7*i + 2))
		}
		dy := make([]float64, tc.T*tc.out)
		for i := range dy {
			dy[i] = math.Cos(float64(5*i + 3))
		}
		objective := func() float64 {
			s := 0.0
			for i, v := range l.Forward(x, tc.T) {
				s += dy[i] * v
			}
			return s
		}
		gw, gb := make([]float64, len(l.W)), make([]float64, len(l.B))
		dx := l.Backward(x, dy, tc.T, gw, gb)
		check := func(name string, v []float64, g []float64) {
			for i := range v {
				old := v[i]
				v[i] = old + 1e-6
				up := objective()
				v[i] = old - 1e-6
				down := objective()
				v[i] = old
				if num := (up - down) / 2e-6; math.Abs(num-g[i]) > 1e-6*math.Max(1, math.Abs(num)) {
					t.Errorf("%+v: %s[%d]: finite difference %v, gradient %v", tc, name, i, num, g[i])
				}
			}
		}
		check("W", l.W, gw)
		check("B", l.B, gb)
		check("x", x, dx)
	}
}
