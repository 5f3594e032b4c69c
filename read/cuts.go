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
// Where to cut: the paper (Section V-A) starts cuts at the local minima of
// the vertical projection and of the upper/lower contour distance; with
// touching digits those minima miss most of the boundaries, so every
// column is a start here. From a start column the cut is the path from the
// top row to the bottom row, moving at most one column per row within
// cutReach of the column, of least cost: the ink it crosses, cutSlopeCost
// per diagonal step and cutDevCost per row and pixel away from the start
// (dynamic programming). Touching digits overlap, and a straight vertical
// cut through the overlap would take a stroke from one of them; the path
// bends round the ink. Paths that give the same split of the ink are one
// cut. A cut is kept if no other within cutSpacing crosses less ink
// (non-maximum suppression); of those, the least ink first, up to the
// limit in rules.go.
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
	seen := map[string]bool{}
	consider := func(x0 int) {
		if x0 < margin || x0 > w-margin {
			return
		}
		xs, crossed := cheapestCut(ink, w, h, max(1, x0-reach), min(w-1, x0+reach), x0)
		// Paths that split the ink alike are one cut: the signature is
		// the count of the component's ink left of the path in every row.
		sig := make([]byte, 0, 2*h)
		mean := 0.0
		for y, x := range xs {
			n := 0
			for i := range x {
				if ink[y*w+i] > 0 {
					n++
				}
			}
			sig = append(sig, byte(n), byte(n>>8))
			mean += float64(x)
		}
		mean /= float64(h)
		if seen[string(sig)] || mean < float64(margin) || mean > float64(w-margin) {
			return
		}
		seen[string(sig)] = true
		for i := range xs {
			xs[i] += c.box.Min.X
		}
		cands = append(cands, cut{comp: k, xs: xs, mean: mean + float64(c.box.Min.X), score: crossed / float64(h)})
	}
	for x := range w {
		consider(x)
	}
	// Keep the cuts that are best within cutSpacing of their mean column
	// (non-maximum suppression), then the best of those up to the limit.
	var local []cut
	for _, cand := range cands {
		if !slices.ContainsFunc(cands, func(o cut) bool {
			return math.Abs(o.mean-cand.mean) < spacing && (o.score < cand.score || o.score == cand.score && o.mean < cand.mean)
		}) {
			local = append(local, cand)
		}
	}
	slices.SortStableFunc(local, func(a, b cut) int { return cmp.Or(cmp.Compare(a.score, b.score), cmp.Compare(a.mean, b.mean)) })
	limit := min(maxCutsPerComponent, max(1, int(float64(w)/(cutsPerHeight*float64(h)))))
	kept := local[:min(len(local), limit)]
	return kept
}

// cheapestCut returns the path from row 0 to row h-1 of a w x h ink grid,
// one column per row within [lo, hi], each step to the same column or a
// neighbour, that crosses the least ink, and that ink. The column of a
// path is the first column of the right-hand side, so the ink of the
// pixel at it counts as crossed.
func cheapestCut(ink []float64, w, h, lo, hi, x0 int) ([]int, float64) {
	n := hi - lo + 1
	cost := make([]float64, h*n)
	from := make([]int8, h*n)
	dev := make([]float64, n)
	for i := range n {
		dev[i] = cutDevCost * math.Abs(float64(lo+i-x0))
		cost[i] = ink[lo+i] + dev[i]
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
			cost[y*n+i] = best + ink[y*w+lo+i] + dev[i]
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
