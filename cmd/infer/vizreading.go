package main

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/lenet5-go/lenet5/internal/atomicfile"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/read"
)

// Colours of the segmentation picture.
var (
	readColour     = color.RGBA{0, 150, 60, 255}   // a digit of the reading
	rejectedColour = color.RGBA{210, 40, 40, 255}  // the reading's digits when it is rejected
	rubbishColour  = color.RGBA{240, 150, 0, 255}  // a candidate piece scored as no digit
	cutColour      = color.RGBA{60, 110, 230, 255} // a cut through ink
)

// minVizHeight is the least height of the drawn image, so that labels fit
// beside small pictures.
const minVizHeight = 160

// visualizeReading draws how one image was read to out: the picture, the
// cuts made through ink (blue), the candidate pieces scored as no digit
// (orange), and the digits read with their boxes and confidences (green,
// or red when the reading is rejected).
func visualizeReading(out, file string, m *modelfile.Model, o options, stdin io.Reader, stdout io.Writer) error {
	newReader, err := readerMaker(o, m)
	if err != nil {
		return err
	}
	r, err := newReader()
	if err != nil {
		return err
	}
	defer r.Close()
	res := readFile(r, file, stdin)
	if res.err != nil {
		return res.err
	}
	pic := segmentationPicture(res.img, res.reading)
	if err := atomicfile.Write(out, func(w io.Writer) error { return png.Encode(w, pic) }); err != nil {
		return err
	}
	text := res.Text
	if res.Rejected {
		text = "?"
	}
	fmt.Fprintf(stdout, "%s\t%s\t%.4f\t%s\n", file, text, res.Confidence, out)
	return nil
}

// segmentationPicture draws the reading over the image, scaled by a whole
// factor so that it is at least minVizHeight high, with a band above for
// the labels.
func segmentationPicture(img image.Image, rd *read.Reading) *image.RGBA {
	b := img.Bounds()
	scale := max(1, (minVizHeight+b.Dy()-1)/max(1, b.Dy()))
	if b.Dx()*scale > 4000 || b.Dy()*scale > 4000 {
		scale = 1
	}
	const band = 32 // pixels above the image for the labels, in two rows
	pic := image.NewRGBA(image.Rect(0, 0, b.Dx()*scale, b.Dy()*scale+band))
	draw.Draw(pic, pic.Bounds(), image.White, image.Point{}, draw.Src)
	xdraw.NearestNeighbor.Scale(pic, image.Rect(0, band, b.Dx()*scale, b.Dy()*scale+band), img, b, draw.Src, nil)
	place := func(r image.Rectangle) image.Rectangle {
		r = r.Sub(b.Min)
		return image.Rectangle{Min: r.Min.Mul(scale), Max: r.Max.Mul(scale)}.Add(image.Pt(0, band))
	}
	g := rd.Graph
	for _, sg := range g.Segments {
		if sg.Cut {
			r := place(sg.Box)
			for y := r.Min.Y; y < r.Max.Y; y += 2 {
				pic.Set(r.Min.X, y, cutColour)
			}
		}
	}
	chosen := map[int]bool{}
	for _, k := range g.Path {
		chosen[k] = true
	}
	for k, p := range g.Pieces {
		if !chosen[k] && p.Scores.None > 0.5 {
			outline(pic, place(p.Box).Inset(-1), rubbishColour, 1)
		}
	}
	col := readColour
	if rd.Rejected {
		col = rejectedColour
	}
	for k, d := range rd.Digits {
		r := place(d.Box).Inset(-2)
		outline(pic, r, col, 2)
		// Alternate rows, so that the labels of narrow neighbours do not overlap.
		label(pic, r.Min.X, band-5-14*(k%2), fmt.Sprintf("%d %.2f", d.Digit, d.Confidence), col)
	}
	return pic
}

// outline draws the rectangle's border, width pixels wide, inside pic.
func outline(pic *image.RGBA, r image.Rectangle, c color.RGBA, width int) {
	r = r.Intersect(pic.Bounds())
	if r.Empty() {
		return
	}
	u := image.NewUniform(c)
	for k := range width {
		draw.Draw(pic, image.Rect(r.Min.X, r.Min.Y+k, r.Max.X, r.Min.Y+k+1), u, image.Point{}, draw.Src)
		draw.Draw(pic, image.Rect(r.Min.X, r.Max.Y-1-k, r.Max.X, r.Max.Y-k), u, image.Point{}, draw.Src)
		draw.Draw(pic, image.Rect(r.Min.X+k, r.Min.Y, r.Min.X+k+1, r.Max.Y), u, image.Point{}, draw.Src)
		draw.Draw(pic, image.Rect(r.Max.X-1-k, r.Min.Y, r.Max.X-k, r.Max.Y), u, image.Point{}, draw.Src)
	}
}

// label writes s with its baseline at (x, y).
func label(pic *image.RGBA, x, y int, s string, c color.RGBA) {
	d := font.Drawer{Dst: pic, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}
