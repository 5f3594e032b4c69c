package f32

import (
	"fmt"
	"slices"
)

// Rows are the offsets of the rows BiasAxpyAt and MultiDotAt read, made
// once by NewRows: it keeps its own copy and checks that none is
// negative, so that a call checks its rows in O(1), by the largest.
type Rows struct {
	offs []int
	last int // the largest offset
}

// NewRows returns the rows at offs; it panics if an offset is negative.
func NewRows(offs []int) Rows {
	r := Rows{offs: slices.Clone(offs)}
	for _, o := range offs {
		if o < 0 {
			panic(fmt.Sprintf("f32.NewRows: negative offset %d", o))
		}
		r.last = max(r.last, o)
	}
	return r
}

// Len returns the number of rows.
func (r Rows) Len() int { return len(r.offs) }

// At returns the offset of row k.
func (r Rows) At(k int) int { return r.offs[k] }

// first returns the first count offsets, after checking that r has them
// and that a row of n values at any of r's offsets lies within have.
func (r Rows) first(kernel string, count, n, have int) []int {
	mustFit(kernel, "rows", len(r.offs), count)
	if count > 0 && r.last > have-n {
		panic(fmt.Sprintf("f32.%s: a row of %d at offset %d does not fit in %d values", kernel, n, r.last, have))
	}
	return r.offs[:count]
}

// BiasAxpyAt sets y to bias plus the rows of b weighted by a (the forward
// pass of a convolution, one output map of one sample):
//
//	y[j] = bias + sum over k of a[k] * b[rows.At(k)+j]
//
// rows needs len(a) rows, and every row of rows must lie within b.
func BiasAxpyAt(bias float32, a, b []float32, rows Rows, y []float32) {
	impl().biasAxpyAt(bias, a, b, rows.first("BiasAxpyAt", len(a), len(y), len(b)), y)
}

// MultiDotAt adds to out[k] the dot product of g and row k of b (the
// weight gradient of a convolution, one map of one sample):
//
//	out[k] += sum over j of g[j] * b[rows.At(k)+j]
//
// rows needs len(out) rows, and every row of rows must lie within b.
func MultiDotAt(g, b []float32, rows Rows, out []float32) {
	impl().multiDotAt(g, b, rows.first("MultiDotAt", len(out), len(g), len(b)), out)
}

// BlockSumsAffine writes k times the 2x2 block sums of one map x (h rows
// of w values, both even) plus c into s (h/2 rows of w/2): the forward
// pass of sub-sampling.
//
//	s[r*w/2+j] = k*(x[2r][2j] + x[2r][2j+1] + x[2r+1][2j] + x[2r+1][2j+1]) + c
func BlockSumsAffine(x, s []float32, h, w int, k, c float32) {
	if h < 0 || w < 0 || h%2 != 0 || w%2 != 0 {
		panic(fmt.Sprintf("f32.BlockSumsAffine: a %dx%d map has no 2x2 blocks", h, w))
	}
	mustFit("BlockSumsAffine", "x", len(x), h*w)
	mustFit("BlockSumsAffine", "s", len(s), h*w/4)
	impl().blockSumsAffine(x[:h*w], s[:h*w/4], h, w, k, c)
}
