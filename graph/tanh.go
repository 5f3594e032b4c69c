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
	inPlace bool // WithInPlaceSquash
	id      uint64
	out     *buffer
}

func newSquashOp(dims, workers int, inPlace bool) *squashOp {
	return &squashOp{dims: dims, workers: workers, inPlace: inPlace, id: nextOpID(), out: new(buffer)}
}

// elementwise runs fn over [0, n) in chunks on up to workers goroutines.
func elementwise(n, workers int, fn func(lo, hi int)) {
	parallelFor(n, workersFor(n, workers), func(_, lo, hi int) { fn(lo, hi) })
}

func (op *squashOp) Arity() int                                        { return 1 }
func (op *squashOp) Type() hm.Type                                     { return fnType(op.dims, op.dims) }
func (op *squashOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) { return shapeOf(ds, 0) }
func (op *squashOp) ReturnsPtr() bool                                  { return op.inPlace }
func (op *squashOp) CallsExtern() bool                                 { return false }
func (op *squashOp) OverwritesInput() int {
	if op.inPlace {
		return 0
	}
	return -1
}
func (op *squashOp) WriteHash(h hash.Hash) { hashOp(h, op) }
func (op *squashOp) Hashcode() uint32      { return hashcode(op) }
func (op *squashOp) String() string        { return fmt.Sprintf("squash#%d", op.id) }
func (op *squashOp) DiffWRT(int) []bool    { return []bool{true} }

func (op *squashOp) Do(vs ...G.Value) (G.Value, error) {
	return runOp(vs, 1, "squashing function", op, squashDo[float32], squashDo[float64])
}

// UnsafeDo applies f over its input, overwriting it. With
// WithInPlaceSquash, ReturnsPtr and OverwritesInput ask Gorgonia's
// compiler for this: it gives the op its input's register when nothing
// reads the input after this op (the gradient is taken from the output)
// and marks the instruction unsafe. As with Gorgonia's own elementwise
// ops, the input node's value is then the output's.
func (op *squashOp) UnsafeDo(vs ...G.Value) (G.Value, error) {
	return runOp(vs, 1, "squashing function", op, squashInPlace[float32], squashInPlace[float64])
}

// UsePreallocDo is how the tape machine runs an op whose register holds a
// value: in place when that value is the input itself (the compiler gave
// the op its input's register), else as Do, into the op's own buffer.
func (op *squashOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	if len(vs) == 1 && sameBacking(prealloc, vs[0]) {
		return op.UnsafeDo(vs...)
	}
	return op.Do(vs...)
}

// sameBacking reports whether a and b are dense tensors of one dtype and
// size over the same memory.
func sameBacking(a, b G.Value) bool {
	ta, ok := a.(*tensor.Dense)
	tb, ok2 := b.(*tensor.Dense)
	if !ok || !ok2 || ta.Dtype() != tb.Dtype() || ta.DataSize() != tb.DataSize() || ta.DataSize() == 0 {
		return false
	}
	return ta.Uintptr() == tb.Uintptr()
}

// squashDo applies f over the input, split over the workers.
func squashDo[T float](op *squashOp, in []*tensor.Dense) G.Value {
	a := in[0]
	out, y := bufferTensor[T](op.out, a.Shape()...)
	as := data[T](a)
	elementwise(len(as), op.workers, func(lo, hi int) { squash(as[lo:hi], y[lo:hi]) })
	return out
}

// squashInPlace applies f over the input, overwriting it.
func squashInPlace[T float](op *squashOp, in []*tensor.Dense) G.Value {
	as := data[T](in[0])
	elementwise(len(as), op.workers, func(lo, hi int) { squash(as[lo:hi], as[lo:hi]) })
	return in[0]
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
