package read

import (
	"cmp"
	"image"
	"math"
	"slices"
)

// component is a group of 8-connected ink components that the reader
// takes as one shape: one raw component, or several merged by the rules
// of groupComponents.
type component struct {
	box  image.Rectangle // working pixels
	mass float64         // sum of the ink levels
}

// shapes is the result of the component analysis of an ink map.
type shapes struct {
	// label holds, for every working pixel that is ink, its raw
	// component; -1 elsewhere.
	label []int32
	// owner maps a raw component to its index in comps, or -1 if it was
	// dropped.
	owner []int32
	comps []component
	// refHeight is the line's reference height in working pixels: the
	// median height of the biggest components.
	refHeight float64
}

// rawComponent is one 8-connected component of ink.
type rawComponent struct {
	box  image.Rectangle
	mass float64
}

// label finds the 8-connected components of m.on, with an explicit queue
// (no recursion, memory linear in the pixels).
func label(m *inkMap) ([]int32, []rawComponent) {
	lab := make([]int32, len(m.on))
	for i := range lab {
		lab[i] = -1
	}
	var raws []rawComponent
	var queue []int32
	for start, on := range m.on {
		if !on || lab[start] >= 0 {
			continue
		}
		id := int32(len(raws))
		rc := rawComponent{box: image.Rectangle{Min: image.Pt(m.w, m.h)}}
		lab[start] = id
		queue = append(queue[:0], int32(start))
		for len(queue) > 0 {
			p := int(queue[len(queue)-1])
			queue = queue[:len(queue)-1]
			x, y := p%m.w, p/m.w
			rc.box = rc.box.Union(image.Rect(x, y, x+1, y+1))
			rc.mass += float64(m.v[p])
			for ny := max(0, y-1); ny <= min(m.h-1, y+1); ny++ {
				for nx := max(0, x-1); nx <= min(m.w-1, x+1); nx++ {
					q := ny*m.w + nx
					if m.on[q] && lab[q] < 0 {
						lab[q] = id
						queue = append(queue, int32(q))
					}
				}
			}
		}
		raws = append(raws, rc)
	}
	return lab, raws
}

// findShapes labels the ink and groups it: the maxComponents biggest
// components by ink are kept, specks dropped or joined to a neighbour,
// strongly overlapping components merged. It returns nil when nothing is
// left.
func findShapes(m *inkMap) *shapes {
	lab, raws := label(m)
	if len(raws) == 0 {
		return nil
	}
	order := make([]int, len(raws))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(raws[b].mass, raws[a].mass) })
	order = order[:min(len(order), maxComponents)]

	ref := refHeight(raws, order)
	// Each kept raw component starts as its own group; parent is a
	// union-find forest over raw indices.
	parent := make([]int, len(raws))
	for i := range parent {
		parent[i] = -2 // dropped
	}
	for _, i := range order {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	isSpeck := func(b image.Rectangle) bool {
		return float64(b.Dx()) < speckSize*ref && float64(b.Dy()) < speckSize*ref
	}
	var big []int
	for _, i := range order {
		if !isSpeck(raws[i].box) {
			big = append(big, i)
		}
	}
	for _, i := range order {
		if !isSpeck(raws[i].box) {
			continue
		}
		nearest, gap := -1, speckReach*ref
		for _, j := range big {
			if g := boxGap(raws[i].box, raws[j].box); g <= gap {
				nearest, gap = j, g
			}
		}
		if nearest < 0 {
			parent[i] = -2
		} else {
			parent[i] = nearest
		}
	}
	// Merge groups whose boxes overlap strongly in x, until none do.
	boxes := map[int]image.Rectangle{}
	for _, i := range order {
		if parent[i] >= 0 {
			r := find(i)
			boxes[r] = boxes[r].Union(raws[i].box)
		}
	}
	for merged := true; merged; {
		merged = false
		roots := make([]int, 0, len(boxes))
		for r := range boxes {
			roots = append(roots, r)
		}
		slices.Sort(roots)
	pairs:
		for a, ra := range roots {
			for _, rb := range roots[a+1:] {
				if shouldMerge(boxes[ra], boxes[rb], ref) {
					parent[rb] = ra
					boxes[ra] = boxes[ra].Union(boxes[rb])
					delete(boxes, rb)
					merged = true
					break pairs
				}
			}
		}
	}

	s := &shapes{label: lab, owner: make([]int32, len(raws)), refHeight: ref}
	index := map[int]int32{}
	for i := range raws {
		s.owner[i] = -1
		if parent[i] < 0 {
			continue
		}
		r := find(i)
		k, ok := index[r]
		if !ok {
			k = int32(len(s.comps))
			index[r] = k
			s.comps = append(s.comps, component{box: boxes[r]})
		}
		s.owner[i] = k
		s.comps[k].mass += raws[i].mass
	}
	s.refHeight = s.clusterRef(m)
	return s
}

// clusterRef returns the line's reference height, corrected for a line
// of touching digits. When some component is wider than
// touchingRefWidth times both its own height and the reference height,
// it is digits run together, and its height, the span from the highest
// digit's top to the lowest one's bottom, overstates a digit's by a
// quarter (the benchmark's touching lines); the reference height is then
// the median, over the line's inked columns, of the ink's height in a
// band touchingRefWindow reference heights wide centred on the column:
// about one digit's.
func (s *shapes) clusterRef(m *inkMap) float64 {
	ref := s.refHeight
	ink, wide := image.Rectangle{}, false
	for _, c := range s.comps {
		ink = ink.Union(c.box)
		w := float64(c.box.Dx())
		wide = wide || w > touchingRefWidth*float64(c.box.Dy()) && w > touchingRefWidth*ref
	}
	if !wide {
		return ref
	}
	// Each column's highest and lowest ink, then the extent of the ink
	// in a band of columns round each inked column.
	top, bottom := make([]int, ink.Dx()), make([]int, ink.Dx())
	for i := range top {
		top[i], bottom[i] = math.MaxInt, math.MinInt
	}
	for y := ink.Min.Y; y < ink.Max.Y; y++ {
		for x := ink.Min.X; x < ink.Max.X; x++ {
			if s.ownedInk(m, x, y) {
				i := x - ink.Min.X
				top[i], bottom[i] = min(top[i], y), max(bottom[i], y)
			}
		}
	}
	half := int(touchingRefWindow * ref / 2)
	var hs []int
	for i := range top {
		t, b := math.MaxInt, math.MinInt
		for j := max(0, i-half); j <= min(len(top)-1, i+half); j++ {
			t, b = min(t, top[j]), max(b, bottom[j])
		}
		if t <= b {
			hs = append(hs, b-t+1)
		}
	}
	if len(hs) == 0 {
		return ref
	}
	slices.Sort(hs)
	return float64(hs[(len(hs)-1)/2])
}

// refHeight is the median height of the components, among those of order,
// with at least refMassFraction of the biggest one's ink.
func refHeight(raws []rawComponent, order []int) float64 {
	var hs []int
	for _, i := range order {
		if raws[i].mass >= refMassFraction*raws[order[0]].mass {
			hs = append(hs, raws[i].box.Dy())
		}
	}
	slices.Sort(hs)
	return float64(hs[len(hs)/2])
}

// boxGap is the distance between two boxes along the axis where they are
// farther apart; 0 when they overlap.
func boxGap(a, b image.Rectangle) float64 {
	dx := max(0, max(a.Min.X, b.Min.X)-min(a.Max.X, b.Max.X))
	dy := max(0, max(a.Min.Y, b.Min.Y)-min(a.Max.Y, b.Max.Y))
	return float64(max(dx, dy))
}

// shouldMerge says whether two groups are one shape: their boxes overlap
// horizontally by mergeOverlap of the narrower width and are at most
// mergeGap x ref apart vertically.
func shouldMerge(a, b image.Rectangle, ref float64) bool {
	overlap := min(a.Max.X, b.Max.X) - max(a.Min.X, b.Min.X)
	narrow := min(a.Dx(), b.Dx())
	vgap := max(0, max(a.Min.Y, b.Min.Y)-min(a.Max.Y, b.Max.Y))
	return float64(overlap) >= mergeOverlap*float64(narrow) && float64(vgap) <= mergeGap*ref
}
