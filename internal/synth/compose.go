package synth

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"

	"github.com/lenet5-go/lenet5/data"
	"golang.org/x/image/draw"
)

// Spacing is how close the digits of a line are written.
type Spacing int

// The spacings. Gaps and overlaps are between the boxes of neighbouring
// digits, in pixels of the line at its own scale (a digit is about 20 px
// tall).
const (
	// Apart leaves a gap of 3..8 empty columns between neighbours.
	Apart Spacing = iota
	// Close leaves a gap of 1..2 empty columns: a cut between the boxes
	// still separates the digits, but only just.
	Close
	// Touching overlaps the ink of neighbours by 1..4 px in some row, so
	// that their strokes merge into one connected shape.
	Touching
)

// Spacings lists every spacing, in order.
var Spacings = []Spacing{Apart, Close, Touching}

// String returns the spacing's name: "apart", "close" or "touching".
func (s Spacing) String() string {
	switch s {
	case Apart:
		return "apart"
	case Close:
		return "close"
	case Touching:
		return "touching"
	}
	return fmt.Sprintf("Spacing(%d)", int(s))
}

// SpacingNamed returns the spacing whose String is name; ok is false if
// none is.
func SpacingNamed(name string) (s Spacing, ok bool) {
	for _, s := range Spacings {
		if s.String() == name {
			return s, true
		}
	}
	return 0, false
}

// Layout of a line.
const (
	// minScale and maxScale bound each digit's random scale: MNIST's
	// 20 px digit becomes 16..25 px tall.
	minScale, maxScale = 0.8, 1.25
	// maxLift is how far, in pixels, a digit's bottom may sit above or below
	// the baseline.
	maxLift = 3
	// minMargin and maxMargin bound the paper left on each side of the line.
	minMargin, maxMargin = 4, 12
	// haloLevel is the ink level below which a scaled digit's pixels are
	// cleared: the faint ringing of the resampling would otherwise widen
	// the boxes with pixels no one sees.
	haloLevel = 16
	// solidLevel is the ink level from which Touching counts a pixel as
	// stroke when it makes neighbours overlap.
	solidLevel = 128
	// maxTouchTries is how many vertical placements Touching tries for a
	// digit before it joins it to its neighbour with a pen stroke.
	maxTouchTries = 10
	// maxMesh is the most that the boxes of touching digits overlap, as a
	// share of the narrower digit's width.
	maxMesh = 0.3
	// linkPen is the width, in pixels, of the stroke joining touching
	// digits: about MNIST's pen.
	linkPen = 2.5
)

// Line is digits composed into one picture.
type Line struct {
	// Ink is the line's ink map: 0 = paper, 255 = ink, as in MNIST.
	Ink *image.Gray
	// Boxes holds each digit's box in Ink, left to right: the bounding box
	// of its pixels (after scaling, from haloLevel up).
	Boxes []image.Rectangle
	// Baseline is the row the digits stand on, before each digit's lift.
	Baseline int
}

// glyph is a scaled digit cropped to its ink, placed at (x, y) on the line.
type glyph struct {
	pix  []uint8
	w, h int
	x, y int
}

func (g *glyph) at(x, y int) uint8 { return g.pix[y*g.w+x] }

func (g *glyph) box() image.Rectangle { return image.Rect(g.x, g.y, g.x+g.w, g.y+g.h) }

// Compose writes digits on one line with the given spacing: each digit is
// scaled by a random factor in [0.8, 1.25] and lifted up to 3 px off the
// baseline, and the line gets 4..12 px of margin on each side. Overlapping
// ink is combined with max. The random draws come from src.
func Compose(digits []Digit, spacing Spacing, src *rand.PCG) (*Line, error) {
	if len(digits) == 0 {
		return nil, fmt.Errorf("composing a line: no digits")
	}
	if spacing < Apart || spacing > Touching {
		return nil, fmt.Errorf("composing a line: unknown spacing %d", int(spacing))
	}
	if err := checkDigits(digits); err != nil {
		return nil, fmt.Errorf("composing a line: %w", err)
	}
	return compose(digits, spacing, draws{src})
}

func compose(digits []Digit, spacing Spacing, r draws) (*Line, error) {
	glyphs, links, err := layout(digits, spacing, r)
	if err != nil {
		return nil, err
	}
	return paint(glyphs, links, r), nil
}

// layout scales the digits and places them on the line, the baseline at
// row 0, the first digit at column 0. links are the strokes joining
// touching digits whose ink would not meet otherwise.
func layout(digits []Digit, spacing Spacing, r draws) (glyphs, links []*glyph, err error) {
	glyphs = make([]*glyph, len(digits))
	for i, d := range digits {
		g, err := scaleDigit(d.Pixels, r.uniform(minScale, maxScale))
		if err != nil {
			return nil, nil, fmt.Errorf("composing a line: digit %d (a %d): %w", i, d.Label, err)
		}
		glyphs[i] = g
	}
	floor := 0 // the right edge of the boxes before the previous digit (x >= 0)
	for i, g := range glyphs {
		g.y = lift(r) - g.h // the baseline is row 0 until the picture is made
		if i == 0 {
			continue
		}
		prev := glyphs[i-1]
		switch spacing {
		case Apart:
			g.x = prev.x + prev.w + r.between(3, 8)
		case Close:
			g.x = prev.x + prev.w + r.between(1, 2)
		case Touching:
			if l := touch(prev, g, floor, r.between(1, 4), r); l != nil {
				links = append(links, l)
			}
		}
		floor = max(floor, prev.x+prev.w)
	}
	return glyphs, links, nil
}

// lift draws a digit's vertical offset from the baseline.
func lift(r draws) int { return r.between(-maxLift, maxLift) }

// scaleDigit resamples a 28x28 digit by scale and crops it to its ink.
func scaleDigit(pixels []uint8, scale float64) (*glyph, error) {
	src := &image.Gray{Pix: pixels, Stride: data.Side, Rect: image.Rect(0, 0, data.Side, data.Side)}
	side := int(math.Round(data.Side * scale))
	dst := image.NewGray(image.Rect(0, 0, side, side))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	box := image.Rectangle{Min: image.Pt(side, side)}
	for y := range side {
		for x := range side {
			p := &dst.Pix[y*dst.Stride+x]
			if *p < haloLevel {
				*p = 0
				continue
			}
			box = box.Union(image.Rect(x, y, x+1, y+1))
		}
	}
	if box.Empty() {
		return nil, fmt.Errorf("no ink")
	}
	g := &glyph{w: box.Dx(), h: box.Dy(), pix: make([]uint8, box.Dx()*box.Dy())}
	for y := range g.h {
		copy(g.pix[y*g.w:(y+1)*g.w], dst.Pix[(box.Min.Y+y)*dst.Stride+box.Min.X:])
	}
	return g, nil
}

// touch places b (whose y is set) after a so that their solid ink
// overlaps by want columns in the row where they come closest, keeping both
// edges of b's box to the right of a's (the boxes stay in reading order)
// and the boxes' overlap within maxMesh of the narrower digit: digits that
// touch meet at a stroke's end, they do not interlock. It tries other lifts
// for b; if none lets the ink meet within that overlap, it places b at the
// most overlap and returns a link, a pen stroke joining the two as a pen
// dragged from one digit to the next would.
//
// floor is the right edge of the boxes before a: b's box overlaps them by
// at most a column, so that a narrow a does not let b run into its
// predecessors.
func touch(a, b *glyph, floor, want int, r draws) (link *glyph) {
	most := max(want+1, int(maxMesh*float64(min(a.w, b.w))))
	lowest := max(a.x+1, a.x+a.w-b.w+1, a.x+a.w-most, floor-1)
	for try := range maxTouchTries {
		if try > 0 {
			b.y = lift(r) - b.h
		}
		reach, ok := closest(a, b)
		if !ok {
			continue
		}
		b.x = max(reach+1-want, lowest)
		if inkOverlap(a, b) >= 1 {
			return nil
		}
	}
	b.x = lowest
	return joint(a, b)
}

// closest returns the x that b's origin must not reach for its solid ink
// to stay clear of a's in every row both have solid ink in:
// max over rows of (a's rightmost solid column - b's leftmost, relative).
// ok is false if no row has solid ink in both.
func closest(a, b *glyph) (reach int, ok bool) {
	reach = math.MinInt
	for y := max(a.y, b.y); y < min(a.y+a.h, b.y+b.h); y++ {
		right, left := -1, -1
		for x := a.w - 1; x >= 0; x-- {
			if a.at(x, y-a.y) >= solidLevel {
				right = x
				break
			}
		}
		for x := range b.w {
			if b.at(x, y-b.y) >= solidLevel {
				left = x
				break
			}
		}
		if right >= 0 && left >= 0 {
			reach, ok = max(reach, a.x+right-left), true
		}
	}
	return reach, ok
}

// inkOverlap returns the most columns in one row where both a and b have
// solid ink.
func inkOverlap(a, b *glyph) int {
	best := 0
	for y := max(a.y, b.y); y < min(a.y+a.h, b.y+b.h); y++ {
		n := 0
		for x := max(a.x, b.x); x < min(a.x+a.w, b.x+b.w); x++ {
			if a.at(x-a.x, y-a.y) >= solidLevel && b.at(x-b.x, y-b.y) >= solidLevel {
				n++
			}
		}
		best = max(best, n)
	}
	return best
}

// paint draws the placed glyphs, and the links between them, into a
// picture with random margins. The boxes are the glyphs' alone.
func paint(glyphs, links []*glyph, r draws) *Line {
	ink := glyphs[0].box()
	for _, g := range append(glyphs[1:], links...) {
		ink = ink.Union(g.box())
	}
	left, right := r.between(minMargin, maxMargin), r.between(minMargin, maxMargin)
	top, bottom := r.between(minMargin, maxMargin), r.between(minMargin, maxMargin)
	dx, dy := left-ink.Min.X, top-ink.Min.Y
	img := image.NewGray(image.Rect(0, 0, ink.Dx()+left+right, ink.Dy()+top+bottom))
	boxes := make([]image.Rectangle, len(glyphs))
	for i, g := range append(glyphs, links...) {
		g.x, g.y = g.x+dx, g.y+dy
		if i < len(boxes) {
			boxes[i] = g.box()
		}
		for y := range g.h {
			row := img.Pix[(g.y+y)*img.Stride+g.x:]
			for x := range g.w {
				row[x] = max(row[x], g.at(x, y))
			}
		}
	}
	return &Line{Ink: img, Boxes: boxes, Baseline: dy}
}

// joint returns a pen stroke from a's solid ink to b's where they come
// closest: in the shared row with the fewest columns between them, or,
// if no row has solid ink in both, between a's rightmost and b's leftmost
// solid pixels. It reaches a pixel into each so that the three merge.
func joint(a, b *glyph) *glyph {
	from, to := extreme(a, true), extreme(b, false)
	best := math.MaxInt
	for y := max(a.y, b.y); y < min(a.y+a.h, b.y+b.h); y++ {
		right, left := rowEdge(a, y-a.y, true), rowEdge(b, y-b.y, false)
		if right < 0 || left < 0 {
			continue
		}
		if gap := (b.x + left) - (a.x + right); gap < best {
			best = gap
			from, to = image.Pt(a.x+right, y), image.Pt(b.x+left, y)
		}
	}
	const margin = 3
	box := image.Rectangle{Min: from, Max: to}.Canon()
	box.Min = box.Min.Sub(image.Pt(margin, margin))
	box.Max = box.Max.Add(image.Pt(margin+1, margin+1))
	p := newPlane(box.Dx(), box.Dy())
	at := func(q image.Point) pt { return pt{float64(q.X-box.Min.X) + 0.5, float64(q.Y-box.Min.Y) + 0.5} }
	p.stroke([]pt{at(from), at(to)}, linkPen)
	g := &glyph{w: p.w, h: p.h, x: box.Min.X, y: box.Min.Y, pix: make([]uint8, len(p.v))}
	for i, v := range p.v {
		g.pix[i] = byteOf(float64(v))
	}
	return g
}

// rowEdge returns the column of g's rightmost (right) or leftmost solid
// pixel in row y of g, or -1 if the row has none.
func rowEdge(g *glyph, y int, right bool) int {
	for k := range g.w {
		x := k
		if right {
			x = g.w - 1 - k
		}
		if g.at(x, y) >= solidLevel {
			return x
		}
	}
	return -1
}

// extreme returns, in line coordinates, g's rightmost (right) or leftmost
// solid pixel, the topmost of equals. A glyph with no solid pixel gives the
// middle of its box's edge.
func extreme(g *glyph, right bool) image.Point {
	for k := range g.w {
		x := k
		if right {
			x = g.w - 1 - k
		}
		for y := range g.h {
			if g.at(x, y) >= solidLevel {
				return image.Pt(g.x+x, g.y+y)
			}
		}
	}
	if right {
		return image.Pt(g.x+g.w-1, g.y+g.h/2)
	}
	return image.Pt(g.x, g.y+g.h/2)
}
