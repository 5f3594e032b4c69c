package graph

import (
	"fmt"
	"slices"
)

//go:generate go run ./internal/fangen

// A fan kernel runs a whole masked convolution of one sample in one pass
// over its output positions: each shifted source vector is loaded once
// and added, through broadcast weights, into every destination map it
// feeds, all destinations held in registers. The kernels are AVX-512 and
// AVX2 assembly written by internal/fangen, one per connection structure
// (the accumulators are registers, so the structure is in the code):
// LeNet-5's C1 and C3, LeNet-1's H1 and H3 and LeNet-4's C1 and C3 (H1
// and LeNet-4's C1 share one), each forward pass with its weight gradient
// and each input gradient that the training needs. A structure with no
// kernel on the current path (AVX2 has the forward passes and input
// gradients whose destinations fit its 16 registers, and no weight
// gradients; generic none: see internal/cpu) or a float64 graph uses the
// per-map kernels of conv.go, as does LeNet-4's F5, whose outputs are
// 1x1. A graph keeps the kernels of the path it was built on.
//
// For source s, tap k and destination map dests[s][m]:
//
//	y[dests[s][m]*ystride + j] += w[(s-block) + k*len(dests[s]) + m] * src[offs[s*taps+k] + j]
//
// for j in [0, n), each destination starting from its bias.

// fanFunc is the signature of the generated kernels.
type fanFunc func(src *float32, offs *int, w *float32, bias *float32, y *float32, ystride int, n int, taps int)

// fanGradFunc is the signature of the generated weight-gradient kernels.
type fanGradFunc func(src *float32, offs *int, grad *float32, part *float32, n int, taps int)

// fanKernel is one generated kernel: the structure it computes, its
// unmasked variant (n a multiple of lanes*vecs) and its masked one (any
// n), and, when generated, its weight-gradient kernel, which reads
// gradient rows gradStride apart.
type fanKernel struct {
	dests        [][]int
	vecs         int
	full, masked fanFunc
	grad         fanGradFunc
	gradStride   int
	lanes        int // 16 (AVX-512) or 8 (AVX2)
}

// fanFor returns the kernel computing dests on the current path, or nil.
func fanFor(dests [][]int) *fanKernel {
	for _, k := range fanKernels() {
		if equalStructure(k.dests, dests) {
			return k
		}
	}
	return nil
}

// equalStructure reports whether a and b list the same destinations.
func equalStructure(a, b [][]int) bool { return slices.EqualFunc(a, b, slices.Equal) }

// destCount is how many destination maps the kernel writes.
func (k *fanKernel) destCount() int {
	n := 0
	for _, ds := range k.dests {
		for _, d := range ds {
			n = max(n, d+1)
		}
	}
	return n
}

// weightCount is how many weights a tap count needs.
func (k *fanKernel) weightCount(taps int) int {
	n := 0
	for _, ds := range k.dests {
		n += len(ds) * taps
	}
	return n
}

// fanCall is a fan kernel bound to its tap offsets and sizes, checked
// once: run then checks only the slices' lengths, O(1) per sample.
type fanCall struct {
	k                *fanKernel
	offs             []int
	reach            int // the largest offset plus n: the source length it needs
	n, taps, ystride int
	weightLen        int // the weights it reads
	biasLen          int // the biases it reads, one per destination
	outLen           int // the outputs it writes: (biasLen-1)*ystride + n
}

// call binds the kernel to offs and the sizes, checking them.
func (k *fanKernel) call(offs []int, n, taps, ystride int) fanCall {
	if n <= 0 || taps <= 0 || ystride < n || len(offs) != len(k.dests)*taps {
		panic(fmt.Sprintf("graph: fan kernel: %d offsets, n %d, %d taps, stride %d do not fit %d sources", len(offs), n, taps, ystride, len(k.dests)))
	}
	nd := k.destCount()
	return fanCall{k: k, offs: offs, reach: offsetReach(offs, n), n: n, taps: taps, ystride: ystride,
		weightLen: k.weightCount(taps), biasLen: nd, outLen: (nd-1)*ystride + n}
}

// offsetReach checks that no offset is negative and returns the largest
// plus n.
func offsetReach(offs []int, n int) int {
	reach := 0
	for _, o := range offs {
		if o < 0 {
			panic(fmt.Sprintf("graph: fan kernel: negative offset %d", o))
		}
		reach = max(reach, o+n)
	}
	return reach
}

// run checks that the slices hold every index the kernel will touch, so
// the assembly needs no bounds checks, and runs the unmasked variant on
// the whole vectors and the masked one on the rest.
func (c fanCall) run(src, w, bias, y []float32) {
	k, n := c.k, c.n
	if len(src) < c.reach || len(w) < c.weightLen || len(bias) < c.biasLen || len(y) < c.outLen {
		panic(fmt.Sprintf("graph: fan kernel: sizes do not fit: a source of %d (needs %d), %d weights (needs %d), %d biases (needs %d), %d outputs (needs %d)",
			len(src), c.reach, len(w), c.weightLen, len(bias), c.biasLen, len(y), c.outLen))
	}
	full := n - n%(k.lanes*k.vecs)
	if full > 0 {
		k.full(&src[0], &c.offs[0], &w[0], &bias[0], &y[0], c.ystride, full, c.taps)
	}
	if full < n {
		k.masked(&src[full], &c.offs[0], &w[0], &bias[0], &y[full], c.ystride, n-full, c.taps)
	}
}

// fanGradCall is a weight-gradient kernel bound to its tap offsets and
// sizes, checked once, as fanCall.
type fanGradCall struct {
	k            *fanKernel
	offs         []int
	reach        int
	n, taps      int
	gradLen      int // the gradient values it reads
	partialCount int // the partial sums it adds to
}

// gradCall binds the weight-gradient kernel to offs and the sizes,
// checking them.
func (k *fanKernel) gradCall(offs []int, n, taps int) fanGradCall {
	if k.grad == nil || n <= 0 || n > k.gradStride || taps <= 0 || len(offs) != len(k.dests)*taps {
		panic(fmt.Sprintf("graph: fan gradient kernel: %d offsets, n %d (at most %d), %d taps do not fit %d sources", len(offs), n, k.gradStride, taps, len(k.dests)))
	}
	return fanGradCall{k: k, offs: offs, reach: offsetReach(offs, n), n: n, taps: taps,
		gradLen: (k.destCount()-1)*k.gradStride + n, partialCount: 16 * k.weightCount(taps)}
}

// run adds to part, 16 lane sums per weight in the weights' order, the
// weight gradient of one sample:
//
//	part[(s-block + k*len(dests[s]) + m)*16 + l] += sum over j = l mod 16, j < n, of
//	    grad[dests[s][m]*gradStride + j] * src[offs[s*taps+k] + j]
//
// It checks the slices' lengths first, as fanCall.run does.
func (c fanGradCall) run(src, grad, part []float32) {
	if len(src) < c.reach || len(grad) < c.gradLen || len(part) < c.partialCount {
		panic(fmt.Sprintf("graph: fan gradient kernel: sizes do not fit: a source of %d for a reach of %d, %d gradients (needs %d), %d partial sums (needs %d)",
			len(src), c.reach, len(grad), c.gradLen, len(part), c.partialCount))
	}
	c.k.grad(&src[0], &c.offs[0], &grad[0], &part[0], c.n, c.taps)
}
