package read

import (
	"fmt"
	"image"
	"math"
	"slices"

	"github.com/lenet5-go/lenet5/data"
)

// inkMap is the working copy of a line: ink levels in [0, 1] (0 paper, 1 the
// strongest ink) on a grid of w x h working pixels, each scale x scale
// pixels of the input whose top-left corner is origin.
type inkMap struct {
	w, h   int
	scale  int
	origin image.Point
	v      []float32 // ink level, row-major
	on     []bool    // v >= inkLevel, minus ruled lines: the ink of the components
}

// newInkMap reads img into an ink map: luminance (reduced to at most
// maxWorkPixels), polarity, the local background subtracted, contrast
// stretched, the paper's noise subtracted, thresholded, ruled lines
// erased. A blank image is an error wrapping data.ErrNoDigit.
func newInkMap(img image.Image) (*inkMap, error) {
	b := img.Bounds()
	if b.Empty() {
		return nil, fmt.Errorf("read: an empty image: %w", data.ErrNoDigit)
	}
	w, h := b.Dx(), b.Dy()
	if w > MaxPixels || h > MaxPixels || w*h > MaxPixels {
		return nil, fmt.Errorf("read: the image is %dx%d pixels, more than %d megapixels: %w", w, h, MaxPixels>>20, ErrTooLarge)
	}
	scale := 1
	for ceilDiv(w, scale)*ceilDiv(h, scale) > maxWorkPixels {
		scale++
	}
	m := &inkMap{w: ceilDiv(w, scale), h: ceilDiv(h, scale), scale: scale, origin: b.Min}
	m.v = greyWork(img, scale, m.w, m.h)
	if !m.toInk() {
		return nil, fmt.Errorf("read: no ink on the image: %w", data.ErrNoDigit)
	}
	m.on = make([]bool, len(m.v))
	for i, v := range m.v {
		m.on[i] = v >= inkLevel
	}
	m.eraseRules()
	return m, nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// greyWork returns the luminance of img in [0, 1] (Rec. 601 weights) on a
// w x h grid, each value the mean of the image's pixels in a scale x scale
// block (the blocks of the last row and column may be smaller).
// Transparent pixels are composited over white when what is visible is
// dark, over black otherwise (a digit drawn on a transparent canvas), as
// data.NormalizeDigit decides.
func greyWork(img image.Image, scale, w, h int) []float32 {
	b := img.Bounds()
	luma := make([]float32, w*h)
	count := make([]float32, w*h)
	var alpha []float32
	if o, ok := img.(interface{ Opaque() bool }); !ok || !o.Opaque() {
		alpha = make([]float32, w*h)
	}
	if g, ok := img.(*image.Gray); ok && alpha == nil {
		for y := range b.Dy() {
			row := g.Pix[y*g.Stride : y*g.Stride+b.Dx()]
			out := luma[(y/scale)*w:]
			for x, v := range row {
				out[x/scale] += float32(v) / 255
			}
		}
	} else {
		at := func(x, y int) (r, g, b, a uint32) { return img.At(x, y).RGBA() }
		if img64, ok := img.(image.RGBA64Image); ok {
			at = func(x, y int) (r, g, b, a uint32) {
				c := img64.RGBA64At(x, y)
				return uint32(c.R), uint32(c.G), uint32(c.B), uint32(c.A)
			}
		}
		for y := range b.Dy() {
			for x := range b.Dx() {
				r, g, bl, al := at(b.Min.X+x, b.Min.Y+y)
				i := (y/scale)*w + x/scale
				luma[i] += (0.299*float32(r) + 0.587*float32(g) + 0.114*float32(bl)) / 0xffff
				if alpha != nil {
					alpha[i] += float32(al) / 0xffff
				}
			}
		}
	}
	for y := range h {
		rows := min(scale, b.Dy()-y*scale)
		for x := range w {
			count[y*w+x] = float32(rows * min(scale, b.Dx()-x*scale))
		}
	}
	for i, n := range count {
		luma[i] /= n
		if alpha != nil {
			alpha[i] /= n
		}
	}
	if alpha != nil {
		var visible, lsum float64
		for i, a := range alpha {
			visible += float64(a)
			lsum += float64(luma[i])
		}
		matte := float32(1)
		if visible > 0 && lsum/visible >= 0.5 {
			matte = 0
		}
		for i, a := range alpha {
			luma[i] += (1 - a) * matte
		}
	}
	return luma
}

// toInk turns m.v from luminance into ink. The polarity is the data
// package's: the median is the paper, and the ink lies on whichever side of
// it the image reaches farther. The paper's level is then estimated locally
// (localBackground) and subtracted, and the contrast stretched so the
// strongest ink is 1. It reports false when that contrast is below
// minInkContrast: a blank page.
func (m *inkMap) toInk() bool {
	var hist [256]int
	lo, hi := float32(1), float32(0)
	for _, v := range m.v {
		hist[min(255, max(0, int(v*255+0.5)))]++
		lo, hi = min(lo, v), max(hi, v)
	}
	median, seen := float32(0), 0
	for k, n := range hist {
		seen += n
		if 2*seen >= len(m.v) {
			median = float32(k) / 255
			break
		}
	}
	if median-lo > hi-median {
		for i, v := range m.v {
			m.v[i] = 1 - v
		}
	}
	bg := m.localBackground()
	var contrast float32
	for i, v := range m.v {
		m.v[i] = max(0, v-bg[i])
		contrast = max(contrast, m.v[i])
	}
	if contrast < minInkContrast {
		return false
	}
	for i, v := range m.v {
		m.v[i] = v / contrast
	}
	m.dropPaperNoise()
	return true
}

// nearInk marks the pixels within noiseClear working pixels (a square) of
// ink at inkLevel: the strokes and their anti-aliased edges, which are
// not paper. Two passes of a running maximum, linear in the pixels.
func (m *inkMap) nearInk() []bool {
	rows := make([]bool, len(m.v))
	for y := range m.h {
		last := -noiseClear - 1 // the last ink column seen
		for x := 0; x < m.w+noiseClear; x++ {
			if x < m.w && m.v[y*m.w+x] >= inkLevel {
				last = x
			}
			if x-noiseClear >= 0 && x-noiseClear < m.w {
				// ink in [x-2r, x] of this row reaches x-r
				rows[y*m.w+x-noiseClear] = last >= x-2*noiseClear
			}
		}
	}
	near := make([]bool, len(m.v))
	for x := range m.w {
		last := -noiseClear - 1
		for y := 0; y < m.h+noiseClear; y++ {
			if y < m.h && rows[y*m.w+x] {
				last = y
			}
			if y-noiseClear >= 0 && y-noiseClear < m.h {
				near[(y-noiseClear)*m.w+x] = last >= y-2*noiseClear
			}
		}
	}
	return near
}

// dropPaperNoise subtracts the paper's noise from the ink levels: the
// level that noiseQuantile of the paper's pixels (those below noiseCeiling
// of the strongest ink and farther than noiseClear from ink) stay under,
// rescaled so the strongest ink stays 1.
// Subtracting the background removes the paper's mean, not its grain, and
// the pieces are drawn with the faint pixels round their ink, so a noisy
// photo or a JPEG would give the network speckled pieces unlike MNIST's
// clean ones. On a clean image the floor is 0 and nothing changes. The
// quantile is read from a histogram: linear in the pixels.
func (m *inkMap) dropPaperNoise() {
	const bins = 1024
	var hist [bins]int
	paper := 0
	near := m.nearInk()
	for i, v := range m.v {
		if v < noiseCeiling && !near[i] {
			hist[int(v/noiseCeiling*bins)]++
			paper++
		}
	}
	if paper == 0 {
		return
	}
	want, seen, floor := int(noiseQuantile*float64(paper)), 0, float32(0)
	for k, n := range hist {
		seen += n
		if seen > want {
			floor = float32(k+1) / bins * noiseCeiling
			break
		}
	}
	if floor <= 1.0/bins*noiseCeiling {
		return
	}
	for i, v := range m.v {
		m.v[i] = max(0, v-floor) / (1 - floor)
	}
}

// localBackground estimates the paper's level (ink bright) at every
// working pixel: the bgPercentile level of each block, the median over
// each block and its neighbours, bilinear between block centres.
func (m *inkMap) localBackground() []float32 {
	side := min(max(min(m.w, m.h)/3, bgBlockMin), bgBlockMax)
	bw, bh := (m.w+side-1)/side, (m.h+side-1)/side
	level := make([]float32, bw*bh)
	buf := make([]float32, 0, side*side)
	for by := range bh {
		for bx := range bw {
			buf = buf[:0]
			for y := by * side; y < min(m.h, (by+1)*side); y++ {
				buf = append(buf, m.v[y*m.w+bx*side:y*m.w+min(m.w, (bx+1)*side)]...)
			}
			slices.Sort(buf)
			level[by*bw+bx] = buf[int(bgPercentile*float32(len(buf)-1))]
		}
	}
	smooth := make([]float32, len(level))
	var nb []float32
	for by := range bh {
		for bx := range bw {
			nb = nb[:0]
			for y := max(0, by-1); y <= min(bh-1, by+1); y++ {
				for x := max(0, bx-1); x <= min(bw-1, bx+1); x++ {
					nb = append(nb, level[y*bw+x])
				}
			}
			slices.Sort(nb)
			smooth[by*bw+bx] = nb[len(nb)/2]
		}
	}
	bg := make([]float32, len(m.v))
	// Block (bx, by) has its centre at ((bx+0.5)*side, (by+0.5)*side).
	for y := range m.h {
		fy := min(max((float32(y)+0.5)/float32(side)-0.5, 0), float32(bh-1))
		y0 := int(fy)
		y1, ty := min(y0+1, bh-1), fy-float32(y0)
		for x := range m.w {
			fx := min(max((float32(x)+0.5)/float32(side)-0.5, 0), float32(bw-1))
			x0 := int(fx)
			x1, tx := min(x0+1, bw-1), fx-float32(x0)
			top := smooth[y0*bw+x0]*(1-tx) + smooth[y0*bw+x1]*tx
			bot := smooth[y1*bw+x0]*(1-tx) + smooth[y1*bw+x1]*tx
			bg[y*m.w+x] = top*(1-ty) + bot*ty
		}
	}
	return bg
}

// eraseRules removes ruled lines from m.on and m.v: long horizontal runs
// of thin ink (see ruleThicknessMin).
func (m *inkMap) eraseRules() {
	// On an image narrower than ruleMinLength (one digit on lined paper)
	// a ruled line still crosses it from side to side.
	minLen := max(min(ruleMinLength, int(math.Ceil(ruleNarrowFraction*float64(m.w)))), int(ruleMinFraction*float32(m.w)))
	thick := max(ruleThicknessMin, m.h/ruleThicknessDiv)
	thin := make([]bool, len(m.on))
	for x := range m.w {
		for y := 0; y < m.h; {
			if !m.on[y*m.w+x] {
				y++
				continue
			}
			end := y
			for end < m.h && m.on[end*m.w+x] {
				end++
			}
			if end-y <= thick {
				for k := y; k < end; k++ {
					thin[k*m.w+x] = true
				}
			}
			y = end
		}
	}
	// Around each row y, a band of rows y-1..y+1 (a ruled line may step
	// by a row): a run of columns with ink in the band, mostly thin ink
	// (strokes crossing the line break its thin pixels but not the run),
	// long enough, is a ruled line: its thin pixels are erased.
	band := make([]bool, m.w)
	for y := range m.h {
		for x := range m.w {
			band[x] = false
			for yy := max(0, y-1); yy <= min(m.h-1, y+1); yy++ {
				band[x] = band[x] || m.on[yy*m.w+x]
			}
		}
		for x := 0; x < m.w; {
			if !band[x] {
				x++
				continue
			}
			end, thinCols := x, 0
			for end < m.w && band[end] {
				if thin[y*m.w+end] {
					thinCols++
				}
				end++
			}
			if end-x >= minLen && float64(thinCols) >= ruleThinFraction*float64(end-x) {
				for yy := max(0, y-1); yy <= min(m.h-1, y+1); yy++ {
					for k := x; k < end; k++ {
						if thin[yy*m.w+k] {
							m.on[yy*m.w+k] = false
							m.v[yy*m.w+k] = 0
						}
					}
				}
			}
			x = end
		}
	}
}
