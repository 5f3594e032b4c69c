package data

import (
	"image"
	"math/rand/v2"
	"testing"
)

// lumaAlpha's fast path for *image.Gray gives the generic path's values.
func TestLumaAlphaGrayFastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	g := image.NewGray(image.Rect(2, 3, 40, 31))
	for i := range g.Pix {
		g.Pix[i] = uint8(rng.IntN(256))
	}
	fast, fastAlpha := lumaAlpha(g)
	// The same pixels behind an image.Image that is not a *image.Gray.
	slow, slowAlpha := lumaAlpha(struct{ image.Image }{g})
	if fastAlpha.v != nil || slowAlpha.v == nil {
		t.Fatalf("alpha planes: fast %v, generic %v", fastAlpha.v != nil, slowAlpha.v != nil)
	}
	for i := range fast.v {
		if fast.v[i] != slow.v[i] {
			t.Fatalf("pixel %d: %v, the generic path %v", i, fast.v[i], slow.v[i])
		}
	}
}
