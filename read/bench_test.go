package read

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/lenet5-go/lenet5/data"
)

// BenchmarkRead8Digits reads one line of 8 MNIST test digits on one
// thread: ink map, components, cuts, lattice, normalising and scoring every
// piece (one batched forward pass), Viterbi. "apart" is about 260x40 pixels
// with 12-16 px between digits (8 pieces, no cuts); "touching" overlaps
// neighbours by 2 px, so the line is cut and many more pieces are scored.
//
// The reader is the shipped one, as infer reads: the reader's model with
// the SDNN as its second reader (NewWithSDNN), which reads again the lines
// where the segmentation cut touching digits.
func BenchmarkRead8Digits(b *testing.B) {
	set, _ := fixture(b)
	r, _ := shippedReader(b)
	benchLines(b, set, r, func(got *Reading) string {
		if got.SDNN {
			return fmt.Sprintf("by the SDNN, %d windows", len(got.Graph.Pieces))
		}
		return fmt.Sprintf("%d segments, %d pieces, confidence %.2f", len(got.Graph.Segments), len(got.Graph.Pieces), got.Confidence)
	})
}

// BenchmarkSDNN8Digits reads BenchmarkRead8Digits' lines with the SDNN
// (the window network of models/runs): ink map, components, a window
// every 0.1 reference heights, all scored in one batched forward pass,
// the labels' dynamic programme.
func BenchmarkSDNN8Digits(b *testing.B) {
	set, _ := fixture(b)
	benchLines(b, set, sdnnReader(b), func(got *Reading) string {
		return fmt.Sprintf("%d windows", len(got.Graph.Pieces))
	})
}

// benchLines times r on one thread reading a line of 8 MNIST test digits
// of set, apart and touching, and logs what it read and how (what).
func benchLines(b *testing.B, set *data.Set, r *Reader, what func(*Reading) string) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for _, sp := range []spacing{{"apart", 12, 16}, touching} {
		b.Run(sp.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(8, 8))
			img, want := composeLine(set, randomLine(set, 8, rng), sp, rng)
			got, err := r.Read(img)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%dx%d line %q read %q, %s", img.Bounds().Dx(), img.Bounds().Dy(), want, got.Text, what(got))
			for b.Loop() {
				if _, err := r.Read(img); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
