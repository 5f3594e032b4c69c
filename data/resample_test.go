package data

import (
	"bytes"
	"image"
	"math/rand/v2"
	"testing"

	"golang.org/x/image/draw"
)

// resampleGray16 gives what draw.CatmullRom.Scale gives, to the last bit,
// for sizes that shrink, grow or keep, and for random and extreme levels.
func TestResampleGray16MatchesDraw(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := [][4]int{{1, 1, 1, 1}, {1, 1, 20, 20}, {28, 28, 20, 20}, {60, 13, 20, 4}, {5, 40, 3, 20}, {20, 20, 20, 20}, {3, 2, 20, 13}, {200, 30, 20, 3}}
	for range 300 {
		sizes = append(sizes, [4]int{1 + rng.IntN(80), 1 + rng.IntN(80), 1 + rng.IntN(24), 1 + rng.IntN(24)})
	}
	for _, sz := range sizes {
		src := image.NewGray16(image.Rect(0, 0, sz[0], sz[1]))
		switch rng.IntN(3) {
		case 0:
			for i := range src.Pix {
				src.Pix[i] = uint8(rng.IntN(256))
			}
		case 1: // black and white only: the overshoot clamps
			for i := 0; i < len(src.Pix); i += 2 {
				v := uint8(0xff * rng.IntN(2))
				src.Pix[i], src.Pix[i+1] = v, v
			}
		default: // a stroke on black
			for y := range sz[1] {
				x := y * sz[0] / sz[1]
				src.Pix[y*src.Stride+2*x], src.Pix[y*src.Stride+2*x+1] = 0xff, 0xff
			}
		}
		want := image.NewGray16(image.Rect(0, 0, sz[2], sz[3]))
		draw.CatmullRom.Scale(want, want.Bounds(), src, src.Bounds(), draw.Src, nil)
		got := image.NewGray16(image.Rect(0, 0, sz[2], sz[3]))
		resampleGray16(got, src)
		if !bytes.Equal(got.Pix, want.Pix) {
			t.Fatalf("%dx%d -> %dx%d: resampleGray16 differs from draw.CatmullRom", sz[0], sz[1], sz[2], sz[3])
		}
	}
}
