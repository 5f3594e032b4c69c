package graph

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The two losses, each the mean over the batch of a per-pattern loss E of
// the output y (N, 10) and the one-hot labels t (N, 10). Both are
// computed in float64 whatever the dtype: they cost 10 values a pattern.
//
// MAP (paper, eq. 9), on the RBF distances, with the sum over all ten classes:
//
//	E = y_D + log(exp(-j) + sum_i exp(-y_i)),   dE/dy_k = [k = D] - exp(-y_k) / (exp(-j) + sum_i exp(-y_i))
//
// Softmax cross-entropy, on the logits:
//
//	E = -log p_D, p = softmax(y),                dE/dy_k = p_k - [k = D]
//
// With labels that are not one-hot, t_k weighs y_k and sum(t) weighs the
// normalizing term, so soft labels work too.
//
// The MAP loss also takes labels with an 11th column, t_10 (index
// Rubbish): the paper's rubbish class (Sections VI and X), whose
// "distance" is the constant j. t_10 weighs j as t_k weighs y_k, and
// sum(t) includes it, so a pattern labelled rubbish (t_10 = 1) has
//
//	E = j + log(exp(-j) + sum_i exp(-y_i)),     dE/dy_k = -exp(-y_k) / (exp(-j) + sum_i exp(-y_i))
//
// which pushes every distance up. A digit's row of 11 columns (t_10 = 0)
// gives the same value and gradient, bit for bit, as its 10 columns. The
// softmax cross-entropy has no rubbish class: its loss refuses 11 columns.

// lossKind selects the per-pattern loss.
type lossKind int

const (
	mapLoss lossKind = iota
	softmaxLoss
)

// Rubbish is the column of the rubbish class in labels of Classes+1
// columns (the MAP loss only; see above): a pattern that is not a digit
// has 1 there and 0 in the ten digit columns.
const Rubbish = Classes

// patternLoss returns E of one pattern and, when dy is not nil, writes dE/dy.
// t has len(y) values, or len(y)+1 with the rubbish class last (MAP only).
func patternLoss[T float](kind lossKind, j float64, y, t, dy []T) float64 {
	var tsum, ty float64
	for k, v := range t[:len(y)] {
		tsum += float64(v)
		ty += float64(v) * float64(y[k])
	}
	if len(t) > len(y) && t[len(y)] != 0 {
		// The rubbish class: its distance is j. Skipped when 0, so that a
		// digit's 11 columns sum exactly as its 10.
		r := float64(t[len(y)])
		tsum += r
		ty += r * j
	}
	switch kind {
	case mapLoss:
		// log(exp(-j) + sum exp(-y)) around m = min(j, min y), so nothing over- or underflows.
		m := j
		for _, v := range y {
			m = math.Min(m, float64(v))
		}
		den := math.Exp(-(j - m))
		for _, v := range y {
			den += math.Exp(-(float64(v) - m))
		}
		if dy != nil {
			for k, v := range y {
				dy[k] = T(float64(t[k]) - tsum*math.Exp(-(float64(v)-m))/den)
			}
		}
		return ty + tsum*(math.Log(den)-m)
	default:
		m := math.Inf(-1)
		for _, v := range y {
			m = math.Max(m, float64(v))
		}
		var den float64
		for _, v := range y {
			den += math.Exp(float64(v) - m)
		}
		if dy != nil {
			for k, v := range y {
				dy[k] = T(tsum*math.Exp(float64(v)-m)/den - float64(t[k]))
			}
		}
		return -ty + tsum*(m+math.Log(den))
	}
}

// lossBase is what a loss op and its gradient op share.
type lossBase struct {
	kind lossKind
	j    float64
	id   uint64
	buf  *buffer
}

func (op lossBase) ReturnsPtr() bool     { return false }
func (op lossBase) CallsExtern() bool    { return false }
func (op lossBase) OverwritesInput() int { return -1 }
func (op lossBase) String() string {
	if op.kind == mapLoss {
		return fmt.Sprintf("mapLoss(j=%g)#%d", op.j, op.id)
	}
	return fmt.Sprintf("softmaxCrossEntropy#%d", op.id)
}

// WriteHash and Hashcode come from String, which holds the op's unique id:
// Gorgonia merges nodes with equal hashes, and ops own their buffers.
func (op lossBase) WriteHash(h hash.Hash) { hashOp(h, op) }
func (op lossBase) Hashcode() uint32      { return hashcode(op) }

// lossOp is the forward op: (y, t) -> mean E.
type lossOp struct{ lossBase }

func newLossOp(kind lossKind, j float64) *lossOp {
	return &lossOp{lossBase{kind: kind, j: j, id: nextOpID(), buf: new(buffer)}}
}

func (op *lossOp) Arity() int         { return 2 }
func (op *lossOp) Type() hm.Type      { return fnType(2, 2, 0) }
func (op *lossOp) DiffWRT(int) []bool { return []bool{true, false} }

func (op *lossOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	y, err := shapeOf(ds, 0)
	if err != nil {
		return nil, err
	}
	t, err := shapeOf(ds, 1)
	if err != nil {
		return nil, err
	}
	if err := op.checkShapes(y, t); err != nil {
		return nil, err
	}
	return tensor.ScalarShape(), nil
}

// checkShapes checks outputs y (N, classes) against labels t: the same
// shape, or for the MAP loss one more column, the rubbish class.
func (op lossBase) checkShapes(y, t tensor.Shape) error {
	if len(y) != 2 || len(t) != 2 || y[0] != t[0] {
		return fmt.Errorf("graph: loss needs outputs and one-hot labels of the same shape (N, classes), got %v and %v", y, t)
	}
	switch t[1] {
	case y[1]:
		return nil
	case y[1] + 1:
		if op.kind == mapLoss {
			return nil
		}
		return fmt.Errorf("graph: labels %v have a rubbish column (%d classes + 1), which only the RBF head's MAP loss has; the softmax cross-entropy has no rubbish class", t, y[1])
	}
	return fmt.Errorf("graph: loss needs labels of shape (N, classes) or, for the MAP loss, (N, classes+1) with the rubbish class last; outputs %v, labels %v", y, t)
}

func (op *lossOp) Do(vs ...G.Value) (G.Value, error) {
	y, t, err := op.denseLossInputs(vs)
	if err != nil {
		return nil, err
	}
	switch y.Dtype() {
	case tensor.Float32:
		return newScalar(float32(meanLoss(op.kind, op.j, data[float32](y), data[float32](t), y.Shape(), t.Shape()[1]))), nil
	case tensor.Float64:
		return newScalar(meanLoss(op.kind, op.j, data[float64](y), data[float64](t), y.Shape(), t.Shape()[1])), nil
	}
	return nil, fmt.Errorf("graph: loss of %v is not supported", y.Dtype())
}

// meanLoss is the mean over the batch of E; the labels have ct columns.
func meanLoss[T float](kind lossKind, j float64, y, t []T, s tensor.Shape, ct int) float64 {
	n, c := s[0], s[1]
	var total float64
	for p := range n {
		total += patternLoss(kind, j, y[p*c:(p+1)*c], t[p*ct:(p+1)*ct], nil)
	}
	return total / float64(n)
}

func (op *lossOp) SymDiff(in G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	gop := &lossGradOp{lossBase{kind: op.kind, j: op.j, id: nextOpID(), buf: new(buffer)}}
	dy, err := G.ApplyOp(gop, in[0], in[1], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dy, nil}, nil
}

// lossGradOp: (y, t, g) -> g * d(mean E)/dy.
type lossGradOp struct{ lossBase }

func (op *lossGradOp) Arity() int     { return 3 }
func (op *lossGradOp) Type() hm.Type  { return fnType(2, 2, 0, 2) }
func (op *lossGradOp) String() string { return "d/" + op.lossBase.String() }
func (op *lossGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return shapeOf(ds, 0)
}

func (op *lossGradOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 3 {
		return nil, fmt.Errorf("graph: loss gradient takes 3 inputs, got %d", len(vs))
	}
	y, t, err := op.denseLossInputs(vs[:2])
	if err != nil {
		return nil, err
	}
	switch y.Dtype() {
	case tensor.Float32:
		return lossGradDo[float32](op, y, t, vs[2])
	case tensor.Float64:
		return lossGradDo[float64](op, y, t, vs[2])
	}
	return nil, fmt.Errorf("graph: loss gradient of %v is not supported", y.Dtype())
}

func lossGradDo[T float](op *lossGradOp, y, t *tensor.Dense, gv G.Value) (G.Value, error) {
	g, err := scalarValue[T](gv)
	if err != nil {
		return nil, err
	}
	s := y.Shape()
	n, c, ct := s[0], s[1], t.Shape()[1]
	out, dy := bufferTensor[T](op.buf, n, c)
	ys, ts := data[T](y), data[T](t)
	scale := g / T(n)
	for p := range n {
		d := dy[p*c : (p+1)*c]
		patternLoss(op.kind, op.j, ys[p*c:(p+1)*c], ts[p*ct:(p+1)*ct], d)
		for k := range d {
			d[k] *= scale
		}
	}
	return out, nil
}

// denseLossInputs reads (y, t) and checks they match.
func (op lossBase) denseLossInputs(vs []G.Value) (y, t *tensor.Dense, err error) {
	if len(vs) != 2 {
		return nil, nil, fmt.Errorf("graph: loss takes 2 inputs, got %d", len(vs))
	}
	if y, err = dense(vs[0], "loss input"); err != nil {
		return nil, nil, err
	}
	if t, err = dense(vs[1], "labels"); err != nil {
		return nil, nil, err
	}
	if y.Dtype() != t.Dtype() || op.checkShapes(y.Shape(), t.Shape()) != nil {
		return nil, nil, fmt.Errorf("graph: loss input %v %v and labels %v %v do not match", y.Shape(), y.Dtype(), t.Shape(), t.Dtype())
	}
	return y, t, nil
}
