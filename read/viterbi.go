package read

import (
	"fmt"
	"math"
)

// arc is a piece read as one digit: it leads from node from to node to of
// the lattice (the boundaries between segments) at the given cost.
type arc struct {
	from, to int
	digit    int
	cost     float64
}

// bestPath returns the indices, in arcs, of the cheapest path from node 0
// to node n, and its cost. A path's cost is the sum of its arcs' costs
// plus nodeCost[i] for every node i it passes through (0 < i < n;
// nodeCost may be nil). With length > 0 the path must have exactly length
// arcs: the dynamic programme runs over (node, arcs so far), in
// O(len(arcs) x length) time; without it over nodes alone. Ties go to the
// arc listed first. It returns ErrLength when no path of that length
// exists and an error when no path exists at all.
func bestPath(n int, arcs []arc, nodeCost []float64, length int) ([]int, float64, error) {
	slots := 1
	if length > 0 {
		slots = length + 1
	}
	best := make([]float64, (n+1)*slots)
	via := make([]int, (n+1)*slots)
	for i := range best {
		best[i], via[i] = math.Inf(1), -1
	}
	best[0] = 0
	// Arcs into each node, so nodes are settled left to right.
	into := make([][]int, n+1)
	for k, a := range arcs {
		if a.from < 0 || a.to > n || a.from >= a.to {
			return nil, 0, fmt.Errorf("read: %w: arc %d from node %d to %d in a lattice of %d nodes", errBadArc, k, a.from, a.to, n+1)
		}
		into[a.to] = append(into[a.to], k)
	}
	for t := 1; t <= n; t++ {
		for _, k := range into[t] {
			a := arcs[k]
			enter := a.cost
			if a.from > 0 && nodeCost != nil {
				enter += nodeCost[a.from]
			}
			for c := range slots {
				prev := c
				if length > 0 {
					if c == 0 {
						continue
					}
					prev = c - 1
				}
				if v := best[a.from*slots+prev] + enter; v < best[t*slots+c] {
					best[t*slots+c], via[t*slots+c] = v, k
				}
			}
		}
	}
	end := n*slots + slots - 1
	if length == 0 {
		end = n * slots
	}
	if math.IsInf(best[end], 1) {
		if length > 0 {
			return nil, 0, fmt.Errorf("read: %w: %d digits asked, and the line has %d segments", ErrLength, length, n)
		}
		return nil, 0, fmt.Errorf("read: %w through the lattice of %d segments", errNoPath, n)
	}
	var path []int
	for node, c := n, slots-1; node > 0; {
		if length == 0 {
			c = 0
		}
		k := via[node*slots+c]
		path = append(path, k)
		node = arcs[k].from
		if length > 0 {
			c--
		}
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path, best[end], nil
}

// pieceCost maps a piece's cost from the scorer (an RBF distance, or
// -log P for a softmax head) to its cost on the path: log(1 + c/costTau),
// which keeps the order of good pieces and stops one badly recognised
// digit from outweighing everything else on the path (see rules.go).
func pieceCost(c float64) float64 {
	return math.Log1p(c / costTau)
}

// noneTerm is -ln(1 - P(none)), the cost of taking a piece for a digit at
// all, capped where P(none) reaches 1 - 1e-12 (scores from a custom
// Scorer may say 1).
func noneTerm(none float64) float64 {
	return -math.Log(max(1-none, 1e-12))
}
