package synth

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"
)

// Look is how a line is put on paper: the colours of paper and ink, the
// light falling on it, ruled lines, sensor noise and JPEG compression.
// Render applies it; RandomLook draws one.
type Look struct {
	// Paper and Ink are the colours where the ink map is 0 and 255; ink
	// in between mixes them. Most looks are dark ink on light paper; some
	// are light on dark (chalk on a board, an inverted scan).
	Paper, Ink color.RGBA
	// Gradient darkens the picture linearly along the direction
	// GradientAngle (radians, 0 = towards +x): by 0 at one end and by
	// this fraction at the other.
	Gradient, GradientAngle float64
	// Shadow darkens, by this fraction, the part of the picture beyond a
	// soft edge through (ShadowX, ShadowY), both fractions of the picture's
	// size, facing ShadowAngle.
	Shadow, ShadowX, ShadowY, ShadowAngle float64
	// RuleGap, when positive, draws horizontal ruled lines RuleGap pixels
	// apart, one of them on row RuleY, RuleWidth pixels thick, in RuleColour,
	// under the ink.
	RuleGap, RuleY, RuleWidth int
	RuleColour                color.RGBA
	// Noise is the standard deviation of the Gaussian noise added to every
	// pixel, as a fraction of the full range, drawn from NoiseSeed.
	Noise     float64
	NoiseSeed uint64
	// JPEGQuality, when positive, encodes the picture as JPEG at this
	// quality and decodes it again.
	JPEGQuality int
}

// Ranges of the random looks.
const (
	// minContrast is the least difference in luma between paper and ink,
	// after the darkest lighting, as a fraction of the full range: digits
	// stay clearly legible. RandomLook keeps to it; Contrast measures it.
	minContrast = 0.45
	// inverseShare is the share of looks with light ink on dark paper.
	inverseShare = 0.1
	ruledShare   = 0.3
	jpegShare    = 0.4
)

// luma returns the Rec. 601 luma of c in [0, 1].
func luma(c color.RGBA) float64 {
	return (0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B)) / 255
}

// Contrast returns the least difference in luma between paper and ink
// anywhere in the picture, before noise and compression, as a fraction of
// the full range: the difference of the colours under the darkest light.
func (l Look) Contrast() float64 {
	return math.Abs(luma(l.Paper)-luma(l.Ink)) * (1 - l.Gradient) * (1 - l.Shadow)
}

// inkColours are the pens: black, graphite, blue and red ballpoint, and
// a dark green felt tip, as RGB in [0, 1].
var inkColours = [][3]float64{
	{0.05, 0.05, 0.07}, {0.22, 0.22, 0.24}, {0.08, 0.12, 0.45}, {0.55, 0.08, 0.10}, {0.05, 0.28, 0.15},
}

// RandomLook draws a look for a picture whose digits stand on row
// baseline: a ruled line, when there are rules, runs just under it, as on
// lined paper.
func RandomLook(src *rand.PCG, baseline int) Look {
	return randomLook(draws{src}, baseline)
}

func randomLook(r draws, baseline int) Look {
	var l Look
	// Paper: white to grey, sometimes yellowed or bluish.
	p := r.uniform(0.78, 1)
	tint := [3]float64{1, 1, 1}
	switch r.intN(3) {
	case 1: // yellowed
		tint = [3]float64{1, r.uniform(0.97, 1), r.uniform(0.85, 0.95)}
	case 2: // bluish
		tint = [3]float64{r.uniform(0.93, 0.98), r.uniform(0.96, 1), 1}
	}
	paper := [3]float64{p * tint[0], p * tint[1], p * tint[2]}
	// Ink: a pen, a little lighter or darker.
	pen := inkColours[r.intN(len(inkColours))]
	shade := r.uniform(0.7, 1.3)
	ink := [3]float64{pen[0] * shade, pen[1] * shade, pen[2] * shade}
	if r.chance(inverseShare) { // chalk on a board
		board := r.uniform(0.05, 0.25)
		chalk := r.uniform(0.8, 1)
		paper = [3]float64{board * 0.9, board, board * 0.95}
		ink = [3]float64{chalk, chalk, chalk * 0.97}
	}
	l.Paper, l.Ink = rgba(paper), rgba(ink)

	l.Gradient, l.GradientAngle = r.uniform(0, 0.2), r.uniform(0, 2*math.Pi)
	if r.chance(0.4) {
		l.Shadow = r.uniform(0.05, 0.2)
		l.ShadowX, l.ShadowY, l.ShadowAngle = r.float(), r.float(), r.uniform(0, 2*math.Pi)
	}
	// Keep the contrast: weaken the light, then, if the pen is too pale,
	// darken it towards black (or whiten the chalk).
	for l.Contrast() < minContrast && (l.Gradient > 0.01 || l.Shadow > 0.01) {
		l.Gradient, l.Shadow = l.Gradient*0.8, l.Shadow*0.8
	}
	for l.Contrast() < minContrast {
		if luma(l.Ink) < luma(l.Paper) {
			l.Ink = rgba([3]float64{float64(l.Ink.R) / 255 * 0.8, float64(l.Ink.G) / 255 * 0.8, float64(l.Ink.B) / 255 * 0.8})
		} else {
			l.Paper = rgba([3]float64{float64(l.Paper.R) / 255 * 0.8, float64(l.Paper.G) / 255 * 0.8, float64(l.Paper.B) / 255 * 0.8})
		}
	}

	if r.chance(ruledShare) {
		l.RuleGap = r.between(24, 40)
		l.RuleY = baseline + r.between(1, 3)
		l.RuleWidth = 1 + r.intN(2)
		rule := [3]float64{0.55, 0.65, 0.85} // pale blue
		if r.chance(0.3) {
			rule = [3]float64{0.6, 0.6, 0.6}
		}
		w := r.uniform(0.2, 0.45) // how strongly the rule shows on the paper
		for c := range rule {
			rule[c] = paper[c]*(1-w) + rule[c]*paper[c]*w
		}
		l.RuleColour = rgba(rule)
	}
	l.Noise = r.uniform(0, 0.04)
	l.NoiseSeed = r.src.Uint64()
	if r.chance(jpegShare) {
		l.JPEGQuality = r.between(60, 90)
	}
	return l
}

// rgba converts RGB in [0, 1] (clamped) to an opaque colour.
func rgba(c [3]float64) color.RGBA {
	return color.RGBA{byteOf(c[0]), byteOf(c[1]), byteOf(c[2]), 255}
}

// byteOf maps [0, 1] to 0..255, clamping.
func byteOf(v float64) uint8 {
	return uint8(math.Round(255 * min(1, max(0, v))))
}

// Render puts an ink map (0 = paper, 255 = ink) on paper with the look.
func Render(ink *image.Gray, l Look) (*image.RGBA, error) {
	b := ink.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	noise := draws{rand.NewPCG(l.NoiseSeed, 0)}
	gx, gy := math.Cos(l.GradientAngle), math.Sin(l.GradientAngle)
	// The gradient runs from the corner where it is 0 to the opposite one.
	g0 := min(0, gx*float64(w)) + min(0, gy*float64(h))
	gSpan := math.Abs(gx*float64(w)) + math.Abs(gy*float64(h))
	sx, sy := math.Cos(l.ShadowAngle), math.Sin(l.ShadowAngle)
	soft := 0.15 * float64(max(w, h)) // width of the shadow's edge
	paper, inkC, rule := channels(l.Paper), channels(l.Ink), channels(l.RuleColour)
	for y := range h {
		ruled := l.RuleGap > 0 && ((y-l.RuleY)%l.RuleGap+l.RuleGap)%l.RuleGap < l.RuleWidth
		for x := range w {
			a := float64(ink.GrayAt(b.Min.X+x, b.Min.Y+y).Y) / 255
			light := 1.0
			if gSpan > 0 {
				light -= l.Gradient * ((gx*float64(x) + gy*float64(y)) - g0) / gSpan
			}
			if l.Shadow > 0 {
				d := sx*(float64(x)-l.ShadowX*float64(w)) + sy*(float64(y)-l.ShadowY*float64(h))
				light *= 1 - l.Shadow*smoothstep(-soft, soft, d)
			}
			n := l.Noise * noise.norm()
			under := paper
			if ruled {
				under = rule
			}
			px := out.Pix[y*out.Stride+4*x:]
			for c := range 3 {
				v := (under[c]*(1-a) + inkC[c]*a) * light
				px[c] = byteOf(v + n)
			}
			px[3] = 255
		}
	}
	if l.JPEGQuality > 0 {
		return jpegRoundTrip(out, l.JPEGQuality)
	}
	return out, nil
}

// channels returns c's red, green and blue in [0, 1].
func channels(c color.RGBA) [3]float64 {
	return [3]float64{float64(c.R) / 255, float64(c.G) / 255, float64(c.B) / 255}
}

// smoothstep rises smoothly from 0 at lo to 1 at hi.
func smoothstep(lo, hi, v float64) float64 {
	t := min(1, max(0, (v-lo)/(hi-lo)))
	return t * t * (3 - 2*t)
}

// jpegRoundTrip encodes img as JPEG at quality and decodes it again.
func jpegRoundTrip(img *image.RGBA, quality int) (*image.RGBA, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("JPEG quality %d: encoding: %w", quality, err)
	}
	dec, err := jpeg.Decode(&buf)
	if err != nil {
		return nil, fmt.Errorf("JPEG quality %d: decoding: %w", quality, err)
	}
	out := image.NewRGBA(dec.Bounds())
	draw.Draw(out, out.Bounds(), dec, dec.Bounds().Min, draw.Src)
	return out, nil
}
