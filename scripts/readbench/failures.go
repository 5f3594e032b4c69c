package main

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/lenet5-go/lenet5/internal/atomicfile"
	"github.com/lenet5-go/lenet5/internal/synth"
	"github.com/lenet5-go/lenet5/read"
)

// writeFailures writes the strings read wrong into dir: each as a PNG of
// the string above a 3x copy with the pieces of the reading drawn in
// alternating colours and the segments' left edges (cuts in red, gaps in
// green) under it, and failures.tsv listing them.
func writeFailures(dir string, samples []synth.Sample, outcomes []outcome) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var list strings.Builder
	list.WriteString("file\ttruth\tread\tspacing\tconfidence\tcause\n")
	for i, o := range outcomes {
		if o.text == o.truth {
			continue
		}
		name := fmt.Sprintf("%05d.png", i)
		img := annotate(samples[i].Image, o.graph)
		if err := atomicfile.Write(filepath.Join(dir, name), func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
			return err
		}
		cause := "?"
		if o.graph != nil {
			cause = [...]string{"right", "segmentation", "misread", "path"}[diagnose(samples[i], o.graph)]
		}
		fmt.Fprintf(&list, "%s\t%s\t%s\t%s\t%.3g\t%s\n", name, o.truth, o.text, o.spacing, o.confidence, cause)
	}
	return atomicfile.Write(filepath.Join(dir, "failures.tsv"), func(w io.Writer) error {
		_, err := io.WriteString(w, list.String())
		return err
	})
}

// annotate draws the string, and under it a 3x grey copy with the reading's
// pieces tinted and the segments' edges marked.
func annotate(src image.Image, g *read.Graph) image.Image {
	const k = 3
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w*k, h+h*k+8))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(out, image.Rect(0, 0, w, h), src, b.Min, draw.Src)
	grey := func(x, y int) uint8 {
		r, gg, bb, _ := src.At(b.Min.X+x, b.Min.Y+y).RGBA()
		return uint8((299*r + 587*gg + 114*bb) / 1000 >> 8)
	}
	tints := []color.RGBA{{0, 0, 255, 255}, {255, 140, 0, 255}}
	pieceOf := func(x, y int) int {
		if g == nil {
			return -1
		}
		for i, p := range g.Path {
			if image.Pt(b.Min.X+x, b.Min.Y+y).In(g.Pieces[p].Box) {
				return i
			}
		}
		return -1
	}
	for y := range h {
		for x := range w {
			v := grey(x, y)
			c := color.RGBA{v, v, v, 255}
			if p := pieceOf(x, y); p >= 0 && v < 128 {
				t := tints[p%2]
				c = color.RGBA{t.R, t.G, t.B, 255}
			}
			for dy := range k {
				for dx := range k {
					out.SetRGBA(x*k+dx, h+4+y*k+dy, c)
				}
			}
		}
	}
	if g != nil {
		for _, s := range g.Segments {
			c := color.RGBA{0, 180, 0, 255}
			if s.Cut {
				c = color.RGBA{255, 0, 0, 255}
			}
			x := (s.Box.Min.X - b.Min.X) * k
			for y := h + 4; y < h+4+h*k; y += 2 {
				out.SetRGBA(x, y, c)
			}
		}
	}
	return out
}

// diagnosis sorts a reading's failure: whether the lattice held the true
// segmentation (a path of pieces each matching a true digit's box), and if
// so whether the network read each of those pieces right.
type diagnosis int

const (
	right        diagnosis = iota
	noSegmenting           // no path of pieces matches the true boxes
	misread                // one does, but the network reads one of its pieces wrong
	misrouted              // one does and is read right, but the path went elsewhere
)

// diagnose compares a wrong reading's graph with the truth.
func diagnose(s synth.Sample, g *read.Graph) diagnosis {
	n := len(g.Segments)
	// reach[node][k]: a path from node 0 to node of k pieces matching the
	// first k digits; how[node][k] is 1 if every piece on one such path
	// was read right.
	reach := make([][]int8, n+1) // -1 unreachable, 0 reachable, 1 reachable and read right
	for i := range reach {
		reach[i] = make([]int8, len(s.Text)+1)
		for k := range reach[i] {
			reach[i][k] = -1
		}
	}
	reach[0][0] = 1
	for node := 0; node < n; node++ {
		for k := 0; k < len(s.Text); k++ {
			if reach[node][k] < 0 {
				continue
			}
			for _, p := range g.Pieces {
				if p.From != node || !matches(p.Box, s.Boxes[k]) {
					continue
				}
				v := reach[node][k]
				if p.Digit != int(s.Text[k]-'0') {
					v = 0
				}
				reach[p.To][k+1] = max(reach[p.To][k+1], v)
			}
		}
	}
	switch reach[n][len(s.Text)] {
	case -1:
		return noSegmenting
	case 0:
		return misread
	}
	return misrouted
}

// matches reports whether a piece's box is close to a digit's true box:
// intersection over union at least 0.6.
func matches(p, t image.Rectangle) bool {
	in := p.Intersect(t)
	if in.Empty() {
		return false
	}
	a := float64(in.Dx() * in.Dy())
	u := float64(p.Dx()*p.Dy()+t.Dx()*t.Dy()) - a
	return a/u >= matchIoU
}

var matchIoU = 0.6
