package f32

import "fmt"

// BiasAxpyAt sets y to bias plus the rows of b weighted by a, each row
// given by its offset in b (the forward pass of a convolution, one output
// map of one sample):
//
//	y[j] = bias + sum over k of a[k] * b[offs[k]+j]
//
// offs needs len(a) offsets, each row within b.
func BiasAxpyAt(bias float32, a, b []float32, offs []int, y []float32) {
	mustFit("BiasAxpyAt", "offs", len(offs), len(a))
	offs = offs[:len(a)]
	checkRows("BiasAxpyAt", offs, len(y), len(b))
	impl().biasAxpyAt(bias, a, b, offs, y)
}

// MultiDotAt adds to out[k] the dot product of g and the row of b at
// offs[k] (the weight gradient of a convolution, one map of one sample):
//
//	out[k] += sum over j of g[j] * b[offs[k]+j]
//
// offs needs len(out) offsets, each row within b.
func MultiDotAt(g, b []float32, offs []int, out []float32) {
	mustFit("MultiDotAt", "offs", len(offs), len(out))
	offs = offs[:len(out)]
	checkRows("MultiDotAt", offs, len(g), len(b))
	impl().multiDotAt(g, b, offs, out)
}

// checkRows panics unless every row [o, o+n) lies within [0, have).
func checkRows(kernel string, offs []int, n, have int) {
	for _, o := range offs {
		if o < 0 || o > have-n {
			panic(fmt.Sprintf("f32.%s: a row of %d at offset %d does not fit in %d values", kernel, n, o, have))
		}
	}
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
