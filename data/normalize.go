package data

import (
	"fmt"
	"image"
	"math"
	"slices"
)

// Constants of the MNIST look-alike (docs/spec.md §6).
const (
	// digitBox is the longer side, in pixels, of the digit in the 28x28
	// field: MNIST size-normalized its digits into a 20x20 box.
	digitBox = 20
	// digitCentre is the pixel index the digit's centre of mass is moved to.
	// Measured on the 10,000 MNIST test images, the centre of mass is at
	// index (14.01, 13.99) on average, so MNIST put it at pixel 14, not at
	// the geometric centre 13.5.
	digitCentre = Side / 2
	// minInkContrast is the least difference, as a fraction of black to
	// white, between the background (the border's median) and the most
	// inked pixel. Below it the image is taken to hold no digit: 0.15 (38
	// grey levels of 255) is well above the noise of a blank scan or JPEG
	// and well below the contrast of a pencil stroke on paper.
	minInkContrast = 0.15
	// inkThreshold is the ink level, after the contrast stretch (0 is the
	// background, 1 the most inked pixel), from which a pixel counts as ink
	// when cropping. On a sharp scan any level finds the same box; on a
	// blurred one, 0.2 measured best: MNIST digits upscaled 7x (bilinear)
	// came back closest to the originals with it (mean RMS input distance
	// 0.085 over 100 digits, against 0.095 at 0.1 and 0.088 at 0.5).
	inkThreshold = 0.2
)

// NormalizeDigit makes a decoded picture of one handwritten digit, of any
// size, colour or grey, dark ink on light paper or the reverse, look like an
// MNIST digit as docs/spec.md §6 says. It returns ImageSize bytes, row-major,
// 0 = background, 255 = ink.
//
// The steps: luminance (Rec. 601 weights, as image/color's GrayModel) with
// transparent pixels composited over a matte that reads as background (see
// matteLevel); polarity from the border, whose median is the background
// level: the ink is on whichever side of it the image reaches farther, so
// light paper is inverted as the spec says, and grey paper works either way;
// the background level subtracted and the contrast stretched so the most
// inked pixel is 255; a crop to the bounding box of the ink; a Catmull-Rom
// resampling (which filters properly when it shrinks) so the longer side is
// 20 pixels, keeping the aspect ratio; and an integer shift putting the
// centre of mass at pixel (14, 14) of the 28x28 field.
//
// An image whose contrast is below 15% of black to white holds no digit:
// the error, which starts with name, wraps ErrNoDigit. So does an empty
// image. NormalizeDigit allocates a few float32 planes of img's size: the
// caller bounds that size (imagefile refuses images over its pixel limit
// before decoding them).
func NormalizeDigit(img image.Image, name string) ([]uint8, error) {
	if img.Bounds().Empty() {
		return nil, fmt.Errorf("%s: %w", name, ErrNoDigit)
	}
	p := greyPlane(img)
	if !p.toInk() {
		return nil, fmt.Errorf("%s: %w", name, ErrNoDigit)
	}
	digit := centreByMass(p.fitDigitBox(p.inkBounds()))
	if digit == nil {
		return nil, fmt.Errorf("%s: %w", name, ErrNoDigit)
	}
	return digit, nil
}

// plane is a w x h grey image in float32, row-major: the working copy of the
// user's image, first as luminance (0 black, 1 white), then as ink.
type plane struct {
	w, h int
	v    []float32
}

func newPlane(w, h int) plane { return plane{w: w, h: h, v: make([]float32, w*h)} }

// border returns the values of the outermost ring of pixels, each once.
func (p plane) border() []float32 {
	var ring []float32
	for x := 0; x < p.w; x++ {
		ring = append(ring, p.v[x])
		if p.h > 1 {
			ring = append(ring, p.v[(p.h-1)*p.w+x])
		}
	}
	for y := 1; y < p.h-1; y++ {
		ring = append(ring, p.v[y*p.w])
		if p.w > 1 {
			ring = append(ring, p.v[y*p.w+p.w-1])
		}
	}
	return ring
}

// greyPlane returns the luminance of img, in [0, 1], with transparency
// composited over the matte that matteLevel chooses.
func greyPlane(img image.Image) plane {
	luma, alpha := lumaAlpha(img)
	if alpha.v == nil {
		return luma
	}
	m := float32(matteLevel(luma, alpha))
	for i, a := range alpha.v {
		luma.v[i] += (1 - a) * m
	}
	return luma
}

// grayLuma is lumaAlpha's luminance of each 8-bit grey level, computed as
// for any image (a grey level's R, G and B are all Y*0x101).
var grayLuma = func() (t [256]float32) {
	for v := range t {
		r, g, b := uint32(v)*0x101, uint32(v)*0x101, uint32(v)*0x101
		t[v] = (0.299*float32(r) + 0.587*float32(g) + 0.114*float32(b)) / 0xffff
	}
	return t
}()

// lumaAlpha returns the premultiplied luminance and the alpha of img, each
// in [0, 1]. For an opaque image alpha.v is nil, which saves a plane as big
// as the luminance. RGBA64At, which every standard image type has, avoids
// the allocation per pixel of At.
func lumaAlpha(img image.Image) (luma, alpha plane) {
	b := img.Bounds()
	luma = newPlane(b.Dx(), b.Dy())
	if o, ok := img.(interface{ Opaque() bool }); !ok || !o.Opaque() {
		alpha = newPlane(b.Dx(), b.Dy())
	}
	if g, ok := img.(*image.Gray); ok { // the reader's pieces: no call per pixel
		for y := range b.Dy() {
			row := g.Pix[y*g.Stride : y*g.Stride+b.Dx()]
			for x, v := range row {
				luma.v[y*b.Dx()+x] = grayLuma[v]
			}
		}
		return luma, alpha
	}
	rgba := func(x, y int) (r, g, b, a uint32) { return img.At(x, y).RGBA() }
	if img64, ok := img.(image.RGBA64Image); ok {
		rgba = func(x, y int) (r, g, b, a uint32) {
			c := img64.RGBA64At(x, y)
			return uint32(c.R), uint32(c.G), uint32(c.B), uint32(c.A)
		}
	}
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := rgba(x, y)
			luma.v[i] = (0.299*float32(r) + 0.587*float32(g) + 0.114*float32(bl)) / 0xffff
			if alpha.v != nil {
				alpha.v[i] = float32(a) / 0xffff
			}
			i++
		}
	}
	return luma, alpha
}

// matteLevel returns the grey that transparent pixels are composited over.
// Transparency means "nothing drawn here", so the matte must read as the
// background. If the border is mostly opaque, it shows the background: the
// matte is its colour, so transparent holes blend into it. If the border is
// mostly transparent, what is visible is the ink itself (a digit drawn on a
// transparent canvas): the matte is white under dark ink and black under
// light ink. (A transparent margin around an opaque sheet of paper is
// therefore misread: the paper becomes the ink.)
func matteLevel(luma, alpha plane) float64 {
	ring := alpha.border()
	if borderAlpha := sum32(ring); borderAlpha >= float64(len(ring))/2 {
		return sum32(luma.border()) / borderAlpha
	}
	visible := sum32(alpha.v)
	if visible == 0 || sum32(luma.v)/visible < 0.5 {
		return 1
	}
	return 0
}

func sum32(v []float32) float64 {
	s := 0.0
	for _, x := range v {
		s += float64(x)
	}
	return s
}

// toInk turns luminance into ink in [0, 1]: the background level (the
// border's median, robust to strokes that touch the edge) becomes 0, the
// pixel farthest from it becomes 1. It reports false, with p perhaps
// inverted, when that contrast is below minInkContrast: no digit.
func (p plane) toInk() bool {
	ring := p.border()
	slices.Sort(ring)
	bg := ring[len(ring)/2]
	lo, hi := slices.Min(p.v), slices.Max(p.v)
	if bg-lo > hi-bg {
		// Dark ink on lighter paper: invert so that ink is bright, as in MNIST.
		for i, v := range p.v {
			p.v[i] = 1 - v
		}
		bg, hi = 1-bg, 1-lo
	}
	contrast := hi - bg
	if contrast < minInkContrast {
		return false
	}
	for i, v := range p.v {
		p.v[i] = min(max((v-bg)/contrast, 0), 1)
	}
	return true
}

// inkBounds returns the bounding box of the pixels at or above
// inkThreshold. After toInk the most inked pixel is 1, so it is never empty.
func (p plane) inkBounds() image.Rectangle {
	box := image.Rectangle{Min: image.Pt(p.w, p.h)}
	for y := 0; y < p.h; y++ {
		for x := 0; x < p.w; x++ {
			if p.v[y*p.w+x] >= inkThreshold {
				box.Min.X, box.Min.Y = min(box.Min.X, x), min(box.Min.Y, y)
				box.Max.X, box.Max.Y = max(box.Max.X, x+1), max(box.Max.Y, y+1)
			}
		}
	}
	return box
}

// fitDigitBox crops p to box and resamples the crop so that its longer side
// is digitBox pixels, keeping the aspect ratio. Gray16 keeps the stretched
// levels' precision through the resampling.
func (p plane) fitDigitBox(box image.Rectangle) *image.Gray16 {
	src := image.NewGray16(image.Rect(0, 0, box.Dx(), box.Dy()))
	for y := 0; y < box.Dy(); y++ {
		for x := 0; x < box.Dx(); x++ {
			v := p.v[(box.Min.Y+y)*p.w+box.Min.X+x]
			src.Pix[y*src.Stride+2*x], src.Pix[y*src.Stride+2*x+1] = split16(v)
		}
	}
	long := float64(max(box.Dx(), box.Dy()))
	w := max(1, int(math.Round(float64(box.Dx())*digitBox/long)))
	h := max(1, int(math.Round(float64(box.Dy())*digitBox/long)))
	dst := image.NewGray16(image.Rect(0, 0, w, h))
	resampleGray16(dst, src) // draw.CatmullRom.Scale, bit for bit (resample.go)
	return dst
}

// split16 returns v in [0, 1] as the big-endian bytes of a 16-bit level.
func split16(v float32) (hi, lo uint8) {
	y := uint16(v*0xffff + 0.5)
	return uint8(y >> 8), uint8(y)
}

// centreByMass places d in a Side x Side field, shifted by whole pixels so
// that its centre of mass lands on pixel (digitCentre, digitCentre), as
// MNIST did (a sub-pixel shift, tried, came out farther from MNIST); pixels
// shifted out of the field are lost, as in MNIST. It returns nil if no
// pixel of the field has any ink.
func centreByMass(d *image.Gray16) []uint8 {
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
		return nil
	}
	dx := int(math.Round(digitCentre - mx/mass))
	dy := int(math.Round(digitCentre - my/mass))
	out := make([]uint8, ImageSize)
	inked := false
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			tx, ty := x+dx, y+dy
			if tx >= 0 && tx < Side && ty >= 0 && ty < Side {
				p := uint8((uint32(d.Gray16At(x, y).Y)*255 + 0x7fff) / 0xffff)
				out[ty*Side+tx] = p
				inked = inked || p > 0
			}
		}
	}
	if !inked {
		return nil
	}
	return out
}
