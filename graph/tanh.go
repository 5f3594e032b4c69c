package graph

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The squashing function of every layer C1..F6 (paper, appendix A):
// f(a) = A tanh(S a), so that f(1) = 1 and f(-1) = -1.
const (
	SquashA = 1.7159
	SquashS = 2.0 / 3.0
)

// squash applies f elementwise: y = A tanh(S a).
func squash[T float](a, y []T) {
	y = y[:len(a)]
	if a32, ok := any(a).([]float32); ok {
		squash32(a32, any(y).([]float32))
		return
	}
	for i, v := range a {
		y[i] = T(SquashA * math.Tanh(SquashS*float64(v)))
	}
}

// squashGrad writes g * f'(a) for each unit, with f' taken from the
// output: f'(a) = S A (1 - tanh^2(S a)) = (S/A)(A^2 - y^2).
func squashGrad[T float](y, g, ga []T) {
	g = g[:len(y)]
	ga = ga[:len(y)]
	if y32, ok := any(y).([]float32); ok {
		squashGrad32(y32, any(g).([]float32), any(ga).([]float32))
		return
	}
	const c = SquashS / SquashA
	for i, v := range y {
		ga[i] = g[i] * T(c) * (T(SquashA*SquashA) - v*v)
	}
}

// tanh32 is a float32 tanh accurate to a few ulp (the rational minimax
// approximation used by Eigen and XLA); math.Tanh in float64 costs several
// times more, and the network calls it 8,000 times per image.
func tanh32(x float32) float32 {
	const clamp = 7.90531110763549805
	if x > clamp {
		x = clamp
	} else if x < -clamp {
		x = -clamp
	}
	if x < 0.0004 && x > -0.0004 {
		return x
	}
	x2 := x * x
	p := x2*-2.76076847742355e-16 + 2.00018790482477e-13
	p = p*x2 + -8.60467152213735e-11
	p = p*x2 + 5.12229709037114e-08
	p = p*x2 + 1.48572235717979e-05
	p = p*x2 + 6.37261928875436e-04
	p = p*x2 + 4.89352455891786e-03
	p *= x
	q := x2*1.19825839466702e-06 + 1.18534705686654e-04
	q = q*x2 + 2.26843463243900e-03
	q = q*x2 + 4.89352518554385e-03
	return p / q
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
