package read

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// BenchmarkRead8Digits reads one line of 8 MNIST test digits, about
// 250x40 pixels, on one thread: ink map, components, cuts, lattice,
// normalising and scoring every piece (one batched forward pass), Viterbi.
func BenchmarkRead8Digits(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	set, r := fixture(b)
	rng := rand.New(rand.NewPCG(8, 8))
	img, want := composeLine(set, randomLine(set, 8, rng), spacing{"wide", 12, 16}, rng)
	got, err := r.Read(img)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%dx%d line %q read %q, %d segments, %d pieces", img.Bounds().Dx(), img.Bounds().Dy(), want, got.Text, len(got.Graph.Segments), len(got.Graph.Pieces))
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Read(img); err != nil {
			b.Fatal(err)
		}
	}
}
