package synth

import (
	"image"
	"math"

	"github.com/lenet5-go/lenet5/data"
	"golang.org/x/image/draw"
)

// MNIST's normalization, as package data applies it to users' images
// (docs/spec.md §6): crop to the ink, scale the longer side to 20 px keeping
// the aspect ratio (Catmull-Rom), and move the centre of mass by whole
// pixels to pixel (14, 14) of the 28x28 field.
const (
	digitBox    = 20
	digitCentre = data.Side / 2
	// cropLevel is the ink level from which a pixel counts when cropping,
	// data's inkThreshold.
	cropLevel = 0.2
)

// normalize makes p look like an MNIST digit. ok is false if p has no
// pixel at cropLevel or above.
func normalize(p *plane) (pixels []uint8, ok bool) {
	box := image.Rectangle{Min: image.Pt(p.w, p.h)}
	for y := range p.h {
		for x := range p.w {
			if p.v[y*p.w+x] >= cropLevel {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	if box.Empty() {
		return nil, false
	}
	src := image.NewGray16(image.Rect(0, 0, box.Dx(), box.Dy()))
	for y := range box.Dy() {
		for x := range box.Dx() {
			v := p.v[(box.Min.Y+y)*p.w+box.Min.X+x]
			level := uint16(math.Round(float64(min(1, max(0, v))) * 0xffff))
			src.Pix[y*src.Stride+2*x], src.Pix[y*src.Stride+2*x+1] = uint8(level>>8), uint8(level)
		}
	}
	long := float64(max(box.Dx(), box.Dy()))
	w := max(1, int(math.Round(float64(box.Dx())*digitBox/long)))
	h := max(1, int(math.Round(float64(box.Dy())*digitBox/long)))
	dst := image.NewGray16(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return centreByMass(dst)
}

// centreByMass places d in the 28x28 field with its centre of mass on
// pixel (14, 14), shifted by whole pixels.
func centreByMass(d *image.Gray16) ([]uint8, bool) {
	var mass, mx, my float64
	b := d.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			v := float64(d.Gray16At(x, y).Y)
			mass += v
			mx += v * float64(x)
			my += v * float64(y)
		}
	}
	if mass == 0 {
		return nil, false
	}
	dx := int(math.Round(digitCentre - mx/mass))
	dy := int(math.Round(digitCentre - my/mass))
	out := make([]uint8, data.ImageSize)
	inked := false
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			tx, ty := x+dx, y+dy
			if tx >= 0 && tx < data.Side && ty >= 0 && ty < data.Side {
				v := uint8((uint32(d.Gray16At(x, y).Y)*255 + 0x7fff) / 0xffff)
				out[ty*data.Side+tx] = v
				inked = inked || v > 0
			}
		}
	}
	return out, inked
}
