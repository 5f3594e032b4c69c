package train

import (
	"errors"
	"strings"
	"testing"
)

// The guard stops a run whose loss has blown up and whose error is at
// chance, and only such a run: a slow start (error at chance, loss
// falling) and a high loss with a low error go on. The sequences are
// shaped like the measured ones (docs/sdlm.md).
func TestGuardObserve(t *testing.T) {
	tests := []struct {
		name   string
		start  float64                    // first batch's loss
		batch  func(i int) (int, float64) // errors of 10 images, loss, of batch i >= 1
		stopAt int                        // batch index at which it stops (0: never)
	}{
		// The window fills at batch 99 (1,000 images).
		{"diverged", 84, func(int) (int, float64) { return 9, 245 }, 99},
		{"slow start", 84, func(i int) (int, float64) { return 9, 84 - float64(i)/10 }, 0},
		{"learning", 84, func(i int) (int, float64) { return max(9-i/20, 1), 84 / (1 + float64(i)/50) }, 0},
		{"high loss, low error", 2, func(int) (int, float64) { return 1, 10 }, 0},
		{"diverged after learning", 84, func(i int) (int, float64) {
			if i < 150 {
				return 1, 5
			}
			return 9, 250
		}, 150 + 88 - 1}, // 88 bad batches of 100 bring the error to 80%
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var g guard
			var err error
			stopped := 0
			for i := 0; i < 400 && err == nil; i++ {
				errs, loss := 9, tc.start
				if i > 0 {
					errs, loss = tc.batch(i)
				}
				if err = g.observe(10, errs, loss, "sdlm"); err != nil {
					stopped = i
				}
			}
			if stopped != tc.stopAt {
				t.Fatalf("stopped at batch %d (%v), want %d", stopped, err, tc.stopAt)
			}
			if err != nil && (!errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), "-mu")) {
				t.Errorf("error %q: want ErrDiverged and advice on -mu", err)
			}
		})
	}
}
