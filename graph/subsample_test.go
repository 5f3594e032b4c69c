package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The float32 block sums (AVX-512 in the fast build) equal the scalar
// ones for every even map width, inside one register pair and beyond.
func TestBlockSumsAffineWidths(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, h := range []int{2, 6} {
		for w := 2; w <= 40; w += 2 {
			t.Run(fmt.Sprintf("%dx%d", h, w), func(t *testing.T) {
				x := make([]float32, h*w)
				for i := range x {
					x[i] = rng.Float32()*4 - 2
				}
				got := make([]float32, h*w/4+3) // the spare values must stay untouched
				want := make([]float32, h*w/4)
				for i := range got {
					got[i] = 99
				}
				blockSumsAffine(x, got, h, w, 1.5, -0.25)
				blockSumsAffineScalar(x, want, h, w, 1.5, -0.25)
				for i, v := range want {
					if math.Abs(float64(got[i]-v)) > 1e-5 {
						t.Fatalf("sum %d = %v, want %v", i, got[i], v)
					}
				}
				for i := len(want); i < len(got); i++ {
					if got[i] != 99 {
						t.Fatalf("value %d past the output was overwritten: %v", i, got[i])
					}
				}
			})
		}
	}
}
