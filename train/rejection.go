package train

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Rejection is the paper's rejection performance (LeCun et al. 1998,
// Fig. 10): how the error on the accepted images falls as the least
// confident answers are rejected. Confidence is the margin between the
// best and second-best scores (graph.Margins); an image is rejected when
// its margin is below a threshold, so images with equal margins are
// rejected together. The error is the share of the accepted images that
// are misclassified (docs/spec.md §13).
type Rejection struct {
	// margins of all images, ascending.
	margins []float64
	// wrongAbove[k] counts the misclassified images among margins[k:].
	wrongAbove []int
}

// RejectionPoint is one point of the curve: the fraction of the images
// rejected and the error rate on the rest.
type RejectionPoint struct {
	Rejected float64 `json:"rejected"`
	Error    float64 `json:"error"`
}

// NewRejection prepares the curve of images with the given margins and
// correctness (predicted digit equals label), in the same order.
func NewRejection(margins []float64, correct []bool) (*Rejection, error) {
	if len(margins) != len(correct) {
		return nil, errors.New("train: rejection needs one margin per image")
	}
	if len(margins) == 0 {
		return nil, errors.New("train: rejection needs at least one image")
	}
	order := make([]int, len(margins))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(margins[a], margins[b]) })
	r := &Rejection{margins: make([]float64, len(order)), wrongAbove: make([]int, len(order)+1)}
	for k, i := range order {
		r.margins[k] = margins[i]
	}
	for k := len(order) - 1; k >= 0; k-- {
		r.wrongAbove[k] = r.wrongAbove[k+1]
		if !correct[order[k]] {
			r.wrongAbove[k]++
		}
	}
	return r, nil
}

// cut reports whether rejecting the k least confident images is possible
// with a threshold: no image beyond them has the same margin.
func (r *Rejection) cut(k int) bool {
	return k == 0 || k == len(r.margins) || r.margins[k-1] < r.margins[k]
}

// point is the curve with the k least confident images rejected.
func (r *Rejection) point(k int) RejectionPoint {
	n := len(r.margins)
	p := RejectionPoint{Rejected: float64(k) / float64(n)}
	if k < n {
		p.Error = float64(r.wrongAbove[k]) / float64(n-k)
	}
	return p
}

// threshold is the margin below which the k least confident images fall.
func (r *Rejection) threshold(k int) float64 {
	if k == len(r.margins) {
		return math.Nextafter(r.margins[k-1], math.Inf(1))
	}
	return r.margins[k]
}

// RejectFor returns the smallest fraction of the images that must be
// rejected for the error on the rest to be at most target, and the
// threshold that does it: reject an image when its margin is below
// threshold. Rejecting everything always reaches the target (no error is
// left), so there is always an answer. A target below 0 (or NaN) is a
// caller's mistake, and panics saying so.
func (r *Rejection) RejectFor(target float64) (fraction, threshold float64) {
	if !(target >= 0) {
		panic(fmt.Sprintf("train: Rejection.RejectFor(%v): the target error must be at least 0", target))
	}
	for k := range len(r.margins) + 1 {
		if r.cut(k) && r.point(k).Error <= target {
			return r.point(k).Rejected, r.threshold(k)
		}
	}
	panic("unreachable: rejecting every image leaves no error")
}

// ErrorAt returns the error on the images left when those with a margin
// below threshold are rejected (0 when none is left).
func (r *Rejection) ErrorAt(threshold float64) float64 {
	k, _ := slices.BinarySearch(r.margins, threshold)
	return r.point(k).Error
}

// Curve returns the curve at rejected fractions 0, step, 2 step, ... up
// to max: at each, the largest possible rejection not above it, so a
// point's Rejected may be below the grid value when margins tie. A step
// that is not positive (which would never reach max) panics.
func (r *Rejection) Curve(step, max float64) []RejectionPoint {
	if !(step > 0) {
		panic(fmt.Sprintf("train: Rejection.Curve(%v, %v): the step must be positive", step, max))
	}
	n := len(r.margins)
	var pts []RejectionPoint
	for i := 0; float64(i)*step <= max+1e-12; i++ {
		k := min(int(float64(i)*step*float64(n)+1e-9), n)
		for !r.cut(k) {
			k--
		}
		if p := r.point(k); len(pts) == 0 || pts[len(pts)-1] != p {
			pts = append(pts, p)
		}
	}
	return pts
}
