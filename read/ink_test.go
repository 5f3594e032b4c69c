package read

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"testing"
)

// The same line reads the same under the conditions of a photo or a scan:
// light ink on dark paper, grey paper, a shadow across half the page, a
// ruled line under and through the digits, JPEG noise, a bigger scan.
func TestReadConditions(t *testing.T) {
	set, r := fixture(t)
	type condition struct {
		name string
		make func(g *image.Gray) image.Image
	}
	conditions := []condition{
		{"clean", func(g *image.Gray) image.Image { return g }},
		{"light on dark", func(g *image.Gray) image.Image {
			return mapGrey(g, func(x, y int, v uint8) uint8 { return 255 - v })
		}},
		{"grey paper, grey ink", func(g *image.Gray) image.Image {
			return mapGrey(g, func(x, y int, v uint8) uint8 { return 90 + uint8(int(v)*100/255) })
		}},
		{"shadow", func(g *image.Gray) image.Image {
			w := g.Bounds().Dx()
			return mapGrey(g, func(x, y int, v uint8) uint8 {
				// The paper darkens from 255 to 110 across the line.
				return uint8(int(v) * (255 - 145*x/w) / 255)
			})
		}},
		{"ruled lines", func(g *image.Gray) image.Image {
			// Rules 1 px thick near the digits' top and along their
			// baseline, touching many of them.
			return mapGrey(g, func(x, y int, v uint8) uint8 {
				if y == lineMargin+3 || y == lineMargin+24 {
					return min(v, 60)
				}
				return v
			})
		}},
		{"jpeg", func(g *image.Gray) image.Image {
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, g, &jpeg.Options{Quality: 40}); err != nil {
				t.Fatal(err)
			}
			img, err := jpeg.Decode(&buf)
			if err != nil {
				t.Fatal(err)
			}
			return img
		}},
		{"scanned 3x, RGBA", func(g *image.Gray) image.Image {
			b := g.Bounds()
			out := image.NewRGBA(image.Rect(0, 0, 3*b.Dx(), 3*b.Dy()))
			for y := range 3 * b.Dy() {
				for x := range 3 * b.Dx() {
					v := g.GrayAt(x/3, y/3).Y
					out.Set(x, y, color.RGBA{v, v, uint8(min(255, int(v)+20)), 255})
				}
			}
			return out
		}},
	}
	rng := rand.New(rand.NewPCG(7, 7))
	const lines = 20
	type line struct {
		img  *image.Gray
		want string
	}
	var ls []line
	for range lines {
		img, want := composeLine(set, randomLine(set, 3+rng.IntN(4), rng), apart, rng)
		ls = append(ls, line{img, want})
	}
	for _, c := range conditions {
		t.Run(c.name, func(t *testing.T) {
			right := 0
			for _, l := range ls {
				img := c.make(l.img)
				got, err := r.Read(img)
				if err != nil {
					t.Fatalf("%q: %v", l.want, err)
				}
				checkReading(t, r, img, got)
				if got.Text == l.want {
					right++
				}
			}
			t.Logf("%s: %d of %d lines", c.name, right, lines)
			if right < lines*75/100 {
				t.Errorf("%s: %d of %d lines read right, want 75%%", c.name, right, lines)
			}
		})
	}
}

// mapGrey returns a copy of g with f applied to every pixel.
func mapGrey(g *image.Gray, f func(x, y int, v uint8) uint8) *image.Gray {
	out := image.NewGray(g.Bounds())
	for y := range g.Bounds().Dy() {
		for x := range g.Bounds().Dx() {
			out.Pix[y*out.Stride+x] = f(x, y, g.Pix[y*g.Stride+x])
		}
	}
	return out
}

// A ruled line across the page is erased, on a page of a line of digits
// and on a crop as narrow as one digit; a digit's own strokes stay, and so
// does a thin stroke across most of an MNIST-like crop (a 7's bar).
func TestEraseRules(t *testing.T) {
	tests := []struct {
		name       string
		w, h       int
		rule       [2]int // the rule's columns, [from, to)
		stroke     [2]int // the columns of a stroke crossing it
		wantErased bool
	}{
		{"a line's page", 200, 40, [2]int{0, 200}, [2]int{50, 53}, true},
		{"one digit's crop", 32, 40, [2]int{0, 32}, [2]int{14, 17}, true},
		{"a 7's bar in a 28x28 crop", 28, 28, [2]int{4, 24}, [2]int{20, 23}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := image.NewGray(image.Rect(0, 0, tt.w, tt.h))
			for i := range g.Pix {
				g.Pix[i] = 255
			}
			row := tt.h - 10
			for x := tt.rule[0]; x < tt.rule[1]; x++ {
				g.Pix[row*g.Stride+x] = 0
			}
			for y := 4; y < tt.h-6; y++ {
				for x := tt.stroke[0]; x < tt.stroke[1]; x++ {
					g.Pix[y*g.Stride+x] = 0
				}
			}
			m, err := newInkMap(g)
			if err != nil {
				t.Fatal(err)
			}
			for x := tt.rule[0]; x < tt.rule[1]; x++ {
				inStroke := x >= tt.stroke[0] && x < tt.stroke[1]
				if on := m.on[row*m.w+x]; on != (inStroke || !tt.wantErased) {
					t.Fatalf("column %d of the rule: ink %v, want %v", x, on, inStroke || !tt.wantErased)
				}
			}
		})
	}
}

// The paper's grain is not ink: on a noisy photo the paper round the digits
// comes out blank, as on a clean scan, while the anti-aliased edge of a
// stroke on a clean scan keeps its level.
func TestPaperNoise(t *testing.T) {
	const w, h = 120, 40
	page := func(sigma float64, seed uint64) *image.Gray {
		rng := rand.New(rand.NewPCG(seed, 1))
		g := image.NewGray(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				v := 230.0
				switch {
				case x >= 40 && x < 43 && y >= 8 && y < 32:
					v = 20 // a stroke
				case x == 43 && y >= 8 && y < 32:
					v = 125 // its anti-aliased edge, half ink
				}
				g.Pix[y*g.Stride+x] = uint8(min(255, max(0, v+sigma*255*rng.NormFloat64())))
			}
		}
		return g
	}
	far := func(x, y int) bool { return x < 36 || x > 48 || y < 4 || y > 36 }
	for _, tt := range []struct {
		name    string
		sigma   float64
		maxFar  float64 // most paper pixels far from the stroke with any ink
		edgeMin float64 // least level of the edge column (clean page only)
	}{
		{"clean", 0, 0, 0.45},
		{"noise 2%", 0.02, 0.02, 0},
		{"noise 4%", 0.04, 0.02, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := newInkMap(page(tt.sigma, 3))
			if err != nil {
				t.Fatal(err)
			}
			inked, paper := 0, 0
			for y := range h {
				for x := range w {
					if far(x, y) {
						paper++
						if m.v[y*w+x] > 0 {
							inked++
						}
					}
				}
			}
			if share := float64(inked) / float64(paper); share > tt.maxFar {
				t.Errorf("%.1f%% of the paper's pixels have ink, want at most %.1f%%", 100*share, 100*tt.maxFar)
			}
			if tt.edgeMin > 0 {
				if v := m.v[20*w+43]; float64(v) < tt.edgeMin {
					t.Errorf("the stroke's edge has level %.2f, want at least %.2f", v, tt.edgeMin)
				}
			}
		})
	}
}
