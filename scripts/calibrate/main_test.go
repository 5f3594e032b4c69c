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

// withNonDigits appends the non-digits as wrong readings that weigh
// together the given share of the strings, and leaves its inputs alone.
func TestWithNonDigits(t *testing.T) {
	for _, tc := range []struct {
		strings, nonDigits int
		share              float64
	}{
		{8000, 3772, 0.2},
		{10, 40, 0.5},
		{10, 0, 0.2},
	} {
		xs, right := make([][]float64, tc.strings), make([]bool, tc.strings)
		for i := range right {
			xs[i], right[i] = []float64{1}, true
		}
		nd := make([][]float64, tc.nonDigits)
		for i := range nd {
			nd[i] = []float64{2}
		}
		all, ok, wts := withNonDigits(xs, right, nd, tc.share)
		if len(all) != tc.strings+tc.nonDigits || len(ok) != len(all) || len(wts) != len(all) || len(xs) != tc.strings {
			t.Fatalf("%+v: %d features, %d labels, %d weights (strings left with %d)", tc, len(all), len(ok), len(wts), len(xs))
		}
		var strW, ndW float64
		for i := range all {
			if i < tc.strings {
				strW += wts[i]
				if !ok[i] || all[i][0] != 1 {
					t.Errorf("%+v: string %d changed", tc, i)
				}
				continue
			}
			ndW += wts[i]
			if ok[i] || all[i][0] != 2 {
				t.Errorf("%+v: non-digit %d is right or changed", tc, i)
			}
		}
		if strW != float64(tc.strings) || math.Abs(ndW-tc.share*float64(tc.strings)*float64(min(tc.nonDigits, 1))) > 1e-9 {
			t.Errorf("%+v: strings weigh %g, non-digits %g", tc, strW, ndW)
		}
	}
}
