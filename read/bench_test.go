package read

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// BenchmarkRead8Digits reads one line of 8 MNIST test digits on one
// thread: ink map, components, cuts, lattice, normalising and scoring every
// piece (one batched forward pass), Viterbi. "apart" is about 260x40 pixels
// with 12-16 px between digits (8 pieces, no cuts); "touching" overlaps
// neighbours by 2 px, so the line is cut and many more pieces are scored.
func BenchmarkRead8Digits(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	set, r := fixture(b)
	for _, sp := range []spacing{{"apart", 12, 16}, touching} {
		b.Run(sp.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(8, 8))
			img, want := composeLine(set, randomLine(set, 8, rng), sp, rng)
			got, err := r.Read(img)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%dx%d line %q read %q, %d segments, %d pieces", img.Bounds().Dx(), img.Bounds().Dy(), want, got.Text, len(got.Graph.Segments), len(got.Graph.Pieces))
			for b.Loop() {
				if _, err := r.Read(img); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
