package read

import (
	"cmp"
	"image"
	"slices"

	"github.com/lenet5-go/lenet5/data"
)

// segment is a slice of one component between two consecutive cuts (or
// the whole component): the ink of component comp that lies, in each row
// top+i of the component's box, in columns [left[i], right[i]); a nil
// bound is the component's side.
type segment struct {
	comp        int
	top         int
	left, right []int
	box         image.Rectangle // the ink's bounding box, working pixels
	cut         bool            // its left edge is a cut, the previous segment the same component's
}

// holds reports whether working pixel (x, y) of the segment's component
// lies within the segment's bounds.
func (sg *segment) holds(x, y int) bool {
	i := y - sg.top
	return (sg.left == nil || x >= sg.left[i]) && (sg.right == nil || x < sg.right[i])
}

// piece is a run of consecutive segments [from, to) scored as one digit.
type piece struct {
	from, to int
	box      image.Rectangle
	// prior is the shape's cost, added to the scorer's (see shapeCost).
	prior float64
}

// lattice is the segmentation graph of a line: its nodes are the
// boundaries 0..len(segs) between consecutive segments, its arcs the
// pieces.
type lattice struct {
	segs   []segment
	pieces []piece
}

// newLattice cuts the components of s (eagerly: see cutsOf), orders the
// segments from left to right and lists the pieces: runs of 1..span
// consecutive segments at most maxPieceWidth wide, and every whole
// component.
func newLattice(m *inkMap, s *shapes, span int, eager bool) *lattice {
	var cuts []cut
	for k := range s.comps {
		cuts = append(cuts, cutsOf(m, s, k, eager)...)
	}
	// Keep the line within maxSegments: the weakest cuts go first.
	slices.SortStableFunc(cuts, func(a, b cut) int { return cmp.Compare(a.score, b.score) })
	cuts = cuts[:max(0, min(len(cuts), maxSegments-len(s.comps)))]
	byComp := make([][]cut, len(s.comps))
	for _, c := range cuts {
		byComp[c.comp] = append(byComp[c.comp], c)
	}
	l := &lattice{}
	for k := range s.comps {
		cs := byComp[k]
		slices.SortFunc(cs, func(a, b cut) int { return cmp.Compare(a.mean, b.mean) })
		// Cuts must not cross: each keeps right of the one before it.
		for i := 1; i < len(cs); i++ {
			for y := range cs[i].xs {
				cs[i].xs[y] = max(cs[i].xs[y], cs[i-1].xs[y])
			}
		}
		var left []int
		cut := false
		for i := 0; i <= len(cs); i++ {
			var right []int
			if i < len(cs) {
				right = cs[i].xs
			}
			seg := segment{comp: k, top: s.comps[k].box.Min.Y, left: left, right: right, cut: cut}
			if box, ok := seg.inkBox(m, s); ok {
				seg.box = box
				l.segs = append(l.segs, seg)
				cut = true
			}
			left = right
		}
	}
	slices.SortStableFunc(l.segs, func(a, b segment) int {
		return cmp.Compare(a.box.Min.X+a.box.Max.X, b.box.Min.X+b.box.Max.X)
	})
	for i := range l.segs {
		if l.segs[i].cut && (i == 0 || l.segs[i-1].comp != l.segs[i].comp) {
			l.segs[i].cut = false
		}
	}
	for from := range l.segs {
		box := image.Rectangle{}
		whole := true // segments from..to-1 are all of one component
		for to := from + 1; to <= len(l.segs); to++ {
			box = box.Union(l.segs[to-1].box)
			whole = whole && l.segs[to-1].comp == l.segs[from].comp
			entire := whole && (from == 0 || l.segs[from-1].comp != l.segs[from].comp) &&
				(to == len(l.segs) || l.segs[to].comp != l.segs[from].comp)
			narrow := float64(box.Dx()) <= maxPieceWidth*s.refHeight
			if entire || (to-from <= span && (to-from == 1 || narrow)) {
				prior := shapeCost(box, s.refHeight)
				if hasGap(l.segs[from:to]) {
					prior += gapCost
				}
				l.pieces = append(l.pieces, piece{from: from, to: to, box: box, prior: prior})
			}
			if !narrow && !whole || !whole && to-from >= span {
				break
			}
		}
	}
	return l
}

// shapeCost is the prior cost of a piece's shape, with ref the line's
// reference height: a digit is about ref tall and at most about ref wide,
// so a piece much shorter (a fragment of a cut digit) or much wider (two
// digits) pays in proportion.
func shapeCost(box image.Rectangle, ref float64) float64 {
	h, w := float64(box.Dy())/ref, float64(box.Dx())/ref
	return shortCost*max(0, shortHeight-h) + wideCost*max(0, w-wideWidth)
}

// hasGap reports whether a piece has empty columns inside: columns of its
// box that no segment's box covers. A digit's strokes overlap in x or
// touch even when they are not connected (a 5's flag, a 4 in two
// strokes); a gap between them is most often the space between two
// digits.
func hasGap(segs []segment) bool {
	if len(segs) < 2 {
		return false
	}
	xs := make([][2]int, len(segs))
	for i, sg := range segs {
		xs[i] = [2]int{sg.box.Min.X, sg.box.Max.X}
	}
	slices.SortFunc(xs, func(a, b [2]int) int { return cmp.Compare(a[0], b[0]) })
	right := xs[0][1]
	for _, x := range xs[1:] {
		if x[0] > right {
			return true
		}
		right = max(right, x[1])
	}
	return false
}

// inkBox returns the bounding box of the segment's ink, and false if it
// has none.
func (sg *segment) inkBox(m *inkMap, s *shapes) (image.Rectangle, bool) {
	cb := s.comps[sg.comp].box
	box, found := image.Rectangle{}, false
	for y := cb.Min.Y; y < cb.Max.Y; y++ {
		for x := cb.Min.X; x < cb.Max.X; x++ {
			l := s.label[y*m.w+x]
			if l < 0 || s.owner[l] != int32(sg.comp) || !sg.holds(x, y) {
				continue
			}
			r := image.Rect(x, y, x+1, y+1)
			if !found {
				box, found = r, true
			} else {
				box = box.Union(r)
			}
		}
	}
	return box, found
}

// render draws piece p's ink alone (its segments' pixels, plus the
// fainter, unthresholded pixels touching them: the anti-aliased edges) on
// a black field with pieceMargin pixels of background around it, ink
// bright, and makes it an MNIST-like digit with data.NormalizeDigit.
func (l *lattice) render(p piece, m *inkMap, s *shapes) ([]uint8, error) {
	area := p.box.Inset(-(pieceMargin + 1))
	crop := image.NewGray(image.Rect(0, 0, area.Dx(), area.Dy()))
	member := make([]bool, area.Dx()*area.Dy())
	segs := l.segs[p.from:p.to]
	mine := func(q int) bool {
		lab := s.label[q]
		if lab < 0 || s.owner[lab] < 0 {
			return false
		}
		k, x, y := int(s.owner[lab]), q%m.w, q/m.w
		for i := range segs {
			if segs[i].comp == k && segs[i].holds(x, y) {
				return true
			}
		}
		return false
	}
	inner := p.box.Intersect(image.Rect(0, 0, m.w, m.h))
	for y := inner.Min.Y; y < inner.Max.Y; y++ {
		for x := inner.Min.X; x < inner.Max.X; x++ {
			q := y*m.w + x
			if mine(q) {
				i := (y-area.Min.Y)*area.Dx() + x - area.Min.X
				member[i] = true
				crop.Pix[i] = uint8(m.v[q]*255 + 0.5)
			}
		}
	}
	// The faint ink (below inkLevel, no component's): inside the piece's
	// box, and on the ring around it next to a member (anti-aliased edges).
	halo := p.box.Inset(-1).Intersect(image.Rect(0, 0, m.w, m.h))
	for y := halo.Min.Y; y < halo.Max.Y; y++ {
		for x := halo.Min.X; x < halo.Max.X; x++ {
			q := y*m.w + x
			if s.label[q] >= 0 || m.v[q] == 0 {
				continue
			}
			i := (y-area.Min.Y)*area.Dx() + x - area.Min.X
			if image.Pt(x, y).In(p.box) || hasMemberNeighbour(member, area.Dx(), area.Dy(), x-area.Min.X, y-area.Min.Y) {
				crop.Pix[i] = uint8(m.v[q]*255 + 0.5)
			}
		}
	}
	return data.NormalizeDigit(crop, "piece")
}

// hasMemberNeighbour reports whether one of the 8 neighbours of (x, y) in
// a w x h mask is set.
func hasMemberNeighbour(member []bool, w, h, x, y int) bool {
	for ny := max(0, y-1); ny <= min(h-1, y+1); ny++ {
		for nx := max(0, x-1); nx <= min(w-1, x+1); nx++ {
			if member[ny*w+nx] {
				return true
			}
		}
	}
	return false
}
