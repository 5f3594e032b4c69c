package train

import (
	"math"
	"testing"
)

func TestRejectFor(t *testing.T) {
	tests := []struct {
		name                        string
		margins                     []float64
		correct                     []bool
		target, fraction, threshold float64
	}{
		// Ten images; the three wrong ones have margins 0.1, 0.3 and 0.7.
		{"none rejected", ten, tenCorrect, 0.3, 0, 0.1},
		{"one rejected", ten, tenCorrect, 0.25, 0.1, 0.2},
		{"three rejected", ten, tenCorrect, 0.2, 0.3, 0.4},
		{"past the third error", ten, tenCorrect, 0.1, 0.7, 0.8},
		{"no error left", ten, tenCorrect, 0, 0.7, 0.8},
		// Equal margins are rejected together.
		{"tie", []float64{0.1, 0.1, 0.5}, []bool{false, true, true}, 0, 2.0 / 3, 0.5},
		{"everything", []float64{0.2, 0.2}, []bool{false, false}, 0.1, 1, math.Nextafter(0.2, 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewRejection(tc.margins, tc.correct)
			if err != nil {
				t.Fatal(err)
			}
			f, th := r.RejectFor(tc.target)
			if math.Abs(f-tc.fraction) > 1e-12 || th != tc.threshold {
				t.Errorf("RejectFor(%v) = %v, %v; want %v, %v", tc.target, f, th, tc.fraction, tc.threshold)
			}
		})
	}
}

var (
	ten        = []float64{0.9, 0.1, 0.5, 0.3, 0.8, 0.7, 0.2, 0.6, 0.4, 1.0}
	tenCorrect = []bool{true, false, true, false, true, false, true, true, true, true}
)

func TestRejectionCurve(t *testing.T) {
	tests := []struct {
		name      string
		margins   []float64
		correct   []bool
		step, max float64
		want      []RejectionPoint
	}{
		{"ten", ten, tenCorrect, 0.1, 0.3, []RejectionPoint{{0, 0.3}, {0.1, 2.0 / 9}, {0.2, 2.0 / 8}, {0.3, 1.0 / 7}}},
		// The first two tie: a third alone cannot be rejected.
		{"tie", []float64{0.1, 0.1, 0.5}, []bool{false, true, true}, 1.0 / 3, 1, []RejectionPoint{{0, 1.0 / 3}, {2.0 / 3, 0}, {1, 0}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewRejection(tc.margins, tc.correct)
			if err != nil {
				t.Fatal(err)
			}
			got := r.Curve(tc.step, tc.max)
			if len(got) != len(tc.want) {
				t.Fatalf("curve %v, want %v", got, tc.want)
			}
			for i := range tc.want {
				if math.Abs(got[i].Rejected-tc.want[i].Rejected) > 1e-12 || math.Abs(got[i].Error-tc.want[i].Error) > 1e-12 {
					t.Errorf("point %d = %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestRejectionErrorAt(t *testing.T) {
	r, err := NewRejection(ten, tenCorrect)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ threshold, want float64 }{
		{0, 0.3}, {0.1, 0.3}, {0.15, 2.0 / 9}, {0.4, 1.0 / 7}, {0.8, 0}, {2, 0},
	} {
		if got := r.ErrorAt(tc.threshold); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("ErrorAt(%v) = %v, want %v", tc.threshold, got, tc.want)
		}
	}
}

func TestNewRejectionErrors(t *testing.T) {
	if _, err := NewRejection([]float64{1}, nil); err == nil {
		t.Error("mismatched lengths: no error")
	}
	if _, err := NewRejection(nil, nil); err == nil {
		t.Error("no images: no error")
	}
}

// A target below 0 or a step that is not positive is a caller's mistake:
// it panics with a message naming the argument, instead of panicking as
// "unreachable" (RejectFor) or looping for ever (Curve).
func TestRejectionBadArguments(t *testing.T) {
	r, err := NewRejection(ten, tenCorrect)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		call func()
		want string
	}{
		{"negative target", func() { r.RejectFor(-0.1) }, "train: Rejection.RejectFor(-0.1): the target error must be at least 0"},
		{"NaN target", func() { r.RejectFor(math.NaN()) }, "train: Rejection.RejectFor(NaN): the target error must be at least 0"},
		{"zero step", func() { r.Curve(0, 0.3) }, "train: Rejection.Curve(0, 0.3): the step must be positive"},
		{"negative step", func() { r.Curve(-0.1, 0.3) }, "train: Rejection.Curve(-0.1, 0.3): the step must be positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if got := recover(); got != tc.want {
					t.Errorf("panic %v, want %q", got, tc.want)
				}
			}()
			tc.call()
		})
	}
}
