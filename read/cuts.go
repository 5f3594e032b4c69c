package read

import (
	"cmp"
	"math"
	"slices"
)

// cut is a cut through a component from its top row to its bottom row:
// in row top+i, the pixels left of column xs[i] go to the left-hand piece.
type cut struct {
	comp  int
	xs    []int   // one column per row of the component's box
	mean  float64 // the mean of xs
	score float64 // ink crossed / component height: smaller is a better cut
}

// cutsOf returns the best cuts through component k, in no order. A
// component gets cuts when it is wider than cutAspect times its height or
// than cutWidth x ref: it may hold several touching digits.
//
// Where to cut follows the paper (Section V-A): the local minima of the
// vertical projection (ink pixels per column) and of the distance between
// the upper and the lower contour (the column's first and last ink pixel).
// From each such column the cut is the path from the top row to the bottom
// row, moving at most one column per row and staying within cutReach of
// the column, that crosses the least ink (dynamic programming; a diagonal
// step costs cutSlopeCost more): touching digits overlap, and a straight
// vertical cut through the overlap would take a stroke from one of them.
// The cuts are ranked by the ink they cross and kept best first (see
// rules.go for their spacing and number).
//
// With eager set, every component wider than eagerCutWidth x ref gets
// cuts.
func cutsOf(m *inkMap, s *shapes, k int, eager bool) []cut {
	c := &s.comps[k]
	w, h := c.box.Dx(), c.box.Dy()
	wide := float64(w) > cutAspect*float64(h) || float64(w) > cutWidth*s.refHeight
	if !wide && !(eager && float64(w) > eagerCutWidth*s.refHeight) {
		return nil
	}
	dist := make([]int, w)
	for x := range w {
		if c.bottom[x] >= c.top[x] {
			dist[x] = c.bottom[x] - c.top[x] + 1
		}
	}
	// The component's own ink, box-relative.
	ink := make([]float64, w*h)
	for y := range h {
		for x := range w {
			q := (c.box.Min.Y+y)*m.w + c.box.Min.X + x
			if l := s.label[q]; l >= 0 && s.owner[l] == int32(k) {
				ink[y*w+x] = float64(m.v[q])
			}
		}
	}
	margin := max(2, int(cutMargin*float64(h)+0.5))
	spacing := max(2, cutSpacing*float64(h))
	reach := max(2, int(cutReach*float64(h)+0.5))
	var cands []cut
	seen := map[int]bool{}
	for _, f := range [][]int{c.count, dist} {
		for _, x := range localMinima(f) {
			if x < margin || x > w-margin || seen[x] {
				continue
			}
			seen[x] = true
			xs, crossed := cheapestCut(ink, w, h, max(1, x-reach), min(w-1, x+reach))
			mean := 0.0
			for i := range xs {
				mean += float64(xs[i])
				xs[i] += c.box.Min.X
			}
			mean /= float64(h)
			if mean < float64(margin) || mean > float64(w-margin) {
				continue
			}
			cands = append(cands, cut{comp: k, xs: xs, mean: mean + float64(c.box.Min.X), score: crossed / float64(h)})
		}
	}
	slices.SortStableFunc(cands, func(a, b cut) int { return cmp.Or(cmp.Compare(a.score, b.score), cmp.Compare(a.mean, b.mean)) })
	limit := min(maxCutsPerComponent, max(1, int(float64(w)/(cutsPerHeight*float64(h)))))
	var kept []cut
	for _, cand := range cands {
		if len(kept) == limit {
			break
		}
		if !slices.ContainsFunc(kept, func(o cut) bool { return math.Abs(o.mean-cand.mean) < spacing }) {
			kept = append(kept, cand)
		}
	}
	return kept
}

// cheapestCut returns the path from row 0 to row h-1 of a w x h ink grid,
// one column per row within [lo, hi], each step to the same column or a
// neighbour, that crosses the least ink, and that ink. The column of a
// path is the first column of the right-hand side, so the ink of the
// pixel at it counts as crossed.
func cheapestCut(ink []float64, w, h, lo, hi int) ([]int, float64) {
	n := hi - lo + 1
	cost := make([]float64, h*n)
	from := make([]int8, h*n)
	for i := range n {
		cost[i] = ink[lo+i]
	}
	for y := 1; y < h; y++ {
		for i := range n {
			best, step := cost[(y-1)*n+i], int8(0)
			if i > 0 && cost[(y-1)*n+i-1]+cutSlopeCost < best {
				best, step = cost[(y-1)*n+i-1]+cutSlopeCost, -1
			}
			if i+1 < n && cost[(y-1)*n+i+1]+cutSlopeCost < best {
				best, step = cost[(y-1)*n+i+1]+cutSlopeCost, 1
			}
			cost[y*n+i] = best + ink[y*w+lo+i]
			from[y*n+i] = step
		}
	}
	end := 0
	for i := range n {
		if cost[(h-1)*n+i] < cost[(h-1)*n+end] {
			end = i
		}
	}
	total := cost[(h-1)*n+end]
	xs := make([]int, h)
	for y, i := h-1, end; y >= 0; y-- {
		xs[y] = lo + i
		i += int(from[y*n+i])
	}
	return xs, total
}

// localMinima returns the centres of the runs of f lower than both their
// neighbours (the ends of f count as higher).
func localMinima(f []int) []int {
	var out []int
	for x := 0; x < len(f); {
		end := x + 1
		for end < len(f) && f[end] == f[x] {
			end++
		}
		if (x == 0 || f[x-1] > f[x]) && (end == len(f) || f[end] > f[x]) {
			out = append(out, (x+end-1)/2)
		}
		x = end
	}
	return out
}
