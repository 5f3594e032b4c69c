package synth

import (
	"fmt"
	"image"
	"math"
	"sync"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gobolditalic"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomedium"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/f64"
	"golang.org/x/image/math/fixed"
)

// Letters are the letters the letter non-digits are drawn from: those no
// one would read as a digit, in any of the Go fonts.
const Letters = "ACEFHKLMNPRUVWX" + "acdefhkmnpruvwx"

// DigitLikeLetters are the letters left out of Letters because, written or
// printed, they pass for a digit:
//
//	B 8 (and 13)   D 0           G 6        I 1     J 1 or 7 (hooked)
//	O 0            Q 0 or 9      S 5        T 7     Y 4 or 7    Z 2
//	b 6            g 9           i 1        j 1 or 7 (hooked)   l 1
//	o 0            q 9           s 5        t 4 or + (a crossed 7)
//	y 4 or 9       z 2
const DigitLikeLetters = "BDGIJOQSTYZ" + "bgijloqstyz"

// fontFaces are the Go fonts letters are printed in, with their names.
var fontFaces = []struct {
	name string
	ttf  []byte
}{
	{"Go Regular", goregular.TTF},
	{"Go Medium", gomedium.TTF},
	{"Go Bold", gobold.TTF},
	{"Go Italic", goitalic.TTF},
	{"Go Bold Italic", gobolditalic.TTF},
	{"Go Mono", gomono.TTF},
	{"Go Mono Bold", gomonobold.TTF},
}

var (
	fontsOnce   sync.Once
	fontsParsed []*opentype.Font
	fontsErr    error
)

// parsedFonts parses the Go fonts once.
func parsedFonts() ([]*opentype.Font, error) {
	fontsOnce.Do(func() {
		for _, f := range fontFaces {
			parsed, err := opentype.Parse(f.ttf)
			if err != nil {
				fontsErr = fmt.Errorf("parsing the font %s: %w", f.name, err)
				return
			}
			fontsParsed = append(fontsParsed, parsed)
		}
	})
	return fontsParsed, fontsErr
}

// Letter printing, on a square canvas of letterCanvas pixels.
const (
	letterCanvas = 160
	letterSize   = 96 // font size in pixels
)

// letterPrinter prints letters; its faces are not safe for concurrent use,
// so each NonDigits call makes its own.
type letterPrinter struct {
	faces []font.Face
}

// face returns the face of font k, made on first use.
func (lp *letterPrinter) face(k int) (font.Face, error) {
	if lp.faces == nil {
		lp.faces = make([]font.Face, len(fontFaces))
	}
	if lp.faces[k] == nil {
		fonts, err := parsedFonts()
		if err != nil {
			return nil, err
		}
		f, err := opentype.NewFace(fonts[k], &opentype.FaceOptions{Size: letterSize, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return nil, fmt.Errorf("font %s at %d px: %w", fontFaces[k].name, letterSize, err)
		}
		lp.faces[k] = f
	}
	return lp.faces[k], nil
}

// letter prints a random letter of Letters in a random Go font, turned by
// up to 12 degrees and slanted by up to 0.25, and describes it.
func (lp *letterPrinter) letter(r draws) (*plane, string, error) {
	ch := rune(Letters[r.intN(len(Letters))])
	k := r.intN(len(fontFaces))
	turn := r.uniform(-12, 12) * math.Pi / 180
	p, err := lp.print(ch, k, turn, r.uniform(-0.25, 0.25))
	if err != nil {
		return nil, "", err
	}
	return p, fmt.Sprintf("letter %c, %s", ch, fontFaces[k].name), nil
}

// print prints ch in font k, centred on the canvas, turned by turn
// (radians) and slanted by slant.
func (lp *letterPrinter) print(ch rune, k int, turn, slant float64) (*plane, error) {
	face, err := lp.face(k)
	if err != nil {
		return nil, err
	}
	printed := image.NewAlpha(image.Rect(0, 0, letterCanvas, letterCanvas))
	bounds, _ := font.BoundString(face, string(ch))
	// Centre the letter's box on the canvas.
	cx := (bounds.Min.X + bounds.Max.X) / 2
	cy := (bounds.Min.Y + bounds.Max.Y) / 2
	d := font.Drawer{Dst: printed, Src: image.Opaque, Face: face,
		Dot: fixed.P(letterCanvas/2, letterCanvas/2).Sub(fixed.Point26_6{X: cx, Y: cy})}
	d.DrawString(string(ch))

	cos, sin := math.Cos(turn), math.Sin(turn)
	// The map from the printed letter to the turned one, about the canvas
	// centre: turn, then slant horizontally.
	c := float64(letterCanvas) / 2
	m := f64.Aff3{cos, -sin + slant, 0, sin, cos, 0}
	m[2] = c - m[0]*c - m[1]*c
	m[5] = c - m[3]*c - m[4]*c
	turned := image.NewAlpha(printed.Bounds())
	draw.BiLinear.Transform(turned, m, printed, printed.Bounds(), draw.Src, nil)

	p := newPlane(letterCanvas, letterCanvas)
	for i, a := range turned.Pix {
		p.v[i] = float32(a) / 255
	}
	return p, nil
}
