package data

import (
	"image"
	"math"

	"golang.org/x/image/draw"
)

// Catmull-Rom resampling of a 16-bit grey image, the same to the last bit
// as draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(),
// draw.Src, nil) (resample_test.go compares them), without its generic
// per-pixel interface calls: x/image/draw has no fast path for Gray16,
// and its generic one was a fifth of the number reader's time on a line
// of touching digits (docs/reading.md). The same weights in the same order
// and the same explicit float64 roundings give the same values.

// resampleContrib is one source pixel's weight in a destination pixel.
type resampleContrib struct {
	coord  int32
	weight float64
}

// resampleSource is one destination column's (or row's) contributions,
// contribs[i:j], and the inverses of their total weight.
type resampleSource struct {
	i, j                   int32
	invTotal, invTotalFFFF float64
}

// resampleWeights returns draw's Catmull-Rom weights for scaling sw
// pixels to dw (x/image/draw's newDistrib).
func resampleWeights(dw, sw int32) ([]resampleSource, []resampleContrib) {
	q := draw.CatmullRom
	scale := float64(sw) / float64(dw)
	halfWidth, argScale := q.Support, 1.0
	if scale > 1 {
		halfWidth *= scale
		argScale = 1 / scale
	}
	sources := make([]resampleSource, dw)
	var contribs []resampleContrib
	for x := range sources {
		center := float64((float64(x)+0.5)*scale) - 0.5
		lo := max(int32(math.Floor(center-halfWidth)), 0)
		hi := int32(math.Ceil(center + halfWidth))
		if hi > sw {
			hi = max(sw, lo)
		}
		total := 0.0
		first := int32(len(contribs))
		for coord := lo; coord < hi; coord++ {
			t := (center - float64(coord)) * argScale
			if t < 0 {
				t = -t
			}
			if t >= q.Support {
				continue
			}
			w := q.At(t)
			if w == 0 {
				continue
			}
			total += w
			contribs = append(contribs, resampleContrib{coord, w})
		}
		total = 1 / total
		sources[x] = resampleSource{i: first, j: int32(len(contribs)), invTotal: total, invTotalFFFF: total / 0xffff}
	}
	return sources, contribs
}

// resampleGray16 scales all of src into all of dst with Catmull-Rom.
func resampleGray16(dst, src *image.Gray16) {
	sb, db := src.Bounds(), dst.Bounds()
	sw, sh, dw, dh := int32(sb.Dx()), int32(sb.Dy()), int32(db.Dx()), int32(db.Dy())
	if sw <= 0 || sh <= 0 || dw <= 0 || dh <= 0 {
		return
	}
	hs, hc := resampleWeights(dw, sw)
	vs, vc := resampleWeights(dh, sh)
	// Horizontal pass. draw also carries an opacity along (0xffff for a
	// grey image) for the clamp below; it is the same in every row, so it
	// is worked out once per column.
	alpha := make([]float64, dw)
	for x, s := range hs {
		var pa float64
		for _, c := range hc[s.i:s.j] {
			pa += float64(float64(0xffff) * c.weight)
		}
		alpha[x] = pa * s.invTotalFFFF
	}
	grey := make([]float64, int(dw)*int(sh))
	levels := make([]float64, sw)
	t := 0
	for y := range sh {
		row := src.Pix[int(y)*src.Stride:]
		for x := range levels {
			levels[x] = float64(uint16(row[2*x])<<8 | uint16(row[2*x+1]))
		}
		for _, s := range hs {
			var pg float64
			for _, c := range hc[s.i:s.j] {
				pg += float64(levels[c.coord] * c.weight)
			}
			grey[t] = pg * s.invTotalFFFF
			t++
		}
	}
	// Vertical pass, written as draw's RGBA64 path writes a grey pixel.
	for x := range dw {
		a := alpha[x]
		for y, s := range vs {
			var pg, pa float64
			for _, c := range vc[s.i:s.j] {
				pg += float64(grey[int(c.coord)*int(dw)+int(x)] * c.weight)
				pa += float64(a * c.weight)
			}
			pg = min(pg, pa)
			v := toUint16(pg * s.invTotal)
			o := y*dst.Stride + 2*int(x)
			dst.Pix[o], dst.Pix[o+1] = uint8(v>>8), uint8(v)
		}
	}
}

// toUint16 maps [0, 1] to [0, 0xffff] as draw does (rounding, clamped).
func toUint16(f float64) uint16 {
	i := int32(float64(0xffff*f) + 0.5)
	if i > 0xffff {
		return 0xffff
	}
	if i > 0 {
		return uint16(i)
	}
	return 0
}
