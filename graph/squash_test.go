package graph

import (
	"math"
	"testing"
)

// The float32 squashing function (scalar or vector kernel) stays within a
// few ulp of 1.7159 tanh(2a/3) and lets NaN through, so a diverged
// network shows in the loss.
func TestSquash32(t *testing.T) {
	var a []float32
	for v := -12.0; v <= 12; v += 0.0037 {
		a = append(a, float32(v))
	}
	a = append(a, 0, 1e-6, -1e-6, float32(math.NaN()))
	y := make([]float32, len(a))
	squash(a, y)
	for i, v := range a[:len(a)-1] {
		want := SquashA * math.Tanh(SquashS*float64(v))
		if d := math.Abs(float64(y[i]) - want); d > 2e-6 {
			t.Fatalf("f(%v) = %v, want %v (error %.2g)", v, y[i], want, d)
		}
	}
	if !math.IsNaN(float64(y[len(y)-1])) {
		t.Fatalf("f(NaN) = %v, want NaN", y[len(y)-1])
	}
}
