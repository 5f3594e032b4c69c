package main

import (
	"math"
	"testing"
)

// safeShare leaves room for the sample's noise: 0.79% of 5,000 digits
// for a 1% limit, closer to the limit on more digits, and its share's
// upper bound is the limit.
func TestSafeShare(t *testing.T) {
	for _, tc := range []struct {
		n      int
		lo, hi float64
	}{
		{5000, 0.0078, 0.0080},
		{10000, 0.0084, 0.0086},
		{1_000_000, 0.0098, 0.0099},
	} {
		r := safeShare(0.01, tc.n)
		if r < tc.lo || r > tc.hi {
			t.Errorf("safeShare(1%%, %d) = %.5f, want %.4f..%.4f", tc.n, r, tc.lo, tc.hi)
		}
		if b := r + 1.645*math.Sqrt(r*(1-r)/float64(tc.n)); math.Abs(b-0.01) > 1e-9 {
			t.Errorf("safeShare(1%%, %d): upper bound %.6f, want 0.01", tc.n, b)
		}
	}
}
