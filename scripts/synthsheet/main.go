// Command synthsheet draws a contact sheet of the synthetic data of
// internal/synth, for a person to look at: written numbers made of MNIST
// test digits, each captioned with its text and spacing and with its digit
// boxes outlined beside it, and non-digits captioned with their kind.
//
//	go run ./scripts/synthsheet -out /tmp/synth.png -n 24 -seed 1
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"os"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/internal/atomicfile"
	"github.com/lenet5-go/lenet5/internal/synth"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

func main() {
	out := flag.String("out", "synth.png", "the PNG to write")
	n := flag.Int("n", 24, "how many written numbers, and how many non-digits, to draw")
	seed := flag.Uint64("seed", 1, "seed of the generators")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "synthsheet: unexpected argument %q: the PNG to write goes after -out\n", flag.Arg(0))
		os.Exit(2)
	}
	if *n < 1 {
		fmt.Fprintln(os.Stderr, "synthsheet: -n must be at least 1")
		os.Exit(2)
	}
	if err := run(*out, *n, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "synthsheet:", err)
		os.Exit(1)
	}
}

func run(path string, n int, seed uint64) error {
	test, err := data.LoadTest("")
	if err != nil {
		return err
	}
	digits, err := synth.Digits(test, nil)
	if err != nil {
		return err
	}
	samples, err := synth.Strings(digits, n, seed)
	if err != nil {
		return err
	}
	nonDigits, err := synth.NonDigits(digits, n, seed)
	if err != nil {
		return err
	}
	sheet := draw2(samples, nonDigits)
	return atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, sheet) })
}

// Layout of the sheet, in pixels.
const (
	pad      = 8
	captionH = 14
	scale    = 2 // the written numbers and the non-digits are drawn twice their size
	cols     = 12
)

// draw2 lays out the sheet: the written numbers in two columns (picture,
// then its boxes), then the non-digits in rows of cols.
func draw2(samples []synth.Sample, nonDigits []synth.NonDigit) *image.RGBA {
	var pics []*image.RGBA
	colW, h := 0, pad
	for _, s := range samples {
		boxed := withBoxes(s)
		pics = append(pics, boxed)
		colW = max(colW, boxed.Bounds().Dx()*scale)
		h += boxed.Bounds().Dy()*scale + captionH + pad
	}
	cell := data.Side*scale + pad
	ndRows := (len(nonDigits) + cols - 1) / cols
	w := max(2*colW+3*pad, cols*cell+pad)
	h += captionH + ndRows*(cell+captionH) + pad
	sheet := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(sheet, sheet.Bounds(), image.NewUniform(color.RGBA{200, 200, 200, 255}), image.Point{}, draw.Src)

	y := pad
	for i, s := range samples {
		blit(sheet, pad, y, s.Image, scale)
		blit(sheet, 2*pad+colW, y, pics[i], scale)
		y += s.Image.Bounds().Dy() * scale
		text(sheet, pad, y+captionH-3, fmt.Sprintf("%q %s  jpeg %d  contrast %.2f", s.Text, s.Spacing, s.Look.JPEGQuality, s.Look.Contrast()))
		y += captionH + pad
	}
	text(sheet, pad, y+captionH-3, "non-digits:")
	y += captionH
	for k, nd := range nonDigits {
		x0, y0 := pad+(k%cols)*cell, y+(k/cols)*(cell+captionH)
		blit(sheet, x0, y0, data.DigitImage(nd.Pixels), scale)
		text(sheet, x0, y0+data.Side*scale+captionH-3, nd.Kind.String())
	}
	return sheet
}

// withBoxes returns the sample's picture with each digit's box outlined.
func withBoxes(s synth.Sample) *image.RGBA {
	img := image.NewRGBA(s.Image.Bounds())
	draw.Draw(img, img.Bounds(), s.Image, image.Point{}, draw.Src)
	colours := []color.RGBA{{255, 0, 0, 255}, {0, 160, 0, 255}}
	for i, b := range s.Boxes {
		c := colours[i%2]
		for x := b.Min.X; x < b.Max.X; x++ {
			img.Set(x, b.Min.Y, c)
			img.Set(x, b.Max.Y-1, c)
		}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			img.Set(b.Min.X, y, c)
			img.Set(b.Max.X-1, y, c)
		}
	}
	return img
}

// blit draws src at (x0, y0), each pixel as a scale x scale square.
func blit(dst *image.RGBA, x0, y0 int, src image.Image, scale int) {
	b := src.Bounds()
	for y := 0; y < b.Dy()*scale; y++ {
		for x := 0; x < b.Dx()*scale; x++ {
			dst.Set(x0+x, y0+y, src.At(b.Min.X+x/scale, b.Min.Y+y/scale))
		}
	}
}

// text writes s with its baseline at (x, y).
func text(dst draw.Image, x, y int, s string) {
	d := font.Drawer{Dst: dst, Src: image.Black, Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}
