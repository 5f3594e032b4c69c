package main

import (
	"math"
	"testing"
)

// The threshold rejects at most the share asked for, ties included.
func TestThreshold(t *testing.T) {
	scores := []float64{5, 1, 9, 3, 9, 7, 2, 8, 4, 6}
	for _, tc := range []struct {
		most float64
		want float64 // share strictly above the cut
	}{
		{0, 0}, {0.1, 0}, {0.2, 0.2}, {0.35, 0.3}, {0.5, 0.5},
	} {
		if got := above(scores, threshold(scores, tc.most)); got != tc.want {
			t.Errorf("at most %g: %g rejected, want %g", tc.most, got, tc.want)
		}
	}
}

// The scores are the log-odds of the formulas.
func TestScores(t *testing.T) {
	row := []float64{3, 5, 8, 9, 10, 11, 12, 13, 14, 15}
	const j = 4
	sum := math.Exp(-j)
	for _, v := range row {
		sum += math.Exp(-v)
	}
	pRubbish, pTop := math.Exp(-j)/sum, math.Exp(-3)/sum
	if got, want := scores[0].of(row, j)[0], math.Log(pRubbish/(1-pRubbish)); math.Abs(got-want) > 1e-12 {
		t.Errorf("P(rubbish) log-odds %v, want %v", got, want)
	}
	if got, want := scores[1].of(row, j)[0], -math.Log(pTop); math.Abs(got-want) > 1e-12 {
		t.Errorf("top P score %v, want %v", got, want)
	}
	// Far from every code: no overflow, the most rubbish-like.
	far := []float64{900, 950, 1000, 1200, 999, 1500, 2000, 800, 850, 3000}
	if s := scores[0].of(far, j)[0]; math.IsInf(s, 0) || math.IsNaN(s) || s < 700 {
		t.Errorf("far row: score %v", s)
	}
}
