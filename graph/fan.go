package graph

import "fmt"

//go:generate go run ./internal/fangen

// A fan kernel runs a whole masked convolution of one sample in one pass
// over its output positions: each shifted source vector is loaded once
// and added, through broadcast weights, into every destination map it
// feeds, all destinations held in registers. The kernels are AVX-512
// assembly written by internal/fangen, one per connection structure (the
// accumulators are registers, so the structure is in the code); a
// structure with no kernel, a float64 graph or a build without them uses
// the per-map kernels of conv.go.
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
// unmasked variant (n a multiple of 16*vecs) and its masked one (any n),
// and, when generated, its weight-gradient kernel, which reads gradient
// rows gradStride apart.
type fanKernel struct {
	dests        [][]int
	vecs         int
	full, masked fanFunc
	grad         fanGradFunc
	gradStride   int
}

// fanFor returns the kernel computing dests, or nil.
func fanFor(dests [][]int) *fanKernel {
	for _, k := range fanKernels {
		if equalStructure(k.dests, dests) {
			return k
		}
	}
	return nil
}

func equalStructure(a, b [][]int) bool {
	if len(a) != len(b) {
		return false
	}
	for s := range a {
		if len(a[s]) != len(b[s]) {
			return false
		}
		for m := range a[s] {
			if a[s][m] != b[s][m] {
				return false
			}
		}
	}
	return true
}

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

// run checks every index the kernel will touch against its slice, so the
// assembly needs no bounds checks, and runs the unmasked variant on the
// whole vectors and the masked one on the rest.
func (k *fanKernel) run(src []float32, offs []int, w, bias, y []float32, ystride, n, taps int) {
	nd := k.destCount()
	if n <= 0 || taps <= 0 {
		panic(fmt.Sprintf("graph: fan kernel: n %d and taps %d must be positive", n, taps))
	}
	if len(offs) != len(k.dests)*taps || len(w) < k.weightCount(taps) || len(bias) < nd || ystride < n || len(y) < (nd-1)*ystride+n {
		panic(fmt.Sprintf("graph: fan kernel: sizes do not fit: %d offsets, %d weights, %d biases, %d outputs at stride %d for n %d, %d taps",
			len(offs), len(w), len(bias), len(y), ystride, n, taps))
	}
	for _, o := range offs {
		if o < 0 || o > len(src)-n {
			panic(fmt.Sprintf("graph: fan kernel: offset %d with n %d runs past a source of %d", o, n, len(src)))
		}
	}
	full := n - n%(16*k.vecs)
	if full > 0 {
		k.full(&src[0], &offs[0], &w[0], &bias[0], &y[0], ystride, full, taps)
	}
	if full < n {
		k.masked(&src[full], &offs[0], &w[0], &bias[0], &y[full], ystride, n-full, taps)
	}
}

// runGrad adds to part, 16 lane sums per weight in the weights' order,
// the weight gradient of one sample:
//
//	part[(s-block + k*len(dests[s]) + m)*16 + l] += sum over j = l mod 16, j < n, of
//	    grad[dests[s][m]*gradStride + j] * src[offs[s*taps+k] + j]
//
// It checks every index the kernel will touch, as run does.
func (k *fanKernel) runGrad(src []float32, offs []int, grad, part []float32, n, taps int) {
	if k.grad == nil || n <= 0 || n > k.gradStride || taps <= 0 {
		panic(fmt.Sprintf("graph: fan gradient kernel: n %d must be in 1..%d and taps %d positive", n, k.gradStride, taps))
	}
	if len(offs) != len(k.dests)*taps || len(grad) < (k.destCount()-1)*k.gradStride+n || len(part) < 16*k.weightCount(taps) {
		panic(fmt.Sprintf("graph: fan gradient kernel: sizes do not fit: %d offsets, %d gradients, %d partial sums for n %d, %d taps",
			len(offs), len(grad), len(part), n, taps))
	}
	for _, o := range offs {
		if o < 0 || o > len(src)-n {
			panic(fmt.Sprintf("graph: fan gradient kernel: offset %d with n %d runs past a source of %d", o, n, len(src)))
		}
	}
	k.grad(&src[0], &offs[0], &grad[0], &part[0], n, taps)
}
