package synth

import (
	"image"
	"math"

	"golang.org/x/image/vector"
)

// plane is a grey picture in float32, 0 = background, 1 = full ink, on
// which the non-digits are drawn before they are normalized.
type plane struct {
	w, h int
	v    []float32
}

func newPlane(w, h int) *plane { return &plane{w: w, h: h, v: make([]float32, w*h)} }

// ink raises the pixel at (x, y) to level a (ink combines with max).
func (p *plane) ink(x, y int, a float32) {
	if x >= 0 && x < p.w && y >= 0 && y < p.h {
		i := y*p.w + x
		p.v[i] = max(p.v[i], a)
	}
}

// pt is a point in plane coordinates (pixel (x, y) covers [x, x+1)).
type pt struct{ x, y float64 }

// stroke draws a pen line of the given width along the polyline pts, with
// round ends and joins, anti-aliased by the distance of each pixel's
// centre to the line.
func (p *plane) stroke(pts []pt, width float64) {
	r := width / 2
	if len(pts) == 1 {
		pts = append(pts, pts[0])
	}
	for k := 1; k < len(pts); k++ {
		a, b := pts[k-1], pts[k]
		x0, x1 := int(math.Floor(min(a.x, b.x)-r-1)), int(math.Ceil(max(a.x, b.x)+r+1))
		y0, y1 := int(math.Floor(min(a.y, b.y)-r-1)), int(math.Ceil(max(a.y, b.y)+r+1))
		for y := max(y0, 0); y < min(y1, p.h); y++ {
			for x := max(x0, 0); x < min(x1, p.w); x++ {
				d := segmentDistance(pt{float64(x) + 0.5, float64(y) + 0.5}, a, b)
				if c := r - d + 0.5; c > 0 {
					p.ink(x, y, float32(min(c, 1)))
				}
			}
		}
	}
}

// segmentDistance returns the distance from q to the segment ab.
func segmentDistance(q, a, b pt) float64 {
	dx, dy := b.x-a.x, b.y-a.y
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = min(1, max(0, ((q.x-a.x)*dx+(q.y-a.y)*dy)/l))
	}
	ex, ey := q.x-(a.x+t*dx), q.y-(a.y+t*dy)
	return math.Hypot(ex, ey)
}

// fill fills the polygon pts (closed, non-zero winding), anti-aliased.
func (p *plane) fill(pts []pt) {
	if len(pts) < 3 {
		return
	}
	z := vector.NewRasterizer(p.w, p.h)
	z.MoveTo(float32(pts[0].x), float32(pts[0].y))
	for _, q := range pts[1:] {
		z.LineTo(float32(q.x), float32(q.y))
	}
	z.ClosePath()
	mask := image.NewAlpha(image.Rect(0, 0, p.w, p.h))
	z.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	for i, a := range mask.Pix {
		p.v[i] = max(p.v[i], float32(a)/255)
	}
}

// ellipse returns n points on the ellipse centred at c with radii rx, ry,
// turned by angle (radians), from start through sweep (radians).
func ellipse(c pt, rx, ry, angle, start, sweep float64, n int) []pt {
	pts := make([]pt, n)
	cos, sin := math.Cos(angle), math.Sin(angle)
	for k := range pts {
		t := start + sweep*float64(k)/float64(n-1)
		x, y := rx*math.Cos(t), ry*math.Sin(t)
		pts[k] = pt{c.x + x*cos - y*sin, c.y + x*sin + y*cos}
	}
	return pts
}

// spline returns the Catmull-Rom curve through pts, steps points per span.
func spline(pts []pt, steps int) []pt {
	if len(pts) < 2 {
		return pts
	}
	ext := append(append([]pt{pts[0]}, pts...), pts[len(pts)-1])
	var out []pt
	for k := 1; k+2 < len(ext); k++ {
		p0, p1, p2, p3 := ext[k-1], ext[k], ext[k+1], ext[k+2]
		for s := range steps {
			t := float64(s) / float64(steps)
			out = append(out, catmullRom(p0, p1, p2, p3, t))
		}
	}
	return append(out, pts[len(pts)-1])
}

func catmullRom(p0, p1, p2, p3 pt, t float64) pt {
	t2, t3 := t*t, t*t*t
	f := func(a, b, c, d float64) float64 {
		return 0.5 * (2*b + (c-a)*t + (2*a-5*b+4*c-d)*t2 + (3*b-a-3*c+d)*t3)
	}
	return pt{f(p0.x, p1.x, p2.x, p3.x), f(p0.y, p1.y, p2.y, p3.y)}
}
