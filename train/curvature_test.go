package train

import (
	"math"
	"testing"

	"github.com/lenet5-go/lenet5/data"
)

// The curvature is re-estimated after n, 2n, 4n, ... patterns of a pass,
// once each, whatever the batch size.
func TestRefreshDue(t *testing.T) {
	tests := []struct {
		n, batch int
		want     []int // the counts of trained patterns at which it is due, up to 1000
	}{
		{0, 1, nil},
		{100, 1, []int{100, 200, 400, 800}},
		{100, 32, []int{128, 224, 416, 800}},
		{300, 7, []int{301, 602}},
	}
	for _, tc := range tests {
		var got []int
		for done := tc.batch; done <= 1000; done += tc.batch {
			if refreshDue(tc.n, tc.batch, done) {
				got = append(got, done)
			}
		}
		if len(got) != len(tc.want) {
			t.Errorf("n %d, batch %d: due at %v, want %v", tc.n, tc.batch, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("n %d, batch %d: due at %v, want %v", tc.n, tc.batch, got, tc.want)
				break
			}
		}
	}
}

// The sum reading is the mean reading times the number of patterns, and
// a refreshed estimate is made on the weights of the moment.
func TestCurvatureReadings(t *testing.T) {
	estimate := func(reading string) []float64 {
		cfg := PaperConfig()
		cfg.TrainLimit, cfg.TestLimit, cfg.CurvaturePatterns, cfg.Curvature, cfg.Workers = 300, 100, 200, reading, 1
		tr, err := New(cfg, realMNIST(t), "")
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		s := tr.solver.(*SDLM)
		order := data.Shuffled(tr.trainIdx, cfg.Seed, 0)
		if err := tr.estimateCurvature(s, order, tr.distorted(0, nil)); err != nil {
			t.Fatal(err)
		}
		var h []float64
		for _, v := range s.Curvature() {
			h = append(h, v.Data...)
		}
		return h
	}
	mean, sum := estimate(CurvatureMean), estimate(CurvatureSum)
	for k := range mean {
		// SetCurvature keeps float32 precision.
		if want := 200 * mean[k]; math.Abs(sum[k]-want) > 1e-6*want {
			t.Fatalf("value %d: sum %g, want 200 x mean %g = %g", k, sum[k], mean[k], want)
		}
	}
}
