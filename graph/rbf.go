package graph

import (
	"fmt"
	"hash"
	"slices"
	"strings"
	"sync"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The paper's output layer: Euclidean radial basis function units, one per
// class, each the squared distance between the F6 vector and a fixed code.
//
//	y[n,i] = sum_j (x[n,j] - w[i,j])^2
//
// Shapes: x (N, D); w (K, D), a constant; y (N, K): for LeNet-5, D = 84
// and K = 10. The predicted class is the smallest distance.

// rbfBitmaps are the 7-wide, 12-tall codes of the digits 0..9 (paper,
// Fig. 3; docs/spec.md §4): '#' is +1, '.' is -1, row 0 at the top, and
// cell (r, c) is F6 unit r*7 + c.
var rbfBitmaps = [12]string{
	".#####.  ...##..  .#####.  #######  .#####.  .#####.  ..####.  #######  .#####.  .#####.",
	".......  ..###..  .......  .....##  .......  .......  .##....  .....##  ##...##  ##..###",
	"..###..  .####..  .#####.  ....##.  .......  #######  ##.....  .....##  ##...##  ##...##",
	".##.##.  ...##..  ##...##  ...##..  .##..##  ##.....  ##.....  ....##.  ##...##  ##...##",
	"##...##  ...##..  #....##  ..####.  .##..##  ##.....  ######.  ...##..  .#####.  ##..###",
	"##...##  ...##..  ....##.  .....##  ###..##  .####..  ###..##  ...##..  ##...##  .######",
	"##...##  ...##..  ..###..  .....##  ##...##  ..####.  ##...##  ..##...  ##...##  .....##",
	"##...##  ...##..  .##....  .....##  ##...##  .....##  ##...##  ..##...  ##...##  .....##",
	".##.##.  ...##..  ##.....  ##...##  ##..###  ##...##  ###..##  ..##...  ##...##  ....##.",
	"..###..  .######  #######  .#####.  .######  .#####.  .#####.  ..##...  .#####.  .####..",
	".......  .......  .......  .......  .....##  .......  .......  .......  .......  .......",
	".......  .......  .......  .......  .....##  .......  .......  .......  .......  .......",
}

// Sizes of the RBF codes.
const (
	CodeWidth  = 7
	CodeHeight = 12
	// F6Units is the size of F6 and of each code: 7 x 12.
	F6Units = CodeWidth * CodeHeight
	// Classes is the number of output units.
	Classes = 10
)

// RBFCodes returns the ten fixed codes as a 10 x 84 row-major matrix of
// +1 and -1: RBFCodes()[d*84 + r*7 + c] is cell (r, c) of digit d. The
// slice is the caller's.
func RBFCodes() []float64 { return slices.Clone(paperCodes()) }

// paperCodes is RBFCodes, parsed once and shared: every network built
// asks for the codes several times (shapes, parameters, the op), and a
// short-lived command builds several. Read-only.
var paperCodes = sync.OnceValue(func() []float64 {
	codes := make([]float64, Classes*F6Units)
	for r, line := range rbfBitmaps {
		cells := strings.Fields(line)
		for d, row := range cells {
			for c, ch := range row {
				v := -1.0
				if ch == '#' {
					v = 1
				}
				codes[d*F6Units+r*CodeWidth+c] = v
			}
		}
	}
	return codes
})

// rbfForward computes y for all n samples, k codes of width d.
func rbfForward[T float](x, w, y []T, n, k, d int) {
	for s := range n {
		xs := x[s*d : (s+1)*d]
		for i := range k {
			y[s*k+i] = sqDist(xs, w[i*d:(i+1)*d])
		}
	}
}

// rbfBackwardInput computes dx[n,j] = sum_i gy[n,i] 2 (x[n,j] - w[i,j]).
func rbfBackwardInput[T float](x, w, gy, dx []T, n, k, d int) {
	for s := range n {
		xs := x[s*d : (s+1)*d]
		ds := dx[s*d : (s+1)*d]
		var gsum T
		for i := range k {
			gsum += gy[s*k+i]
		}
		for j, v := range xs {
			ds[j] = 2 * gsum * v
		}
		for i := range k {
			axpy(-2*gy[s*k+i], w[i*d:(i+1)*d], ds)
		}
	}
}

// rbfOp is the forward op: (x, codes) -> y, for k codes of width d.
type rbfOp struct {
	k, d int
	id   uint64
	buf  *buffer
}

func newRBFOp(k, d int) *rbfOp { return &rbfOp{k: k, d: d, id: nextOpID(), buf: new(buffer)} }

func (op *rbfOp) Arity() int            { return 2 }
func (op *rbfOp) Type() hm.Type         { return fnType(2, 2, 2) }
func (op *rbfOp) ReturnsPtr() bool      { return false }
func (op *rbfOp) CallsExtern() bool     { return false }
func (op *rbfOp) OverwritesInput() int  { return -1 }
func (op *rbfOp) WriteHash(h hash.Hash) { hashOp(h, op) }
func (op *rbfOp) Hashcode() uint32      { return hashcode(op) }
func (op *rbfOp) String() string        { return fmt.Sprintf("rbf#%d", op.id) }
func (op *rbfOp) DiffWRT(int) []bool    { return []bool{true, false} }

func (op *rbfOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	x, err := shapeOf(ds, 0)
	if err != nil {
		return nil, err
	}
	w, err := shapeOf(ds, 1)
	if err != nil {
		return nil, err
	}
	if len(x) != 2 || x[1] != op.d || !w.Eq(tensor.Shape{op.k, op.d}) {
		return nil, fmt.Errorf("graph: RBF output needs input (N, %d) and codes (%d, %d), got %v and %v", op.d, op.k, op.d, x, w)
	}
	return tensor.Shape{x[0], op.k}, nil
}

func (op *rbfOp) Do(vs ...G.Value) (G.Value, error) {
	return runOp(vs, 2, "RBF output", op, rbfDo[float32], rbfDo[float64])
}

// rbfDo computes the distances of (x, codes).
func rbfDo[T float](op *rbfOp, in []*tensor.Dense) G.Value {
	n := in[0].Shape()[0]
	out, y := bufferTensor[T](op.buf, n, op.k)
	rbfForward(data[T](in[0]), data[T](in[1]), y, n, op.k, op.d)
	return out
}

func (op *rbfOp) SymDiff(in G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(&rbfGradOp{k: op.k, d: op.d, id: nextOpID(), buf: new(buffer)}, in[0], in[1], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, nil}, nil
}

// rbfGradOp: (x, codes, gy) -> dx.
type rbfGradOp struct {
	k, d int
	id   uint64
	buf  *buffer
}

func (op *rbfGradOp) Arity() int            { return 3 }
func (op *rbfGradOp) Type() hm.Type         { return fnType(2, 2, 2, 2) }
func (op *rbfGradOp) ReturnsPtr() bool      { return false }
func (op *rbfGradOp) CallsExtern() bool     { return false }
func (op *rbfGradOp) OverwritesInput() int  { return -1 }
func (op *rbfGradOp) WriteHash(h hash.Hash) { hashOp(h, op) }
func (op *rbfGradOp) Hashcode() uint32      { return hashcode(op) }
func (op *rbfGradOp) String() string        { return fmt.Sprintf("dInput/rbf#%d", op.id) }
func (op *rbfGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return shapeOf(ds, 0)
}

func (op *rbfGradOp) Do(vs ...G.Value) (G.Value, error) {
	return runOp(vs, 3, "RBF gradient", op, rbfGradDo[float32], rbfGradDo[float64])
}

// rbfGradDo computes dx from (x, codes, gy).
func rbfGradDo[T float](op *rbfGradOp, in []*tensor.Dense) G.Value {
	n := in[0].Shape()[0]
	out, dx := bufferTensor[T](op.buf, n, op.d)
	rbfBackwardInput(data[T](in[0]), data[T](in[1]), data[T](in[2]), dx, n, op.k, op.d)
	return out
}
