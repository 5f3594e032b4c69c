package synth

import (
	"fmt"
	"image"

	"github.com/lenet5-go/lenet5/data"
)

// Pieces of digits.
const (
	// minPieceShare and maxPieceShare bound a piece's width as a share of
	// the digit's ink width.
	minPieceShare, maxPieceShare = 0.3, 0.6
	// minPieceMass and maxPieceMass bound the share of the digit's ink a
	// piece keeps: a slice that only grazes a stroke's end is a speck, not
	// a piece, and one that keeps most of the ink (the right half of a 3)
	// is still the digit.
	minPieceMass, maxPieceMass = 0.15, 0.6
	// debrisShare is the share of a piece's ink under which a separate bit
	// of it (the faint edge of a stroke the cut grazed) is wiped: left, it
	// would stretch the box normalization scales to 20 px.
	debrisShare = 0.05
)

// piece cuts a vertical slice out of a digit of src. Digits 1 are not
// cut: every slice of a 1 is a 1.
func (g *nonDigitMaker) piece(r draws) (*plane, string, error) {
	d, err := g.digit(r, func(d Digit) bool { return d.Label != 1 })
	if err != nil {
		return nil, "", err
	}
	box := inkBox(d.Pixels, haloLevel)
	total := mass(d.Pixels, box)
	for try := 0; ; try++ {
		w := max(2, int(float64(box.Dx())*r.uniform(minPieceShare, maxPieceShare)+0.5))
		x0 := box.Min.X + r.intN(max(1, box.Dx()-w+1))
		slice := image.Rect(x0, box.Min.Y, x0+w, box.Max.Y)
		share := float64(mass(d.Pixels, slice)) / float64(total)
		if share >= minPieceMass && share <= maxPieceMass || try == maxRedraws {
			p := newPlane(data.Side, data.Side)
			for y := slice.Min.Y; y < slice.Max.Y; y++ {
				for x := slice.Min.X; x < slice.Max.X; x++ {
					p.v[y*data.Side+x] = float32(d.Pixels[y*data.Side+x]) / 255
				}
			}
			p.dropDebris(debrisShare)
			return p, fmt.Sprintf("piece of a %d", d.Label), nil
		}
	}
}

// pair writes two digits of src side by side, from 2 px apart to touching,
// for normalization to squeeze into one digit's box.
func (g *nonDigitMaker) pair(r draws) (*plane, string, error) {
	var glyphs [2]*glyph
	var labels [2]uint8
	for k := range glyphs {
		d, err := g.digit(r, nil)
		if err != nil {
			return nil, "", err
		}
		if glyphs[k], err = scaleDigit(d.Pixels, r.uniform(0.9, 1.1)); err != nil {
			return nil, "", fmt.Errorf("a %d: %w", d.Label, err)
		}
		glyphs[k].y = lift(r) - glyphs[k].h
		labels[k] = d.Label
	}
	var links []*glyph
	if gap := r.between(-1, 2); gap < 0 {
		if l := touch(glyphs[0], glyphs[1], 0, r.between(1, 3), r); l != nil {
			links = append(links, l)
		}
	} else {
		glyphs[1].x = glyphs[0].w + gap
	}
	line := paint(glyphs[:], links, r)
	p := newPlane(line.Ink.Rect.Dx(), line.Ink.Rect.Dy())
	for i, v := range line.Ink.Pix {
		p.v[i] = float32(v) / 255
	}
	return p, fmt.Sprintf("pair %d%d", labels[0], labels[1]), nil
}

// digit draws a digit of src that keep accepts (nil accepts all); after
// maxRedraws refusals it takes any.
func (g *nonDigitMaker) digit(r draws, keep func(Digit) bool) (Digit, error) {
	if len(g.src) == 0 {
		return Digit{}, fmt.Errorf("no digits to make it of")
	}
	for try := 0; ; try++ {
		d := g.src[r.intN(len(g.src))]
		if keep == nil || keep(d) || try == maxRedraws {
			return d, nil
		}
	}
}

// inkBox returns the bounding box of the pixels of a 28x28 image at level
// or above.
func inkBox(pixels []uint8, level uint8) image.Rectangle {
	box := image.Rectangle{Min: image.Pt(data.Side, data.Side)}
	for y := range data.Side {
		for x := range data.Side {
			if pixels[y*data.Side+x] >= level {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return box
}

// mass returns the sum of a 28x28 image's pixels inside r.
func mass(pixels []uint8, r image.Rectangle) int {
	sum := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			sum += int(pixels[y*data.Side+x])
		}
	}
	return sum
}

// dropDebris wipes the 8-connected bits of ink of p that hold less than
// share of its ink.
func (p *plane) dropDebris(share float32) {
	label := make([]int, len(p.v))
	var masses []float32
	var stack []int
	for start, v := range p.v {
		if v == 0 || label[start] != 0 {
			continue
		}
		masses = append(masses, 0)
		id := len(masses)
		label[start] = id
		stack = append(stack[:0], start)
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			masses[id-1] += p.v[i]
			x, y := i%p.w, i/p.w
			for ny := max(y-1, 0); ny <= min(y+1, p.h-1); ny++ {
				for nx := max(x-1, 0); nx <= min(x+1, p.w-1); nx++ {
					if j := ny*p.w + nx; p.v[j] > 0 && label[j] == 0 {
						label[j] = id
						stack = append(stack, j)
					}
				}
			}
		}
	}
	var total float32
	for _, m := range masses {
		total += m
	}
	for i, id := range label {
		if id > 0 && masses[id-1] < share*total {
			p.v[i] = 0
		}
	}
}
