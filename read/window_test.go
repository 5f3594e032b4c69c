package read

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/lenet5-go/lenet5/data"
)

// TestWindowSamples checks every pixel of the SDNN's windows of a line
// against its definition, computed the slow way: the mean of 2x2
// bilinear samples of the ink map, 0 outside it.
func TestWindowSamples(t *testing.T) {
	set, _ := fixture(t)
	for _, sp := range []spacing{apart, touching} {
		img, _ := composeLine(set, []int{0, 1, 2, 3, 4}, sp, rand.New(rand.NewPCG(1, 2)))
		m, s, err := lineShapes(img)
		if err != nil {
			t.Fatal(err)
		}
		ink := image.Rectangle{}
		for _, c := range s.comps {
			ink = ink.Union(c.box)
		}
		ref := max(s.refHeight, 1)
		for _, cx := range []float64{float64(ink.Min.X), float64(ink.Min.X+ink.Max.X) / 2, float64(ink.Max.X) + 0.3} {
			got := m.window(s, cx, ref, ink)
			// The vertical centre, as window sets it, recovered from
			// the windows: try every half-pixel around the line's rows.
			if !matchesSomeCentre(m, got, cx, ref, ink) {
				t.Errorf("%s: the window at column %.1f is not the mean of 2x2 bilinear samples of the ink map", sp.name, cx)
			}
		}
	}
}

// matchesSomeCentre reports whether w is the window at column cx for
// some vertical centre on the line's rows (in half pixels).
func matchesSomeCentre(m *inkMap, w []uint8, cx, ref float64, ink image.Rectangle) bool {
	sample := func(x, y float64) float64 {
		x, y = x-0.5, y-0.5
		fx, fy := math.Floor(x), math.Floor(y)
		ix, iy := int(fx), int(fy)
		ax, ay := x-fx, y-fy
		at := func(x, y int) float64 {
			if x < 0 || y < 0 || x >= m.w || y >= m.h {
				return 0
			}
			return float64(m.v[y*m.w+x])
		}
		return (1-ay)*((1-ax)*at(ix, iy)+ax*at(ix+1, iy)) + ay*((1-ax)*at(ix, iy+1)+ax*at(ix+1, iy+1))
	}
	k := ref / windowDigit
	for c2 := 2 * ink.Min.Y; c2 <= 2*ink.Max.Y; c2++ {
		cy, same := float64(c2)/2, true
		for j := 0; j < data.Side && same; j++ {
			for i := 0; i < data.Side && same; i++ {
				var v float64
				for _, dy := range [2]float64{0.25, 0.75} {
					for _, dx := range [2]float64{0.25, 0.75} {
						v += sample(cx+(float64(i)+dx-data.Side/2)*k, cy+(float64(j)+dy-data.Side/2)*k)
					}
				}
				same = w[j*data.Side+i] == uint8(math.Min(255, v/4*255+0.5))
			}
		}
		if same {
			return true
		}
	}
	return false
}
