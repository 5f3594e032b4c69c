package synth

import (
	"image"
	"math/rand/v2"
	"strings"
	"testing"
)

// ink8Components labels the 8-connected components of the pixels of img
// at level or above; 0 is no component.
func ink8Components(img *image.Gray, level uint8) []int {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	label := make([]int, w*h)
	next := 0
	var stack []int
	for start := range label {
		if label[start] != 0 || img.Pix[start] < level {
			continue
		}
		next++
		label[start] = next
		stack = append(stack[:0], start)
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := i%w, i/w
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := x+dx, y+dy
					if nx < 0 || nx >= w || ny < 0 || ny >= h {
						continue
					}
					j := ny*w + nx
					if label[j] == 0 && img.Pix[j] >= level {
						label[j] = next
						stack = append(stack, j)
					}
				}
			}
		}
	}
	return label
}

// solidComponents returns the components that g's own solid ink lies in.
func solidComponents(g *glyph, label []int, w int) map[int]bool {
	out := map[int]bool{}
	for y := range g.h {
		for x := range g.w {
			if g.at(x, y) >= solidLevel {
				out[label[(g.y+y)*w+g.x+x]] = true
			}
		}
	}
	return out
}

// TestComposeSpacing checks that each spacing does what it says on real
// MNIST digits: gaps of empty columns between the boxes of Apart (3..8)
// and Close (1..2) digits, and, for Touching, neighbours whose solid ink
// lies in one connected component of the line.
func TestComposeSpacing(t *testing.T) {
	src := testDigits(t)
	const lines = 150
	for _, spacing := range Spacings {
		t.Run(spacing.String(), func(t *testing.T) {
			r := draws{rand.NewPCG(11, uint64(spacing))}
			pairs, links := 0, 0
			for n := range lines {
				digits := make([]Digit, 2+n%7)
				for k := range digits {
					digits[k] = src[r.intN(len(src))]
				}
				glyphs, ls, err := layout(digits, spacing, r)
				if err != nil {
					t.Fatal(err)
				}
				links += len(ls)
				line := paint(glyphs, ls, r)
				w := line.Ink.Rect.Dx()
				var label []int
				if spacing == Touching {
					label = ink8Components(line.Ink, solidLevel)
				}
				for i := 1; i < len(glyphs); i++ {
					a, b := line.Boxes[i-1], line.Boxes[i]
					pairs++
					gap := b.Min.X - a.Max.X
					switch spacing {
					case Apart, Close:
						lo, hi := 3, 8
						if spacing == Close {
							lo, hi = 1, 2
						}
						if gap < lo || gap > hi {
							t.Fatalf("line %d, digits %d and %d: gap %d, want %d..%d", n, i-1, i, gap, lo, hi)
						}
						for x := a.Max.X; x < b.Min.X; x++ {
							for y := range line.Ink.Rect.Dy() {
								if line.Ink.Pix[y*line.Ink.Stride+x] != 0 {
									t.Fatalf("line %d: ink at (%d, %d), in the gap between digits %d and %d", n, x, y, i-1, i)
								}
							}
						}
					case Touching:
						if gap >= 0 {
							t.Fatalf("line %d, digits %d and %d: gap %d, want the boxes to overlap", n, i-1, i, gap)
						}
						ca, cb := solidComponents(glyphs[i-1], label, w), solidComponents(glyphs[i], label, w)
						merged := false
						for c := range ca {
							merged = merged || cb[c]
						}
						if !merged {
							t.Fatalf("line %d: the ink of digits %d and %d does not touch", n, i-1, i)
						}
					}
				}
			}
			t.Logf("%d neighbours, %d joined by a stroke", pairs, links)
		})
	}
}

// TestComposeBoxes checks the boxes: one per digit, inside the picture
// with 4..12 px of margin around the line, in reading order, each holding
// ink on all four edges.
func TestComposeBoxes(t *testing.T) {
	src := testDigits(t)
	for n := range 60 {
		digits := src[n*8 : n*8+1+n%8]
		spacing := Spacings[n%3]
		line, err := Compose(digits, spacing, rand.NewPCG(3, uint64(n)))
		if err != nil {
			t.Fatal(err)
		}
		if len(line.Boxes) != len(digits) {
			t.Fatalf("line %d: %d boxes for %d digits", n, len(line.Boxes), len(digits))
		}
		bounds := line.Ink.Bounds()
		all := line.Boxes[0]
		for i, b := range line.Boxes {
			all = all.Union(b)
			if !b.In(bounds) || b.Empty() {
				t.Fatalf("line %d: box %d %v outside the picture %v", n, i, b, bounds)
			}
			if i > 0 && (b.Min.X <= line.Boxes[i-1].Min.X || b.Max.X <= line.Boxes[i-1].Max.X) {
				t.Fatalf("line %d (%s): box %d %v not right of box %d %v", n, spacing, i, b, i-1, line.Boxes[i-1])
			}
			var top, bottom, left, right bool
			for x := b.Min.X; x < b.Max.X; x++ {
				top = top || line.Ink.GrayAt(x, b.Min.Y).Y > 0
				bottom = bottom || line.Ink.GrayAt(x, b.Max.Y-1).Y > 0
			}
			for y := b.Min.Y; y < b.Max.Y; y++ {
				left = left || line.Ink.GrayAt(b.Min.X, y).Y > 0
				right = right || line.Ink.GrayAt(b.Max.X-1, y).Y > 0
			}
			if !top || !bottom || !left || !right {
				t.Fatalf("line %d: box %d %v has an edge with no ink", n, i, b)
			}
		}
		margins := []int{all.Min.X, all.Min.Y, bounds.Max.X - all.Max.X, bounds.Max.Y - all.Max.Y}
		for _, m := range margins {
			if m < minMargin || m > maxMargin {
				t.Fatalf("line %d: margins %v, want %d..%d", n, margins, minMargin, maxMargin)
			}
		}
		if line.Baseline < all.Min.Y || line.Baseline > all.Max.Y+maxLift {
			t.Fatalf("line %d: baseline %d outside the digits' rows %d..%d", n, line.Baseline, all.Min.Y, all.Max.Y)
		}
	}
}

func TestComposeErrors(t *testing.T) {
	good := testDigits(t)[:2]
	for _, c := range []struct {
		name    string
		digits  []Digit
		spacing Spacing
		want    string
	}{
		{"no digits", nil, Apart, "no digits"},
		{"unknown spacing", good, Spacing(7), "unknown spacing 7"},
		{"short digit", []Digit{good[0], {Pixels: make([]uint8, 10)}}, Close, "digit 1 has 10 pixels"},
		{"bad label", []Digit{{Pixels: good[0].Pixels, Label: 12}}, Close, "digit 0 has label 12"},
		{"blank digit", []Digit{{Pixels: make([]uint8, 784)}}, Touching, "digit 0 (a 0): no ink"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Compose(c.digits, c.spacing, rand.NewPCG(1, 1))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestSpacingNames(t *testing.T) {
	for _, c := range []struct {
		s    Spacing
		want string
	}{{Apart, "apart"}, {Close, "close"}, {Touching, "touching"}, {Spacing(9), "Spacing(9)"}} {
		if got := c.s.String(); got != c.want {
			t.Errorf("Spacing(%d).String() = %q, want %q", int(c.s), got, c.want)
		}
	}
}

func TestSpacingNamed(t *testing.T) {
	for _, s := range Spacings {
		if got, ok := SpacingNamed(s.String()); !ok || got != s {
			t.Errorf("SpacingNamed(%q) = %v, %v", s, got, ok)
		}
	}
	for _, name := range []string{"", "Apart", "wide", "Spacing(3)"} {
		if _, ok := SpacingNamed(name); ok {
			t.Errorf("SpacingNamed(%q) found a spacing", name)
		}
	}
}
