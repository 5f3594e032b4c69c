package graph

import "github.com/lenet5-go/lenet5/internal/f32"

// The masked convolution on the fan kernels (fan.go): the forward pass
// with the input maps as sources, and the input gradient with the padded
// output-gradient maps as sources, read through flipped taps. Both write
// each destination map laid out with its source's row length into a
// scratch of rows ystride apart, then copy the valid columns out, as the
// per-map kernels do.

// forwardDests lists, for each input map, the output maps it feeds, in
// pair order (the order of transposeWeights).
func (g convGeom) forwardDests() [][]int {
	d := make([][]int, g.in)
	for i, pairs := range g.inPairs {
		for _, p := range pairs {
			d[i] = append(d[i], g.pairOut[p])
		}
	}
	return d
}

// inputDests lists, for each output map, the input maps whose gradient it
// feeds, in pair order.
func (g convGeom) inputDests() [][]int {
	d := make([][]int, g.out)
	for o, pairs := range g.outPairs {
		for _, p := range pairs {
			d[o] = append(d[o], g.pairIn[p])
		}
	}
	return d
}

// fanStride is the row distance of the fan scratch: n rounded up to
// whole vectors, so each destination starts aligned.
func fanStride(n int) int { return (n + 15) &^ 15 }

// forwardFanOffsets lists, for input map i and tap k = u*kw+v, where the
// tap reads in one sample's input: i*H*W + u*W + v.
func (g convGeom) forwardFanOffsets() []int {
	offs := make([]int, 0, g.in*g.k)
	for i := range g.in {
		for u := range g.kh {
			for v := range g.kw {
				offs = append(offs, i*g.h*g.w+u*g.w+v)
			}
		}
	}
	return offs
}

// forwardFanCall binds k to the forward pass of g's input size: the
// output maps laid out with the input's row length, rows fanStride apart.
func (g convGeom) forwardFanCall(k *fanKernel) fanCall {
	span := (g.oh-1)*g.w + g.ow
	return k.call(g.forwardFanOffsets(), span, g.k, fanStride(span))
}

// convForwardFan is convForward on a fan kernel bound by forwardFanCall;
// wt holds the weights by input map (transposeWeights) and yw
// g.out*call.ystride values.
func convForwardFan(g convGeom, call fanCall, wt, b, x, y, yw []float32, lo, hi int) {
	stride := call.ystride
	for n := lo; n < hi; n++ {
		call.run(x[n*g.in*g.h*g.w:(n+1)*g.in*g.h*g.w], wt, b, yw)
		for o := range g.out {
			yo := y[(n*g.out+o)*g.p : (n*g.out+o+1)*g.p]
			for r := range g.oh {
				copy(yo[r*g.ow:(r+1)*g.ow], yw[o*stride+r*g.w:])
			}
		}
	}
}

// inputFanOffsets lists, for output map o and tap k = u*kw+v, where the
// flipped tap reads in one sample's padded output gradient:
// o*PH*PW + (kh-1-u)*PW + (kw-1-v).
func (g convGeom) inputFanOffsets() []int {
	ph, pw := g.padded()
	offs := make([]int, 0, g.out*g.k)
	for o := range g.out {
		for u := range g.kh {
			for v := range g.kw {
				offs = append(offs, o*ph*pw+(g.kh-1-u)*pw+(g.kw-1-v))
			}
		}
	}
	return offs
}

// packInputFanWeights lays the weights out by output map for the input
// gradient: map o's block holds, for each tap k, the weights of its pairs
// in order, wf[start(o) + k*len(outPairs[o]) + m] = w[outPairs[o][m]*K + k].
func packInputFanWeights(g convGeom, w, wf []float32) {
	start := 0
	for _, pairs := range g.outPairs {
		for m, p := range pairs {
			for k := range g.k {
				wf[start+k*len(pairs)+m] = w[p*g.k+k]
			}
		}
		start += g.k * len(pairs)
	}
}

// inputFanScratch is the scratch convBackwardInputFan needs: the padded
// output gradient of one sample and the input-gradient rows.
func (g convGeom) inputFanScratch() int {
	ph, pw := g.padded()
	return g.out*ph*pw + g.in*fanStride((g.h-1)*pw+g.w)
}

// inputFanCall binds k to the input gradient of g's input size: the
// input maps laid out with the padded row length, rows fanStride apart.
func (g convGeom) inputFanCall(k *fanKernel) fanCall {
	_, pw := g.padded()
	span := (g.h-1)*pw + g.w
	return k.call(g.inputFanOffsets(), span, g.k, fanStride(span))
}

// convBackwardInputFan is convBackwardInput on a fan kernel bound by
// inputFanCall; wf holds the weights by output map (packInputFanWeights)
// and zeros g.in zeros.
func convBackwardInputFan(g convGeom, call fanCall, wf, zeros, gy, dx, scratch []float32, lo, hi int) {
	ph, pw := g.padded()
	stride := call.ystride
	pad, dxw := scratch[:g.out*ph*pw], scratch[g.out*ph*pw:g.inputFanScratch()]
	clear(pad) // the borders stay zero; the interior is overwritten per sample
	for n := lo; n < hi; n++ {
		padGradient(g, gy[n*g.out*g.p:(n+1)*g.out*g.p], pad)
		call.run(pad, wf, zeros, dxw)
		dxn := dx[n*g.in*g.h*g.w : (n+1)*g.in*g.h*g.w]
		for i := range g.in {
			dxi := dxn[i*g.h*g.w : (i+1)*g.h*g.w]
			for r := range g.h {
				copy(dxi[r*g.w:(r+1)*g.w], dxw[i*stride+r*pw:])
			}
		}
	}
}

// weightFanScratch is the scratch convBackwardWeightFan needs: one
// sample's output gradient, each map's row gradStride values long.
func (g convGeom) weightFanScratch(k *fanKernel) int { return g.out * k.gradStride }

// weightFanFits reports whether the kernel's gradient rows hold an output
// map laid out with the input's row length.
func (g convGeom) weightFanFits(k *fanKernel) bool {
	return k != nil && k.grad != nil && (g.oh-1)*g.w+g.ow <= k.gradStride
}

// weightFanCall binds k's weight-gradient kernel to g's input size; g
// must fit it (weightFanFits).
func (g convGeom) weightFanCall(k *fanKernel) fanGradCall {
	return k.gradCall(g.forwardFanOffsets(), (g.oh-1)*g.w+g.ow, g.k)
}

// weightFanSums lists, in dw's order (pair-major, as w), where each
// weight's 16 lane sums start in the weight-gradient kernel's partial
// sums (weights by input map, as transposeWeights).
func (g convGeom) weightFanSums() f32.Rows {
	offs := make([]int, g.table.Pairs()*g.k)
	for i, pairs := range g.inPairs {
		for t := range g.k {
			for m, p := range pairs {
				offs[p*g.k+t] = (g.inStart[i] + t*len(pairs) + m) * 16
			}
		}
	}
	return f32.NewRows(offs)
}

// laneOnes is the vector whose dot product with 16 lane sums adds them up.
var laneOnes = []float32{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}

// convBackwardWeightFan adds the weight gradient of samples [lo, hi) to
// dw (pair-major, as w) on a weight-gradient kernel bound by
// weightFanCall: each sample's output gradient is laid out in gs with the
// input's row length, zeros in the junk columns, the kernel adds 16 lane
// sums per weight into part, and one MultiDotAt with ones adds them up
// into dw at the end, through sums (weightFanSums).
func convBackwardWeightFan(g convGeom, call fanGradCall, sums f32.Rows, x, gy, dw, gs, part []float32, lo, hi int) {
	k := call.k
	clear(gs)
	clear(part)
	for n := lo; n < hi; n++ {
		for o := range g.out {
			gyo := gy[(n*g.out+o)*g.p : (n*g.out+o+1)*g.p]
			for r := range g.oh {
				copy(gs[o*k.gradStride+r*g.w:][:g.ow], gyo[r*g.ow:])
			}
		}
		call.run(x[n*g.in*g.h*g.w:(n+1)*g.in*g.h*g.w], gs, part)
	}
	f32.MultiDotAt(laneOnes, part, sums, dw)
}
