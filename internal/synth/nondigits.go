package synth

import (
	"fmt"
	"math"
)

// Kind is a kind of non-digit.
type Kind int

// The kinds of non-digits. Each is something a reader of written numbers
// meets and must not take for a digit.
const (
	// Piece is a vertical slice, 30-60% of the width, of an MNIST digit:
	// what a segmenter cutting a digit in two hands the recognizer.
	Piece Kind = iota
	// Pair is two MNIST digits side by side squeezed into one box: a cut
	// that missed the gap between them.
	Pair
	// Stroke is one pen stroke: a dash or a wave across, or an arc.
	Stroke
	// Shape is a geometric shape: a filled square, disc or triangle, a
	// cross, or a ring with a dot or a second ring in it.
	Shape
	// Letter is a printed letter of Letters in a Go font, slightly turned.
	Letter
	// Noise is dirt on the paper: blobs, specks or hatching.
	Noise
	// Scribble is a random scrawl: a tangle or a coil of loops.
	Scribble
)

// Kinds lists every kind of non-digit, in order.
var Kinds = []Kind{Piece, Pair, Stroke, Shape, Letter, Noise, Scribble}

// String returns the kind's name, for example "piece".
func (k Kind) String() string {
	switch k {
	case Piece:
		return "piece"
	case Pair:
		return "pair"
	case Stroke:
		return "stroke"
	case Shape:
		return "shape"
	case Letter:
		return "letter"
	case Noise:
		return "noise"
	case Scribble:
		return "scribble"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// NonDigit is a 28x28 image in the MNIST format that is not a digit.
type NonDigit struct {
	// Pixels holds data.Side x data.Side bytes, row-major, 0 = background,
	// 255 = ink, normalized as MNIST normalized its digits.
	Pixels []uint8
	// Kind is what it is.
	Kind Kind
	// What describes it in a few words, for example "piece of a 7" or
	// "letter K, Go Bold".
	What string
}

// Drawing of the non-digits that are not made of MNIST digits: on a square
// canvas, the figure fills about figureSize pixels, which normalization
// scales to 20, so a pen of penMin..penMax pixels becomes MNIST's stroke
// of about 2-3.5 px.
const (
	canvas     = 96
	figureSize = 64
	penMin     = 6.5
	penMax     = 11
)

// maxRedraws is how often a generator redraws a non-digit that came out
// empty or too much like a digit before it gives up.
const maxRedraws = 50

// NonDigits makes n non-digits, the kinds taken in turn (piece, pair,
// stroke, ..., piece, ...) so that each has an equal share. Pieces and
// pairs are made of digits of src: give it the digits of the set the
// non-digits go with (training digits for training, MNIST test digits for
// a test set; see Split). Non-digit i depends only on src, seed and i.
func NonDigits(src []Digit, n int, seed uint64) ([]NonDigit, error) {
	if n < 0 {
		return nil, fmt.Errorf("making %d non-digits: the count is negative", n)
	}
	if err := checkDigits(src); err != nil {
		return nil, fmt.Errorf("making %d non-digits: %w", n, err)
	}
	g := &nonDigitMaker{src: src}
	out := make([]NonDigit, n)
	for i := range out {
		kind := Kinds[i%len(Kinds)]
		nd, err := g.make(kind, sampleDraws(seed, streamNonDigits, i))
		if err != nil {
			return nil, fmt.Errorf("non-digit %d of %d (%s, seed %d): %w", i, n, kind, seed, err)
		}
		out[i] = nd
	}
	return out, nil
}

// nonDigitMaker holds what the non-digits of one NonDigits call share.
type nonDigitMaker struct {
	src     []Digit
	letters letterPrinter
}

// make draws one non-digit of the kind, redrawing those that come out
// empty or, for drawn kinds, shaped like a 1.
func (g *nonDigitMaker) make(kind Kind, r draws) (NonDigit, error) {
	for try := 0; ; try++ {
		p, what, err := g.draw(kind, r)
		if err != nil {
			return NonDigit{}, err
		}
		pixels, ok := normalize(p)
		if ok && !oneLike(kind, pixels) {
			return NonDigit{Pixels: pixels, Kind: kind, What: what}, nil
		}
		if try == maxRedraws {
			return NonDigit{}, fmt.Errorf("no acceptable %s in %d draws", kind, maxRedraws+1)
		}
	}
}

// draw draws one non-digit of the kind, not yet normalized.
func (g *nonDigitMaker) draw(kind Kind, r draws) (*plane, string, error) {
	switch kind {
	case Piece:
		return g.piece(r)
	case Pair:
		return g.pair(r)
	case Stroke:
		return stroke(r)
	case Shape:
		return shape(r)
	case Letter:
		return g.letters.letter(r)
	case Noise:
		return noise(r)
	case Scribble:
		return scribble(r)
	}
	return nil, "", fmt.Errorf("unknown kind %d", int(kind))
}

// oneLike reports whether a normalized non-digit of the kind is a tall
// thin mark, the shape of a 1: its ink box at most 0.45 as wide as tall
// (0.3 for pieces of digits, which are often narrow but curved; pairs are
// always wide).
func oneLike(kind Kind, pixels []uint8) bool {
	most := 45
	switch kind {
	case Piece:
		most = 30
	case Pair:
		return false
	}
	box := inkBox(pixels, 64)
	return box.Dx()*100 <= box.Dy()*most
}

// pen draws a pen width.
func pen(r draws) float64 { return r.uniform(penMin, penMax) }

// centre is the middle of the canvas.
var centre = pt{canvas / 2, canvas / 2}

// stroke draws a single pen stroke: a dash within 25 degrees of level,
// a wave across, or an arc of 100-220 degrees.
func stroke(r draws) (*plane, string, error) {
	p := newPlane(canvas, canvas)
	half := figureSize / 2.0
	switch r.intN(3) {
	case 0:
		a := r.uniform(-25, 25) * math.Pi / 180
		bend := r.uniform(-0.15, 0.15) * figureSize
		ends := []pt{
			{centre.x - half*math.Cos(a), centre.y - half*math.Sin(a)},
			{centre.x + bend*math.Sin(a), centre.y - bend*math.Cos(a)},
			{centre.x + half*math.Cos(a), centre.y + half*math.Sin(a)},
		}
		p.stroke(spline(ends, 16), pen(r))
		return p, "stroke: dash", nil
	case 1:
		periods := r.uniform(1, 2.5)
		amp := r.uniform(0.08, 0.2) * figureSize
		phase := r.uniform(0, 2*math.Pi)
		var pts []pt
		for k := range 65 {
			t := float64(k) / 64
			pts = append(pts, pt{centre.x - half + t*figureSize, centre.y + amp*math.Sin(phase+2*math.Pi*periods*t)})
		}
		p.stroke(pts, pen(r))
		return p, "stroke: wave", nil
	default:
		sweep := r.uniform(100, 220) * math.Pi / 180
		rx := half * r.uniform(0.8, 1)
		ry := rx * r.uniform(0.6, 1)
		p.stroke(ellipse(centre, rx, ry, r.uniform(0, 2*math.Pi), r.uniform(0, 2*math.Pi), sweep, 48), pen(r))
		return p, "stroke: arc", nil
	}
}

// shape draws a geometric shape.
func shape(r draws) (*plane, string, error) {
	p := newPlane(canvas, canvas)
	half := figureSize / 2.0
	turn := r.uniform(-0.3, 0.3)
	switch r.intN(5) {
	case 0:
		s := half * r.uniform(0.85, 1)
		p.fill(ellipse(centre, s*math.Sqrt2, s*math.Sqrt2*r.uniform(0.75, 1), turn, math.Pi/4, 2*math.Pi, 5)[:4])
		return p, "shape: square", nil
	case 1:
		p.fill(ellipse(centre, half, half*r.uniform(0.75, 1), turn, 0, 2*math.Pi, 64))
		return p, "shape: disc", nil
	case 2:
		var tri []pt
		for k := range 3 {
			a := turn - math.Pi/2 + 2*math.Pi*float64(k)/3 + r.uniform(-0.25, 0.25)
			tri = append(tri, pt{centre.x + half*math.Cos(a), centre.y + half*math.Sin(a)})
		}
		p.fill(tri)
		return p, "shape: triangle", nil
	case 3:
		w := pen(r) * r.uniform(1, 1.4)
		a := turn
		name := "shape: cross +"
		if r.chance(0.5) {
			a += math.Pi / 4
			name = "shape: cross x"
		}
		for k := range 2 {
			b := a + float64(k)*math.Pi/2
			dx, dy := half*math.Cos(b), half*math.Sin(b)
			p.stroke([]pt{{centre.x - dx, centre.y - dy}, {centre.x + dx, centre.y + dy}}, w)
		}
		return p, name, nil
	default:
		w := pen(r)
		p.stroke(ellipse(centre, half, half, 0, 0, 2*math.Pi, 64), w)
		if r.chance(0.5) {
			p.fill(ellipse(centre, half*0.3, half*0.3, 0, 0, 2*math.Pi, 32))
			return p, "shape: ring with a dot", nil
		}
		p.stroke(ellipse(centre, half*0.5, half*0.5, 0, 0, 2*math.Pi, 48), w)
		return p, "shape: double ring", nil
	}
}

// noise draws dirt: a few blobs, many specks, or hatching.
func noise(r draws) (*plane, string, error) {
	p := newPlane(canvas, canvas)
	half := figureSize / 2.0
	spot := func() pt {
		return pt{centre.x + r.uniform(-half, half), centre.y + r.uniform(-half, half)}
	}
	switch r.intN(3) {
	case 0:
		n := r.between(3, 7)
		for range n {
			rx := r.uniform(3, 12)
			p.fill(ellipse(spot(), rx, rx*r.uniform(0.4, 1), r.uniform(0, math.Pi), 0, 2*math.Pi, 24))
		}
		return p, fmt.Sprintf("noise: %d blobs", n), nil
	case 1:
		n := r.between(15, 40)
		for range n {
			p.stroke([]pt{spot()}, r.uniform(2.5, 6))
		}
		return p, fmt.Sprintf("noise: %d specks", n), nil
	default:
		n := r.between(5, 9)
		a := r.uniform(0, math.Pi)
		dx, dy := math.Cos(a), math.Sin(a)
		w := r.uniform(3, 5)
		for k := range n {
			off := (float64(k)/float64(n-1) - 0.5) * figureSize
			l := half * r.uniform(0.6, 1)
			c := pt{centre.x - dy*off, centre.y + dx*off}
			p.stroke([]pt{{c.x - dx*l, c.y - dy*l}, {c.x + dx*l, c.y + dy*l}}, w)
		}
		return p, fmt.Sprintf("noise: hatching of %d lines", n), nil
	}
}

// scribble draws a random scrawl: a tangle through 10..14 random points, or
// a coil of 3..5 loops.
func scribble(r draws) (*plane, string, error) {
	p := newPlane(canvas, canvas)
	half := figureSize / 2.0
	if r.chance(0.5) {
		n := r.between(10, 14)
		pts := make([]pt, n)
		for k := range pts {
			pts[k] = pt{centre.x + r.uniform(-half, half), centre.y + r.uniform(-half, half)}
		}
		p.stroke(spline(pts, 12), pen(r)*0.8)
		return p, "scribble: tangle", nil
	}
	loops := r.between(3, 5)
	rad := figureSize / float64(loops+1) * r.uniform(0.55, 0.75)
	tall := r.uniform(1, 1.6)
	var pts []pt
	steps := 24 * loops
	for k := range steps + 1 {
		t := float64(k) / float64(steps)
		a := 2 * math.Pi * float64(loops) * t
		pts = append(pts, pt{
			centre.x - half + rad + t*(figureSize-2*rad) + rad*math.Sin(a),
			centre.y - rad*tall*math.Cos(a),
		})
	}
	p.stroke(pts, pen(r)*0.8)
	return p, fmt.Sprintf("scribble: coil of %d loops", loops), nil
}
