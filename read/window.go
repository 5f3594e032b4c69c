package read

import (
	"image"
	"math"

	"github.com/lenet5-go/lenet5/data"
)

// The space displacement neural network's view of a line (LeCun et al.
// 1998, Section VII): LeNet-5 replicated along the line, one output every
// frameStep reference heights. Output t is the network on a window of
// the line centred on column X[t], scaled so that the reference height
// (about one digit's height) is windowDigit pixels, as MNIST's digits fill
// a 20-pixel box. A window shows the neighbours' ink at its sides, as the
// paper's SDNN does; the network reading it is trained on such windows
// (train.Config.Windows): centred on a digit, that digit; off centre, the
// rubbish class.
const (
	// frameStep is the distance between consecutive windows, in
	// reference heights (the paper: 4 of its 32 input pixels, with
	// characters about 20 pixels tall, is 0.2; half that, so that every
	// digit has a window within a twentieth of its centre).
	frameStep = 0.1
	// windowDigit is the reference height in window pixels.
	windowDigit = 20.0
	// windowBand is the half-width, in reference heights, of the columns
	// whose ink sets a window's vertical centre.
	windowBand = 0.3
	// maxFrames bounds the windows of a line.
	maxFrames = 400
)

// Frames is a line seen by the SDNN: its windows, left to right.
type Frames struct {
	// X holds each window's centre column in the image's pixels.
	X []float64
	// Windows holds the windows, in MNIST's 28x28 format (ink bright).
	Windows [][]uint8
	// Ref is the line's reference height in the image's pixels.
	Ref float64
	// Ink is the bounding box of the line's ink in the image's pixels.
	Ink image.Rectangle
}

// WindowsVersion is the version of what Windows makes, recorded with a
// network trained on them: 1 scaled touching digits by their component's
// height; 2 by clusterRef's, about one digit's (2026-12-05).
const WindowsVersion = 2

// Windows returns the SDNN's windows of the line in img, one every
// frameStep reference heights from the left edge of its ink to the right,
// at most maxFrames of them (farther apart on a line longer than that). A
// blank image is an error wrapping data.ErrNoDigit.
func Windows(img image.Image) (*Frames, error) {
	m, s, err := lineShapes(img)
	if err != nil {
		return nil, err
	}
	return m.frames(s), nil
}

// frames cuts the line of m, whose components are s, into windows.
func (m *inkMap) frames(s *shapes) *Frames {
	ink := image.Rectangle{}
	for _, c := range s.comps {
		ink = ink.Union(c.box)
	}
	ref := max(s.refHeight, 1)
	step := frameStep * ref
	if n := float64(ink.Dx()) / step; n > maxFrames-1 {
		step = float64(ink.Dx()) / (maxFrames - 1)
	}
	f := &Frames{Ref: ref * float64(m.scale), Ink: m.inputBox(ink)}
	for x := float64(ink.Min.X); x <= float64(ink.Max.X)+1e-9; x += step {
		f.X = append(f.X, float64(m.origin.X)+x*float64(m.scale))
		f.Windows = append(f.Windows, m.window(s, x, ref, ink))
	}
	return f
}

// window renders the window centred on working column cx: 28x28 pixels,
// ref working pixels to windowDigit of them, each the mean of 2x2
// bilinear samples of the components' ink, vertically centred on the ink
// within windowBand of cx (the line's middle where there is none).
func (m *inkMap) window(s *shapes, cx, ref float64, ink image.Rectangle) []uint8 {
	top, bottom := math.MaxInt, math.MinInt
	x0, x1 := max(0, int(math.Floor(cx-windowBand*ref))), min(m.w-1, int(math.Ceil(cx+windowBand*ref)))
	for y := ink.Min.Y; y < ink.Max.Y; y++ {
		for x := x0; x <= x1; x++ {
			if s.ownedInk(m, x, y) {
				top, bottom = min(top, y), max(bottom, y)
				break
			}
		}
	}
	cy := float64(ink.Min.Y+ink.Max.Y) / 2
	if top <= bottom {
		cy = float64(top+bottom+1) / 2
	}
	k := ref / windowDigit
	// The sample points' columns and rows, two per window pixel: every
	// window pixel's four samples share them, so each is placed once.
	var xs, ys [2 * data.Side]samplePoint
	for i := range data.Side {
		for h, d := range [2]float64{0.25, 0.75} {
			xs[2*i+h] = pointAt(cx + (float64(i)+d-data.Side/2)*k)
			ys[2*i+h] = pointAt(cy + (float64(i)+d-data.Side/2)*k)
		}
	}
	out := make([]uint8, data.ImageSize)
	for j := range data.Side {
		for i := range data.Side {
			var v float64
			for dy := range 2 {
				for dx := range 2 {
					v += m.bilinear(xs[2*i+dx], ys[2*j+dy])
				}
			}
			out[j*data.Side+i] = uint8(math.Min(255, v/4*255+0.5))
		}
	}
	return out
}

// ownedInk reports whether working pixel (x, y) is ink of a kept
// component.
func (s *shapes) ownedInk(m *inkMap, x, y int) bool {
	l := s.label[y*m.w+x]
	return l >= 0 && s.owner[l] >= 0
}

// samplePoint is a working coordinate split for bilinear sampling: the
// pixel whose centre is at or before it, and the fraction of the way to
// the next one.
type samplePoint struct {
	i int
	a float64
}

// pointAt places working coordinate x, pixel centres at half-integers.
func pointAt(x float64) samplePoint {
	x -= 0.5
	f := math.Floor(x)
	return samplePoint{int(f), x - f}
}

// bilinear samples the ink level at working point (x, y), 0 outside the
// map.
func (m *inkMap) bilinear(x, y samplePoint) float64 {
	return (1-y.a)*((1-x.a)*m.at(x.i, y.i)+x.a*m.at(x.i+1, y.i)) + y.a*((1-x.a)*m.at(x.i, y.i+1)+x.a*m.at(x.i+1, y.i+1))
}

// at returns the ink level of working pixel (x, y), 0 outside the map.
func (m *inkMap) at(x, y int) float64 {
	if x < 0 || y < 0 || x >= m.w || y >= m.h {
		return 0
	}
	return float64(m.v[y*m.w+x])
}
