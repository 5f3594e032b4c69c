package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"github.com/lenet5-go/lenet5/internal/f32"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The fully connected layer with bias, used for C5 (whose 5x5 kernels
// cover the whole 5x5 S4 maps, so the convolution is a dot product with
// the flattened maps), F6 and the softmax head's output.
//
//	y[n,o] = b[o] + sum_i w[o,i] x[n,i]
//
// Shapes: x (N, ...) read as (N, In); w (Out, ...) read as (Out, In), so
// C5's weight keeps its convolution shape (120, 16, 5, 5); b (Out); y (N, Out).

// rowOffsets lists where each row of a rows x cols matrix starts.
func rowOffsets(rows, cols int) f32.Rows {
	offs := make([]int, rows)
	for r := range offs {
		offs[r] = r * cols
	}
	return f32.NewRows(offs)
}

// linearForward computes y for samples [lo, hi); wRows are the offsets of
// the rows of w.
func linearForward[T float](x, w, b, y []T, wRows f32.Rows, in, out, lo, hi int) {
	for n := lo; n < hi; n++ {
		yn := y[n*out : (n+1)*out]
		copy(yn, b[:out])
		multiDotAt(x[n*in:(n+1)*in], w, wRows, yn)
	}
}

// linearBackwardInput computes dx for samples [lo, hi): dx[n] is the sum
// of the rows of w weighted by gy[n].
func linearBackwardInput[T float](w, gy, dx []T, wRows f32.Rows, in, out, lo, hi int) {
	for n := lo; n < hi; n++ {
		biasAxpyAt(0, gy[n*out:(n+1)*out], w, wRows, dx[n*in:(n+1)*in])
	}
}

// linearBackwardWeight computes the rows [lo, hi) of dw over all n samples.
func linearBackwardWeight[T float](x, gy, dw []T, n, in, out, lo, hi int) {
	for o := lo; o < hi; o++ {
		dwo := dw[o*in : (o+1)*in]
		clear(dwo)
		for s := range n {
			axpy(gy[s*out+o], x[s*in:(s+1)*in], dwo)
		}
	}
}

// linearBackwardBias computes db[o] = sum over samples of gy[n,o].
func linearBackwardBias[T float](gy, db []T, n, out int) {
	clear(db)
	for s := range n {
		axpy(1, gy[s*out:(s+1)*out], db)
	}
}

// linearBase is what the forward op and its gradient ops share.
type linearBase struct {
	xDims, wDims int
	in, out      int
	wRows        f32.Rows // offsets of the rows of w
	workers      int
	id           uint64
	buf          *buffer
}

func newLinearBase(xDims, wDims, in, out, workers int) linearBase {
	return linearBase{xDims: xDims, wDims: wDims, in: in, out: out, wRows: rowOffsets(out, in),
		workers: workers, id: nextOpID(), buf: new(buffer)}
}

func (op linearBase) sibling() linearBase {
	return newLinearBase(op.xDims, op.wDims, op.in, op.out, op.workers)
}
func (op linearBase) ReturnsPtr() bool     { return false }
func (op linearBase) CallsExtern() bool    { return false }
func (op linearBase) OverwritesInput() int { return -1 }
func (op linearBase) String() string       { return fmt.Sprintf("linear%dx%d#%d", op.out, op.in, op.id) }

// linearOp is the forward op: (x, w, b) -> y.
type linearOp struct{ linearBase }

func newLinearOp(xDims, wDims, in, out, workers int) *linearOp {
	return &linearOp{newLinearBase(xDims, wDims, in, out, workers)}
}

// WriteHash and Hashcode come from String, which holds the op's unique id:
// Gorgonia merges nodes with equal hashes, and ops own their buffers.
func (op linearBase) WriteHash(h hash.Hash) { hashOp(h, op) }
func (op linearBase) Hashcode() uint32      { return hashcode(op) }

func (op *linearOp) Arity() int         { return 3 }
func (op *linearOp) Type() hm.Type      { return fnType(op.xDims, op.wDims, 1, 2) }
func (op *linearOp) DiffWRT(int) []bool { return []bool{true, true, true} }

func (op *linearOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	x, err := shapeOf(ds, 0)
	if err != nil {
		return nil, err
	}
	w, err := shapeOf(ds, 1)
	if err != nil {
		return nil, err
	}
	if len(x) < 2 || x.TotalSize() != x[0]*op.in {
		return nil, fmt.Errorf("graph: fully connected layer needs input (N, ...) of %d values per sample, got %v", op.in, x)
	}
	if w.TotalSize() != op.in*op.out {
		return nil, fmt.Errorf("graph: fully connected layer %d -> %d needs %d weights, got shape %v", op.in, op.out, op.in*op.out, w)
	}
	return tensor.Shape{x[0], op.out}, nil
}

func (op *linearOp) Do(vs ...G.Value) (G.Value, error) {
	return runOp(vs, 3, "fully connected layer", op, linearDo[float32], linearDo[float64])
}

// linearDo runs the forward kernel on (x, w, b).
func linearDo[T float](op *linearOp, in []*tensor.Dense) G.Value {
	x, w, b := in[0], in[1], in[2]
	n := x.Shape()[0]
	out, y := bufferTensor[T](op.buf, n, op.out)
	xs, ws, bs := data[T](x), data[T](w), data[T](b)
	parallelFor(n, op.workers, func(_, lo, hi int) {
		linearForward(xs, ws, bs, y, op.wRows, op.in, op.out, lo, hi)
	})
	return out
}

func (op *linearOp) SymDiff(in G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(&linearGradInputOp{op.sibling(), in[0].Shape().Clone()}, in[1], grad)
	if err != nil {
		return nil, err
	}
	dw, err := G.ApplyOp(&linearGradWeightOp{op.sibling(), in[1].Shape().Clone()}, in[0], grad)
	if err != nil {
		return nil, err
	}
	db, err := G.ApplyOp(&linearGradBiasOp{op.sibling()}, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dw, db}, nil
}

// linearGradInputOp: (w, gy) -> dx.
type linearGradInputOp struct {
	linearBase
	xShape tensor.Shape
}

func (op *linearGradInputOp) Arity() int     { return 2 }
func (op *linearGradInputOp) Type() hm.Type  { return fnType(op.wDims, 2, op.xDims) }
func (op *linearGradInputOp) String() string { return "dInput/" + op.linearBase.String() }
func (op *linearGradInputOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.xShape.Clone(), nil
}

func (op *linearGradInputOp) Do(vs ...G.Value) (G.Value, error) {
	return runOp(vs, 2, "fully connected input gradient", op, linearGradInputDo[float32], linearGradInputDo[float64])
}

// linearGradInputDo runs the input-gradient kernel on (w, gy).
func linearGradInputDo[T float](op *linearGradInputOp, in []*tensor.Dense) G.Value {
	w, gy := data[T](in[0]), data[T](in[1])
	out, dx := bufferTensor[T](op.buf, op.xShape...)
	parallelFor(in[1].Shape()[0], op.workers, func(_, lo, hi int) {
		linearBackwardInput(w, gy, dx, op.wRows, op.in, op.out, lo, hi)
	})
	return out
}

// linearGradWeightOp: (x, gy) -> dw.
type linearGradWeightOp struct {
	linearBase
	wShape tensor.Shape
}

func (op *linearGradWeightOp) Arity() int     { return 2 }
func (op *linearGradWeightOp) Type() hm.Type  { return fnType(op.xDims, 2, op.wDims) }
func (op *linearGradWeightOp) String() string { return "dWeight/" + op.linearBase.String() }
func (op *linearGradWeightOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.wShape.Clone(), nil
}

func (op *linearGradWeightOp) Do(vs ...G.Value) (G.Value, error) {
	return runOp(vs, 2, "fully connected weight gradient", op, linearGradWeightDo[float32], linearGradWeightDo[float64])
}

// linearGradWeightDo runs the weight-gradient kernel on (x, gy), the
// output rows split over the workers.
func linearGradWeightDo[T float](op *linearGradWeightOp, in []*tensor.Dense) G.Value {
	x, gy, n := data[T](in[0]), data[T](in[1]), in[1].Shape()[0]
	out, dw := bufferTensor[T](op.buf, op.wShape...)
	parallelFor(op.out, workersFor(n*op.in*op.out, op.workers), func(_, lo, hi int) {
		linearBackwardWeight(x, gy, dw, n, op.in, op.out, lo, hi)
	})
	return out
}

// linearGradBiasOp: gy -> db.
type linearGradBiasOp struct{ linearBase }

func (op *linearGradBiasOp) Arity() int     { return 1 }
func (op *linearGradBiasOp) Type() hm.Type  { return fnType(2, 1) }
func (op *linearGradBiasOp) String() string { return "dBias/" + op.linearBase.String() }
func (op *linearGradBiasOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.out}, nil
}

func (op *linearGradBiasOp) Do(vs ...G.Value) (G.Value, error) {
	return runOp(vs, 1, "fully connected bias gradient", op, linearGradBiasDo[float32], linearGradBiasDo[float64])
}

// linearGradBiasDo sums gy over the batch.
func linearGradBiasDo[T float](op *linearGradBiasOp, in []*tensor.Dense) G.Value {
	out, db := bufferTensor[T](op.buf, op.out)
	linearBackwardBias(data[T](in[0]), db, in[0].Shape()[0], op.out)
	return out
}
