package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"github.com/lenet5-go/lenet5/internal/f32"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The trainable 2x2 sub-sampling of S2 and S4 (paper, section II-B): each
// map's non-overlapping 2x2 blocks are summed (not averaged), multiplied
// by the map's coefficient and shifted by its bias.
//
//	y[n,c,r,s] = coef[c] (x[n,c,2r,2s] + x[n,c,2r,2s+1] + x[n,c,2r+1,2s] + x[n,c,2r+1,2s+1]) + b[c]
//
// Shapes: x (N, C, H, W) with H and W even; coef, b (C); y (N, C, H/2, W/2).

// blockSums writes the 2x2 block sums of one map x (h, w) into s (h/2, w/2).
func blockSums[T float](x, s []T, h, w int) { blockSumsAffine(x, s, h, w, 1, 0) }

// blockSumsAffine writes k times the 2x2 block sums of one map x (h, w),
// plus c, into s (h/2, w/2).
func blockSumsAffine[T float](x, s []T, h, w int, k, c T) {
	if x32, ok := any(x).([]float32); ok {
		f32.BlockSumsAffine(x32, any(s).([]float32), h, w, float32(k), float32(c))
		return
	}
	blockSumsAffineScalar(x, s, h, w, k, c)
}

// blockSumsAffineScalar is blockSumsAffine one value at a time.
func blockSumsAffineScalar[T float](x, s []T, h, w int, k, c T) {
	ow := w / 2
	for r := range h / 2 {
		top, bottom := x[2*r*w:(2*r+1)*w], x[(2*r+1)*w:(2*r+2)*w]
		row := s[r*ow : (r+1)*ow]
		for j := range row {
			row[j] = k*(top[2*j]+top[2*j+1]+bottom[2*j]+bottom[2*j+1]) + c
		}
	}
}

// inputMap is the input map (of all samples') that output map m of c
// reads when each input map feeds copies output maps in a row.
func inputMap(m, c, copies int) int {
	if copies == 1 {
		return m
	}
	n, ch := m/c, m%c
	return n*(c/copies) + ch/copies
}

// subsampleForward computes y for the maps [lo, hi) of the n*c output
// maps, each input map feeding copies of them.
func subsampleForward[T float](x, coef, b, y []T, c, h, w, copies, lo, hi int) {
	in, out := h*w, h*w/4
	for m := lo; m < hi; m++ {
		ch, i := m%c, inputMap(m, c, copies)
		blockSumsAffine(x[i*in:(i+1)*in], y[m*out:(m+1)*out], h, w, coef[ch], b[ch])
	}
}

// subsampleBackwardInput spreads coef * gy over each 2x2 block, for the
// input maps [lo, hi) of the n*(c/copies), adding up the gradients of the
// copies output maps each one feeds.
func subsampleBackwardInput[T float](coef, gy, dx []T, c, h, w, copies, lo, hi int) {
	ow := w / 2
	cin := c / copies
	for i := lo; i < hi; i++ {
		dm := dx[i*h*w : (i+1)*h*w]
		for cp := range copies {
			m := (i/cin)*c + (i%cin)*copies + cp // the output map
			k := coef[m%c]
			gm := gy[m*h*w/4 : (m+1)*h*w/4]
			for r := range h / 2 {
				top, bottom := dm[2*r*w:(2*r+1)*w], dm[(2*r+1)*w:(2*r+2)*w]
				for s, g := range gm[r*ow : (r+1)*ow] {
					v := k * g
					if cp > 0 {
						top[2*s] += v
						top[2*s+1] += v
						bottom[2*s] += v
						bottom[2*s+1] += v
						continue
					}
					top[2*s], top[2*s+1], bottom[2*s], bottom[2*s+1] = v, v, v, v
				}
			}
		}
	}
}

// subsampleBackwardCoef computes dcoef[c] = sum of gy * block sums, with
// the scratch sums of one map.
func subsampleBackwardCoef[T float](x, gy, dcoef, sums []T, n, c, h, w, copies int) {
	clear(dcoef)
	for m := range n * c {
		i := inputMap(m, c, copies)
		blockSums(x[i*h*w:(i+1)*h*w], sums, h, w)
		dcoef[m%c] += dot(gy[m*h*w/4:(m+1)*h*w/4], sums)
	}
}

// subsampleBackwardBias computes db[c] = sum of gy over samples and positions.
func subsampleBackwardBias[T float](gy, db []T, n, c, out int) {
	clear(db)
	for m := range n * c {
		db[m%c] += sum(gy[m*out : (m+1)*out])
	}
}

// subsampleBase is what the forward op and its gradient ops share.
type subsampleBase struct {
	copies  int // output maps per input map
	workers int
	id      uint64
	out     *buffer
	scratch *buffer
}

func newSubsampleBase(copies, workers int) subsampleBase {
	return subsampleBase{copies: copies, workers: workers, id: nextOpID(), out: new(buffer), scratch: new(buffer)}
}

func (op subsampleBase) ReturnsPtr() bool     { return false }
func (op subsampleBase) CallsExtern() bool    { return false }
func (op subsampleBase) OverwritesInput() int { return -1 }
func (op subsampleBase) String() string {
	return fmt.Sprintf("subsample2x2x%d#%d", op.copies, op.id)
}

// sibling returns the base of a gradient op: same copies, fresh buffers.
func (op subsampleBase) sibling() subsampleBase { return newSubsampleBase(op.copies, op.workers) }

// subsampleOp is the forward op: (x, coef, b) -> y.
type subsampleOp struct{ subsampleBase }

func newSubsampleOp(copies, workers int) *subsampleOp {
	return &subsampleOp{newSubsampleBase(copies, workers)}
}

func (op *subsampleOp) Arity() int         { return 3 }
func (op *subsampleOp) Type() hm.Type      { return fnType(4, 1, 1, 4) }
func (op *subsampleOp) DiffWRT(int) []bool { return []bool{true, true, true} }

func (op *subsampleOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	x, err := shapeOf(ds, 0)
	if err != nil {
		return nil, err
	}
	if len(x) != 4 || x[2]%2 != 0 || x[3]%2 != 0 {
		return nil, fmt.Errorf("graph: 2x2 sub-sampling needs input (N, C, H, W) with H and W even, got %v", x)
	}
	for k := 1; k <= 2; k++ {
		s, err := shapeOf(ds, k)
		if err != nil {
			return nil, err
		}
		if c := x[1] * op.copies; s.TotalSize() != c {
			return nil, fmt.Errorf("graph: 2x2 sub-sampling to %d maps needs %d coefficients and biases, got shape %v", c, c, s)
		}
	}
	return tensor.Shape{x[0], x[1] * op.copies, x[2] / 2, x[3] / 2}, nil
}

// WriteHash and Hashcode come from String, which holds the op's unique id:
// Gorgonia merges nodes with equal hashes, and ops own their buffers.
func (op subsampleBase) WriteHash(h hash.Hash) { hashOp(h, op) }
func (op subsampleBase) Hashcode() uint32      { return hashcode(op) }

func (op *subsampleOp) Do(vs ...G.Value) (G.Value, error) {
	return runOp(vs, 3, "sub-sampling", op, subsampleDo[float32], subsampleDo[float64])
}

// subsampleDo runs the forward kernel on (x, coef, b).
func subsampleDo[T float](op *subsampleOp, in []*tensor.Dense) G.Value {
	s := in[0].Shape()
	c := s[1] * op.copies
	out, y := bufferTensor[T](op.out, s[0], c, s[2]/2, s[3]/2)
	x, coef, b := data[T](in[0]), data[T](in[1]), data[T](in[2])
	parallelFor(s[0]*c, workersFor(len(x)*op.copies, op.workers), func(_, lo, hi int) {
		subsampleForward(x, coef, b, y, c, s[2], s[3], op.copies, lo, hi)
	})
	return out
}

func (op *subsampleOp) SymDiff(in G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	xs := in[0].Shape()
	dx, err := G.ApplyOp(&subsampleGradInputOp{op.sibling(), xs[2], xs[3]}, in[1], grad)
	if err != nil {
		return nil, err
	}
	dcoef, err := G.ApplyOp(&subsampleGradCoefOp{op.sibling()}, in[0], grad)
	if err != nil {
		return nil, err
	}
	db, err := G.ApplyOp(&subsampleGradBiasOp{op.sibling()}, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dcoef, db}, nil
}

// subsampleGradInputOp: (coef, gy) -> dx.
type subsampleGradInputOp struct {
	subsampleBase
	h, w int
}

func (op *subsampleGradInputOp) Arity() int     { return 2 }
func (op *subsampleGradInputOp) Type() hm.Type  { return fnType(1, 4, 4) }
func (op *subsampleGradInputOp) String() string { return "dInput/" + op.subsampleBase.String() }
func (op *subsampleGradInputOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	gy, err := shapeOf(ds, 1)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{gy[0], gy[1] / op.copies, op.h, op.w}, nil
}

func (op *subsampleGradInputOp) Do(vs ...G.Value) (G.Value, error) {
	return runOp(vs, 2, "sub-sampling input gradient", op, subsampleGradInputDo[float32], subsampleGradInputDo[float64])
}

// subsampleGradInputDo computes dx from (coef, gy).
func subsampleGradInputDo[T float](op *subsampleGradInputOp, in []*tensor.Dense) G.Value {
	s := in[1].Shape()
	out, dx := bufferTensor[T](op.out, s[0], s[1]/op.copies, op.h, op.w)
	coef, gy := data[T](in[0]), data[T](in[1])
	parallelFor(s[0]*s[1]/op.copies, workersFor(len(dx), op.workers), func(_, lo, hi int) {
		subsampleBackwardInput(coef, gy, dx, s[1], op.h, op.w, op.copies, lo, hi)
	})
	return out
}

// subsampleGradCoefOp: (x, gy) -> dcoef.
type subsampleGradCoefOp struct{ subsampleBase }

func (op *subsampleGradCoefOp) Arity() int     { return 2 }
func (op *subsampleGradCoefOp) Type() hm.Type  { return fnType(4, 4, 1) }
func (op *subsampleGradCoefOp) String() string { return "dCoef/" + op.subsampleBase.String() }
func (op *subsampleGradCoefOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	x, err := shapeOf(ds, 0)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{x[1] * op.copies}, nil
}

func (op *subsampleGradCoefOp) Do(vs ...G.Value) (G.Value, error) {
	return runOp(vs, 2, "sub-sampling coefficient gradient", op, subsampleGradCoefDo[float32], subsampleGradCoefDo[float64])
}

// subsampleGradCoefDo computes dcoef from (x, gy).
func subsampleGradCoefDo[T float](op *subsampleGradCoefOp, in []*tensor.Dense) G.Value {
	s := in[0].Shape()
	c := s[1] * op.copies
	out, dc := bufferTensor[T](op.out, c)
	subsampleBackwardCoef(data[T](in[0]), data[T](in[1]), dc, bufferSlice[T](op.scratch, s[2]*s[3]/4), s[0], c, s[2], s[3], op.copies)
	return out
}

// subsampleGradBiasOp: gy -> db.
type subsampleGradBiasOp struct{ subsampleBase }

func (op *subsampleGradBiasOp) Arity() int     { return 1 }
func (op *subsampleGradBiasOp) Type() hm.Type  { return fnType(4, 1) }
func (op *subsampleGradBiasOp) String() string { return "dBias/" + op.subsampleBase.String() }
func (op *subsampleGradBiasOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	gy, err := shapeOf(ds, 0)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{gy[1]}, nil
}

func (op *subsampleGradBiasOp) Do(vs ...G.Value) (G.Value, error) {
	return runOp(vs, 1, "sub-sampling bias gradient", op, subsampleGradBiasDo[float32], subsampleGradBiasDo[float64])
}

// subsampleGradBiasDo sums gy per map.
func subsampleGradBiasDo[T float](op *subsampleGradBiasOp, in []*tensor.Dense) G.Value {
	s := in[0].Shape()
	out, db := bufferTensor[T](op.out, s[1])
	subsampleBackwardBias(data[T](in[0]), db, s[0], s[1], s[2]*s[3])
	return out
}
