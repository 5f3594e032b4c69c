package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"github.com/lenet5-go/lenet5/internal/f32"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The masked convolution: a valid, stride-1 cross-correlation (no kernel
// flip, as PyTorch's conv2d) over the pairs of a connection Table, with the
// bias fused, NCHW in and out. With a FullTable it is an ordinary
// convolution (C1); with C3Table it is LeNet-5's C3, computing 60 of the
// 96 pairs.
//
//	y[n,o,r,c] = b[o] + sum over pairs p=(o,i), u, v of w[p,u,v] x[n,i,r+u,c+v]
//
// Shapes: x (N, In, H, W); w packed (Pairs, kh, kw) in any shape of that
// volume, e.g. (Out, In, kh, kw) for a full table; b (Out); y (N, Out, OH, OW)
// with OH = H-kh+1, OW = W-kw+1. The kernels work one sample at a time.
// The forward pass and the weight gradient read the input in place: a map
// laid out with the input's row length W makes every kernel tap (u, v) the
// input shifted by u*W + v. The input gradient is the same kernel run the
// other way: the output gradient, zero-padded by kh-1 rows and kw-1
// columns on each side, read through the flipped taps of the pairs each
// input map feeds.

// convGeom holds the sizes of one masked convolution.
type convGeom struct {
	table         Table
	kh, kw        int
	pairOut       []int   // output map of each pair
	pairIn        []int   // input map of each pair
	outPairs      [][]int // pairs of each output map
	inPairs       [][]int // pairs of each input map
	inStart       []int   // start of each input map's block of transposed weights
	h, w, oh, ow  int     // input and output map sizes, set per call
	k, p, in, out int     // kh*kw, oh*ow, input and output maps
}

func newConvGeom(t Table, kh, kw int) convGeom {
	g := convGeom{table: t, kh: kh, kw: kw, k: kh * kw, in: t.In, out: t.Out()}
	g.pairOut, g.pairIn = t.pairList()
	g.outPairs = make([][]int, g.out)
	g.inPairs = make([][]int, g.in)
	for p, o := range g.pairOut {
		g.outPairs[o] = append(g.outPairs[o], p)
		g.inPairs[g.pairIn[p]] = append(g.inPairs[g.pairIn[p]], p)
	}
	g.inStart = make([]int, g.in)
	for i := 1; i < g.in; i++ {
		g.inStart[i] = g.inStart[i-1] + g.k*len(g.inPairs[i-1])
	}
	return g
}

// withInput sets the map sizes from an input of h x w.
func (g convGeom) withInput(h, w int) convGeom {
	g.h, g.w, g.oh, g.ow = h, w, h-g.kh+1, w-g.kw+1
	g.p = g.oh * g.ow
	return g
}

// tapOffsets lists, for each output map, where each of its kernel taps
// reads in one sample's input: pair (o, i) tap (u, v) reads from
// i*H*W + u*W + v. The forward pass reads the input in place through them.
func (g convGeom) tapOffsets() []f32.Rows {
	rows := make([]f32.Rows, g.out)
	for o, pairs := range g.outPairs {
		var offs []int
		for _, p := range pairs {
			for u := range g.kh {
				for v := range g.kw {
					offs = append(offs, g.pairIn[p]*g.h*g.w+u*g.w+v)
				}
			}
		}
		rows[o] = f32.NewRows(offs)
	}
	return rows
}

// convForward computes y for samples [lo, hi) without im2col: an output
// map is computed in a scratch row yw laid out with the input's row
// length W (its last W-OW columns are junk, never read), so that each
// kernel tap is the input itself shifted by the tap's offset, and all the
// taps of all the map's pairs accumulate in registers in one pass.
func convForward[T float](g convGeom, offs []f32.Rows, x, w, b, y, yw []T, lo, hi int) {
	span := (g.oh-1)*g.w + g.ow
	yw = yw[:span]
	for n := lo; n < hi; n++ {
		xn := x[n*g.in*g.h*g.w : (n+1)*g.in*g.h*g.w]
		for o, pairs := range g.outPairs {
			// The pairs of one output map are consecutive in the packing.
			biasAxpyAt(b[o], w[pairs[0]*g.k:(pairs[len(pairs)-1]+1)*g.k], xn, offs[o], yw)
			yo := y[(n*g.out+o)*g.p : (n*g.out+o+1)*g.p]
			for r := range g.oh {
				copy(yo[r*g.ow:(r+1)*g.ow], yw[r*g.w:])
			}
		}
	}
}

// transposeWeights lays the weights out by input map for the backward
// pass, in wt (Pairs*K values): input map i's block starts at
// g.inStart[i] and holds, for each tap k, the weights of the pairs feeding
// from it (in inPairs order): wt[g.inStart[i] + k*len(inPairs[i]) + m].
func transposeWeights[T float](g convGeom, w, wt []T) {
	for i, pairs := range g.inPairs {
		for m, p := range pairs {
			for k := range g.k {
				wt[g.inStart[i]+k*len(pairs)+m] = w[p*g.k+k]
			}
		}
	}
}

// padded returns the size of one output-gradient map zero-padded for
// the input gradient: PH = H+kh-1 rows of PW = W+kw-1.
func (g convGeom) padded() (ph, pw int) { return g.h + g.kh - 1, g.w + g.kw - 1 }

// inputTapOffsets lists, for each input map, where each flipped tap of
// each pair it feeds reads in one sample's padded output gradient, in the
// order of the transposed weights (tap k, then pair m): pair (o, i) tap
// (u, v) reads from o*PH*PW + (kh-1-u)*PW + (kw-1-v).
func (g convGeom) inputTapOffsets() []f32.Rows {
	ph, pw := g.padded()
	rows := make([]f32.Rows, g.in)
	for i, pairs := range g.inPairs {
		var offs []int
		for k := range g.k {
			u, v := k/g.kw, k%g.kw
			for _, p := range pairs {
				offs = append(offs, g.pairOut[p]*ph*pw+(g.kh-1-u)*pw+(g.kw-1-v))
			}
		}
		rows[i] = f32.NewRows(offs)
	}
	return rows
}

// padSize is the scratch convBackwardInput needs: the padded output
// gradient of one sample and one input map's row buffer.
func (g convGeom) padSize() int {
	ph, pw := g.padded()
	return g.out*ph*pw + (g.h-1)*pw + g.w
}

// convBackwardInput computes dx for samples [lo, hi) from the output
// gradient gy and the transposed weights wt, as convForward computes y:
// each sample's gy is copied into the zero-padded maps of scratch, and
// every input map's gradient, laid out with the padded row length PW
// (its last kw-1 columns junk), accumulates all its flipped taps in
// registers in one pass.
func convBackwardInput[T float](g convGeom, wt []T, inOffs []f32.Rows, gy, dx, scratch []T, lo, hi int) {
	ph, pw := g.padded()
	pad, dxw := scratch[:g.out*ph*pw], scratch[g.out*ph*pw:g.padSize()]
	clear(pad) // the borders stay zero; the interior is overwritten per sample
	for n := lo; n < hi; n++ {
		padGradient(g, gy[n*g.out*g.p:(n+1)*g.out*g.p], pad)
		dxn := dx[n*g.in*g.h*g.w : (n+1)*g.in*g.h*g.w]
		for i, pairs := range g.inPairs {
			// An input map that feeds no output gets zeros (no taps).
			biasAxpyAt(0, wt[g.inStart[i]:g.inStart[i]+g.k*len(pairs)], pad, inOffs[i], dxw)
			dxi := dxn[i*g.h*g.w : (i+1)*g.h*g.w]
			for r := range g.h {
				copy(dxi[r*g.w:(r+1)*g.w], dxw[r*pw:])
			}
		}
	}
}

// padGradient copies one sample's output gradient gyn into the interior
// of the zero-padded maps pad (PH x PW each).
func padGradient[T float](g convGeom, gyn, pad []T) {
	ph, pw := g.padded()
	for o := range g.out {
		for r := range g.oh {
			copy(pad[o*ph*pw+(r+g.kh-1)*pw+g.kw-1:][:g.ow], gyn[o*g.p+r*g.ow:][:g.ow])
		}
	}
}

// convBackwardWeight adds the weight gradient of samples [lo, hi) to dw,
// without im2col: each output map's gradient is laid out in gw with the
// input's row length W, zeros in the junk columns, so that the gradient of
// a tap is the dot product of gw with the input shifted by the tap's
// offset (the offsets of convForward).
func convBackwardWeight[T float](g convGeom, offs []f32.Rows, x, gy, dw, gw []T, lo, hi int) {
	span := (g.oh-1)*g.w + g.ow
	gw = gw[:span]
	clear(gw)
	for n := lo; n < hi; n++ {
		xn := x[n*g.in*g.h*g.w : (n+1)*g.in*g.h*g.w]
		for o, pairs := range g.outPairs {
			gyo := gy[(n*g.out+o)*g.p : (n*g.out+o+1)*g.p]
			for r := range g.oh {
				copy(gw[r*g.w:r*g.w+g.ow], gyo[r*g.ow:])
			}
			multiDotAt(gw, xn, offs[o], dw[pairs[0]*g.k:(pairs[len(pairs)-1]+1)*g.k])
		}
	}
}

// convBackwardBias computes db = sum over samples and positions of gy.
func convBackwardBias[T float](g convGeom, gy, db []T, n int) {
	clear(db)
	for s := range n {
		for o := range g.out {
			db[o] += sum(gy[(s*g.out+o)*g.p : (s*g.out+o+1)*g.p])
		}
	}
}

// convBase holds what the forward op and its gradient ops share: the
// geometry and options, and each op's own buffers.
type convBase struct {
	geom      convGeom
	wDims     int
	wantInput bool // differentiate with respect to x (false for C1)
	workers   int
	id        uint64
	out       *buffer
	scratch   []buffer // one col per worker
}

func newConvBase(t Table, kh, kw, wDims int, wantInput bool, workers int) convBase {
	return convBase{geom: newConvGeom(t, kh, kw), wDims: wDims, wantInput: wantInput,
		workers: workers, id: nextOpID(), out: new(buffer), scratch: make([]buffer, workers)}
}

// sibling returns the base of a gradient op: same geometry, fresh buffers.
func (op convBase) sibling() convBase {
	return newConvBase(op.geom.table, op.geom.kh, op.geom.kw, op.wDims, op.wantInput, op.workers)
}

func (op convBase) ReturnsPtr() bool     { return false }
func (op convBase) CallsExtern() bool    { return false }
func (op convBase) OverwritesInput() int { return -1 }
func (op convBase) String() string {
	return fmt.Sprintf("maskedConv%dx%d[%s]#%d", op.geom.kh, op.geom.kw, op.geom.table.key(), op.id)
}

// WriteHash and Hashcode come from String, which holds the op's unique id:
// Gorgonia merges nodes with equal hashes, and ops own their buffers.
func (op convBase) WriteHash(h hash.Hash) { hashOp(h, op) }
func (op convBase) Hashcode() uint32      { return hashcode(op) }

// maskedConvOp is the forward op: (x, w, b) -> y. It keeps the tap
// offsets of the last input size it saw.
type maskedConvOp struct {
	convBase
	offs    []f32.Rows
	offsHW  [2]int
	fan     *fanKernel // the float32 fan kernel of the table, or nil
	fanCall fanCall    // fan bound to the input size fanHW, once it has run
	fanHW   [2]int
	wt      buffer // the weights by input map, for the fan kernel
}

func newMaskedConvOp(t Table, kh, kw, wDims int, wantInput bool, workers int) *maskedConvOp {
	op := &maskedConvOp{convBase: newConvBase(t, kh, kw, wDims, wantInput, workers)}
	op.fan = fanFor(op.geom.forwardDests())
	return op
}

func (op *maskedConvOp) Arity() int         { return 3 }
func (op *maskedConvOp) Type() hm.Type      { return fnType(4, op.wDims, 1, 4) }
func (op *maskedConvOp) DiffWRT(int) []bool { return []bool{op.wantInput, true, true} }

func (op *maskedConvOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	x, err := shapeOf(ds, 0)
	if err != nil {
		return nil, err
	}
	w, err := shapeOf(ds, 1)
	if err != nil {
		return nil, err
	}
	g := op.geom
	if len(x) != 4 || x[1] != g.in || x[2] < g.kh || x[3] < g.kw {
		return nil, fmt.Errorf("graph: masked convolution needs input (N, %d, >=%d, >=%d), got %v", g.in, g.kh, g.kw, x)
	}
	if w.TotalSize() != g.table.Pairs()*g.k {
		return nil, fmt.Errorf("graph: masked convolution needs %d weights (%d pairs of %dx%d), got shape %v", g.table.Pairs()*g.k, g.table.Pairs(), g.kh, g.kw, w)
	}
	return tensor.Shape{x[0], g.out, x[2] - g.kh + 1, x[3] - g.kw + 1}, nil
}

func (op *maskedConvOp) Do(vs ...G.Value) (G.Value, error) {
	return runOp(vs, 3, "convolution", op, maskedConvDo[float32], maskedConvDo[float64])
}

// maskedConvDo runs the forward kernel on (x, w, b).
func maskedConvDo[T float](op *maskedConvOp, in []*tensor.Dense) G.Value {
	x, w, b := in[0], in[1], in[2]
	s := x.Shape()
	g := op.geom.withInput(s[2], s[3])
	out, y := bufferTensor[T](op.out, s[0], g.out, g.oh, g.ow)
	xs, ws, bs := data[T](x), data[T](w), data[T](b)
	if op.fan != nil {
		if x32, ok := any(xs).([]float32); ok {
			if op.fanCall.k == nil || op.fanHW != [2]int{g.h, g.w} {
				op.fanCall, op.fanHW = g.forwardFanCall(op.fan), [2]int{g.h, g.w}
			}
			w32 := any(ws).([]float32)
			wt := bufferSlice[float32](&op.wt, len(w32))
			transposeWeights(g, w32, wt)
			parallelFor(s[0], op.workers, func(wk, lo, hi int) {
				yw := bufferSlice[float32](&op.scratch[wk], g.out*op.fanCall.ystride)
				convForwardFan(g, op.fanCall, wt, any(bs).([]float32), x32, any(y).([]float32), yw, lo, hi)
			})
			return out
		}
	}
	if op.offs == nil || op.offsHW != [2]int{g.h, g.w} {
		op.offs, op.offsHW = g.tapOffsets(), [2]int{g.h, g.w}
	}
	offs := op.offs
	parallelFor(s[0], op.workers, func(wk, lo, hi int) {
		yw := bufferSlice[T](&op.scratch[wk], g.oh*g.w)
		convForward(g, offs, xs, ws, bs, y, yw, lo, hi)
	})
	return out
}

func (op *maskedConvOp) SymDiff(in G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	gi, gw, gb := op.gradOps(in[0].Shape(), in[1].Shape())
	var dx *G.Node
	var err error
	if op.wantInput {
		if dx, err = G.ApplyOp(gi, in[1], grad); err != nil {
			return nil, err
		}
	}
	dw, err := G.ApplyOp(gw, in[0], grad)
	if err != nil {
		return nil, err
	}
	db, err := G.ApplyOp(gb, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dw, db}, nil
}

// gradOps returns the input-, weight- and bias-gradient ops of op for an
// input of shape x and weights of shape w, on the fan kernels of the
// path where the structure has them: the backward pass (SymDiff) and the
// curvature estimate's second-order pass (GaussNewton) both run them.
func (op *maskedConvOp) gradOps(x, w tensor.Shape) (*convGradInputOp, *convGradWeightOp, *convGradBiasOp) {
	gi := &convGradInputOp{convBase: op.sibling(), h: x[2], w: x[3]}
	// The kernel writes the maps it lists: all of them must be there.
	if k := fanFor(gi.geom.inputDests()); k != nil && k.destCount() == gi.geom.in {
		gi.fan = k
	}
	return gi, &convGradWeightOp{convBase: op.sibling(), wShape: w.Clone(), fan: op.fan}, &convGradBiasOp{convBase: op.sibling()}
}

// convGradInputOp: (w, gy) -> dx.
type convGradInputOp struct {
	convBase
	h, w    int
	inOffs  []f32.Rows // g.inputTapOffsets() for the input size h x w
	wt      *buffer    // the transposed weights
	fan     *fanKernel // the float32 fan kernel of the table, or nil
	fanCall fanCall    // fan bound to the input size h x w, once it has run
	wf      buffer     // the weights by output map and the zero biases, for the fan kernel
}

func (op *convGradInputOp) Arity() int     { return 2 }
func (op *convGradInputOp) Type() hm.Type  { return fnType(op.wDims, 4, 4) }
func (op *convGradInputOp) String() string { return "dInput/" + op.convBase.String() }
func (op *convGradInputOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	gy, err := shapeOf(ds, 1)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{gy[0], op.geom.in, op.h, op.w}, nil
}

func (op *convGradInputOp) Do(vs ...G.Value) (G.Value, error) {
	return runOp(vs, 2, "convolution input gradient", op, convGradInputDo[float32], convGradInputDo[float64])
}

// convGradInputDo runs the input-gradient kernel on (w, gy).
func convGradInputDo[T float](op *convGradInputOp, in []*tensor.Dense) G.Value {
	w, gy := in[0], in[1]
	n := gy.Shape()[0]
	g := op.geom.withInput(op.h, op.w)
	out, dx := bufferTensor[T](op.out, n, g.in, g.h, g.w)
	if op.fan != nil {
		if gy32, ok := any(data[T](gy)).([]float32); ok {
			if op.fanCall.k == nil {
				op.fanCall = g.inputFanCall(op.fan)
			}
			w32 := data[float32](w)
			wf := bufferSlice[float32](&op.wf, len(w32)+g.in)
			packInputFanWeights(g, w32, wf)
			zeros := wf[len(w32):]
			clear(zeros)
			parallelFor(n, op.workers, func(wk, lo, hi int) {
				convBackwardInputFan(g, op.fanCall, wf, zeros, gy32, any(dx).([]float32),
					bufferSlice[float32](&op.scratch[wk], g.inputFanScratch()), lo, hi)
			})
			return out
		}
	}
	if op.inOffs == nil {
		op.inOffs, op.wt = g.inputTapOffsets(), new(buffer)
	}
	ws := data[T](w)
	wt := bufferSlice[T](op.wt, len(ws))
	transposeWeights(g, ws, wt)
	gys := data[T](gy)
	parallelFor(n, op.workers, func(wk, lo, hi int) {
		convBackwardInput(g, wt, op.inOffs, gys, dx, bufferSlice[T](&op.scratch[wk], g.padSize()), lo, hi)
	})
	return out
}

// convGradWeightOp: (x, gy) -> dw.
type convGradWeightOp struct {
	convBase
	wShape  tensor.Shape
	partial []buffer   // per-worker sums of dw
	offs    []f32.Rows // tap offsets for the input size offsHW
	offsHW  [2]int
	fan     *fanKernel  // the forward op's fan kernel, or nil
	fanCall fanGradCall // its weight-gradient kernel bound to the input size fanHW, once it has run
	fanSums f32.Rows    // g.weightFanSums(), with fanCall
	fanHW   [2]int
}

func (op *convGradWeightOp) Arity() int     { return 2 }
func (op *convGradWeightOp) Type() hm.Type  { return fnType(4, 4, op.wDims) }
func (op *convGradWeightOp) String() string { return "dWeight/" + op.convBase.String() }
func (op *convGradWeightOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.wShape.Clone(), nil
}

func (op *convGradWeightOp) Do(vs ...G.Value) (G.Value, error) {
	return runOp(vs, 2, "convolution weight gradient", op, convGradWeightDo[float32], convGradWeightDo[float64])
}

// convGradWeightDo runs the weight-gradient kernel on (x, gy).
func convGradWeightDo[T float](op *convGradWeightOp, in []*tensor.Dense) G.Value {
	x, gy := in[0], in[1]
	s := x.Shape()
	g := op.geom.withInput(s[2], s[3])
	out, dw := bufferTensor[T](op.out, op.wShape...)
	if op.partial == nil {
		op.partial = make([]buffer, op.workers)
	}
	xs, gys := data[T](x), data[T](gy)
	x32, isF32 := any(xs).([]float32)
	if isF32 && g.weightFanFits(op.fan) {
		if op.fanCall.k == nil || op.fanHW != [2]int{g.h, g.w} {
			op.fanCall, op.fanSums, op.fanHW = g.weightFanCall(op.fan), g.weightFanSums(), [2]int{g.h, g.w}
		}
		parallelFor(s[0], op.workers, func(wk, lo, hi int) {
			part := bufferSlice[float32](&op.partial[wk], len(dw)+16*len(dw)+g.weightFanScratch(op.fan))
			d, lanes, gs := part[:len(dw)], part[len(dw):17*len(dw)], part[17*len(dw):]
			clear(d)
			convBackwardWeightFan(g, op.fanCall, op.fanSums, x32, any(gys).([]float32), d, gs, lanes, lo, hi)
		})
	} else {
		if op.offs == nil || op.offsHW != [2]int{g.h, g.w} {
			op.offs, op.offsHW = g.tapOffsets(), [2]int{g.h, g.w}
		}
		parallelFor(s[0], op.workers, func(wk, lo, hi int) {
			gw := bufferSlice[T](&op.scratch[wk], g.oh*g.w)
			part := bufferSlice[T](&op.partial[wk], len(dw))
			clear(part)
			convBackwardWeight(g, op.offs, xs, gys, part, gw, lo, hi)
		})
	}
	clear(dw)
	for wk := range min(op.workers, s[0]) {
		axpy(1, bufferSlice[T](&op.partial[wk], len(dw)), dw)
	}
	return out
}

// convGradBiasOp: gy -> db.
type convGradBiasOp struct{ convBase }

func (op *convGradBiasOp) Arity() int     { return 1 }
func (op *convGradBiasOp) Type() hm.Type  { return fnType(4, 1) }
func (op *convGradBiasOp) String() string { return "dBias/" + op.convBase.String() }
func (op *convGradBiasOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.geom.out}, nil
}

func (op *convGradBiasOp) Do(vs ...G.Value) (G.Value, error) {
	return runOp(vs, 1, "convolution bias gradient", op, convGradBiasDo[float32], convGradBiasDo[float64])
}

// convGradBiasDo sums gy per output map.
func convGradBiasDo[T float](op *convGradBiasOp, in []*tensor.Dense) G.Value {
	gy := in[0]
	s := gy.Shape()
	g := op.geom
	g.p = s[2] * s[3]
	out, db := bufferTensor[T](op.out, g.out)
	convBackwardBias(g, data[T](gy), db, s[0])
	return out
}
