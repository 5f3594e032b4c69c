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

// A ruled line across the page is erased; a digit's own strokes stay.
func TestEraseRules(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 200, 40))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	for x := range 200 {
		g.Pix[30*g.Stride+x] = 0 // the rule
	}
	for y := 8; y < 32; y++ {
		for x := 50; x < 53; x++ {
			g.Pix[y*g.Stride+x] = 0 // a stroke crossing it
		}
	}
	m, err := newInkMap(g)
	if err != nil {
		t.Fatal(err)
	}
	for x := range 200 {
		if on := m.on[30*m.w+x]; on != (x >= 50 && x < 53) {
			t.Fatalf("column %d of the rule: ink %v", x, on)
		}
	}
}
