package read

import (
	"image"
	"math"
	"testing"
)

// Two rings ("0"s) joined by a short bridge, the right one with a foot
// that reaches under the left one (their boxes overlap by 4 columns):
// among the cuts through the component there must be one that puts every
// pixel of the left shape on its left and every pixel of the right shape
// on its right, although no straight vertical cut does.
func TestCutsSeparateOverlappingShapes(t *testing.T) {
	const w, h = 64, 44
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	rect := func(x0, y0, x1, y1 int) []image.Point {
		var pts []image.Point
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				pts = append(pts, image.Pt(x, y))
			}
		}
		return pts
	}
	ring := func(x0, y0, x1, y1 int) []image.Point {
		var pts []image.Point
		for _, p := range rect(x0, y0, x1, y1) {
			if p.X < x0+3 || p.X >= x1-3 || p.Y < y0+3 || p.Y >= y1-3 {
				pts = append(pts, p)
			}
		}
		return pts
	}
	left := ring(8, 8, 30, 28)
	right := append(ring(32, 12, 54, 34), rect(26, 31, 32, 34)...) // the foot: columns 26..31, under the left ring
	bridge := rect(30, 20, 32, 22)
	for _, p := range append(append(left, right...), bridge...) {
		img.Pix[p.Y*w+p.X] = 0
	}
	m, err := newInkMap(img)
	if err != nil {
		t.Fatal(err)
	}
	s := findShapes(m)
	if s == nil || len(s.comps) != 1 {
		t.Fatalf("want one component, got %v", s)
	}
	cuts := cutsOf(m, s, 0, false)
	if len(cuts) == 0 {
		t.Fatal("no cuts")
	}
	top := s.comps[0].box.Min.Y
	separates := func(c cut) bool {
		for _, p := range left {
			if p.X >= c.xs[p.Y-top] {
				return false
			}
		}
		for _, p := range right {
			if p.X < c.xs[p.Y-top] {
				return false
			}
		}
		return true
	}
	for _, c := range cuts {
		if separates(c) {
			return
		}
	}
	t.Errorf("none of %d cuts separates the shapes", len(cuts))
}

func TestShapeAndGapPriors(t *testing.T) {
	const ref = 20.0
	for _, c := range []struct {
		box  image.Rectangle
		want float64
	}{
		{image.Rect(0, 0, 15, 20), 0},                              // a digit
		{image.Rect(0, 0, 20, 14), 0},                              // short but not too short
		{image.Rect(0, 0, 10, 4), shortCost * (shortHeight - 0.2)}, // a fragment
		{image.Rect(0, 0, 30, 20), wideCost * 0.5},                 // two digits
	} {
		if got := shapeCost(c.box, ref); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("shapeCost(%v) = %v, want %v", c.box, got, c.want)
		}
	}
	seg := func(x0, x1 int) segment { return segment{box: image.Rect(x0, 0, x1, 10)} }
	for _, c := range []struct {
		segs []segment
		want bool
	}{
		{[]segment{seg(0, 10)}, false},
		{[]segment{seg(0, 10), seg(10, 20)}, false},
		{[]segment{seg(12, 20), seg(0, 14)}, false},
		{[]segment{seg(0, 10), seg(11, 20)}, true},
		{[]segment{seg(0, 30), seg(5, 8), seg(31, 40)}, true},
	} {
		if got := hasGap(c.segs); got != c.want {
			t.Errorf("hasGap(%v) = %v, want %v", c.segs, got, c.want)
		}
	}
	if pieceCost(0) != 0 || !(pieceCost(1) < pieceCost(2)) || pieceCost(40) > 3 {
		t.Errorf("pieceCost: 0 -> %v, 1 -> %v, 2 -> %v, 40 -> %v", pieceCost(0), pieceCost(1), pieceCost(2), pieceCost(40))
	}
}
