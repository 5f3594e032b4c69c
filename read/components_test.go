package read

import (
	"math/rand/v2"
	"testing"

	"github.com/lenet5-go/lenet5/internal/synth"
)

// TestClusterRef checks the reference height against the digits' true
// heights on composed lines of 3-8 MNIST test digits: on digits apart it
// is the components' median height; on touching digits, run together
// into one component taller than any of them, clusterRef brings it back
// to about one digit's height.
func TestClusterRef(t *testing.T) {
	set, _ := fixture(t)
	indices := make([]int, 200)
	for i := range indices {
		indices[i] = i
	}
	digits, err := synth.Digits(set, indices)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		spacing  synth.Spacing
		min, max float64 // bounds on the mean of ref / the digits' mean height
	}{
		{synth.Apart, 0.9, 1.1},
		{synth.Touching, 0.9, 1.15},
	}
	for _, tt := range tests {
		t.Run(tt.spacing.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(2026, 22))
			src := rand.NewPCG(22, 2026)
			sum, n := 0.0, 0
			for range 60 {
				line := make([]synth.Digit, 3+rng.IntN(6))
				for i := range line {
					line[i] = digits[rng.IntN(len(digits))]
				}
				l, err := synth.Compose(line, tt.spacing, src)
				if err != nil {
					t.Fatal(err)
				}
				m, s, err := lineShapes(l.Ink)
				if err != nil {
					t.Fatal(err)
				}
				h := 0.0
				for _, b := range l.Boxes {
					h += float64(b.Dy())
				}
				sum += s.refHeight * float64(m.scale) / (h / float64(len(l.Boxes)))
				n++
			}
			if mean := sum / float64(n); mean < tt.min || mean > tt.max {
				t.Errorf("reference height / digits' mean height = %.3f on average, want %.2f..%.2f", mean, tt.min, tt.max)
			} else {
				t.Logf("reference height / digits' mean height = %.3f on average", mean)
			}
		})
	}
}
