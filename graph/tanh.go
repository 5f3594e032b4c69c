package graph

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"github.com/lenet5-go/lenet5/internal/f32"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The squashing function of every layer C1..F6 (paper, appendix A):
// f(a) = A tanh(S a), so that f(1) = 1 and f(-1) = -1.
const (
	SquashA = f32.SquashA
	SquashS = f32.SquashS
)

// squash applies f elementwise: y = A tanh(S a).
func squash[T float](a, y []T) {
	if a32, ok := any(a).([]float32); ok {
		f32.Squash(a32, any(y).([]float32))
		return
	}
	y = y[:len(a)]
	for i, v := range a {
		y[i] = T(SquashA * math.Tanh(SquashS*float64(v)))
	}
}

// squashGrad writes g * f'(a) for each unit, with f' taken from the
// output: f'(a) = S A (1 - tanh^2(S a)) = (S/A)(A^2 - y^2).
func squashGrad[T float](y, g, ga []T) {
	if y32, ok := any(y).([]float32); ok {
		f32.SquashGrad(y32, any(g).([]float32), any(ga).([]float32))
		return
	}
	g, ga = g[:len(y)], ga[:len(y)]
	const c = SquashS / SquashA
	for i, v := range y {
		ga[i] = g[i] * T(c) * (T(SquashA*SquashA) - v*v)
	}
}

// squashOp is f applied elementwise, for any shape.
type squashOp struct {
	dims    int
	workers int
	id      uint64
	out     *buffer
}

func newSquashOp(dims, workers int) *squashOp {
	return &squashOp{dims: dims, workers: workers, id: nextOpID(), out: new(buffer)}
}

// elementwise runs fn over [0, n) in chunks on up to workers goroutines.
func elementwise(n, workers int, fn func(lo, hi int)) {
	parallelFor(n, workersFor(n, workers), func(_, lo, hi int) { fn(lo, hi) })
}

func (op *squashOp) Arity() int                                        { return 1 }
func (op *squashOp) Type() hm.Type                                     { return fnType(op.dims, op.dims) }
func (op *squashOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) { return shapeOf(ds, 0) }
func (op *squashOp) ReturnsPtr() bool                                  { return false }
func (op *squashOp) CallsExtern() bool                                 { return false }
func (op *squashOp) OverwritesInput() int                              { return -1 }
func (op *squashOp) WriteHash(h hash.Hash)                             { hashOp(h, op) }
func (op *squashOp) Hashcode() uint32                                  { return hashcode(op) }
func (op *squashOp) String() string                                    { return fmt.Sprintf("squash#%d", op.id) }
func (op *squashOp) DiffWRT(int) []bool                                { return []bool{true} }

func (op *squashOp) Do(vs ...G.Value) (G.Value, error) {
	return runOp(vs, 1, "squashing function", op, squashDo[float32], squashDo[float64])
}

// squashDo applies f over the input, split over the workers.
func squashDo[T float](op *squashOp, in []*tensor.Dense) G.Value {
	a := in[0]
	out, y := bufferTensor[T](op.out, a.Shape()...)
	as := data[T](a)
	elementwise(len(as), op.workers, func(lo, hi int) { squash(as[lo:hi], y[lo:hi]) })
	return out
}

// SymDiff gives the gradient from the output y = f(a), not from a.
func (op *squashOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	ga, err := G.ApplyOp(&squashGradOp{dims: op.dims, workers: op.workers, id: nextOpID(), out: new(buffer)}, out, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{ga}, nil
}

// squashGradOp computes g * f'(a) from (y, g).
type squashGradOp struct {
	dims    int
	workers int
	id      uint64
	out     *buffer
}

func (op *squashGradOp) Arity() int                                        { return 2 }
func (op *squashGradOp) Type() hm.Type                                     { return fnType(op.dims, op.dims, op.dims) }
func (op *squashGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) { return shapeOf(ds, 0) }
func (op *squashGradOp) ReturnsPtr() bool                                  { return false }
func (op *squashGradOp) CallsExtern() bool                                 { return false }
func (op *squashGradOp) OverwritesInput() int                              { return -1 }
func (op *squashGradOp) WriteHash(h hash.Hash)                             { hashOp(h, op) }
func (op *squashGradOp) Hashcode() uint32                                  { return hashcode(op) }
func (op *squashGradOp) String() string                                    { return fmt.Sprintf("squashGrad#%d", op.id) }

func (op *squashGradOp) Do(vs ...G.Value) (G.Value, error) {
	return runOp(vs, 2, "squashing function gradient", op, squashGradDo[float32], squashGradDo[float64])
}

// squashGradDo computes g * f'(a) from (y, g), split over the workers.
func squashGradDo[T float](op *squashGradOp, in []*tensor.Dense) G.Value {
	y, g := in[0], in[1]
	out, ga := bufferTensor[T](op.out, y.Shape()...)
	ys, gs := data[T](y), data[T](g)
	elementwise(len(ys), op.workers, func(lo, hi int) { squashGrad(ys[lo:hi], gs[lo:hi], ga[lo:hi]) })
	return out
}
