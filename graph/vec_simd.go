//go:build goexperiment.simd && amd64

package graph

import "simd/archsimd"

// The AVX-512 float32 kernels (GOEXPERIMENT=simd). Each keeps its
// accumulators in 16-lane registers and falls back to the portable code on
// a CPU without AVX-512.

// simdKernels reports whether the AVX-512 kernels are in use.
var simdKernels = archsimd.X86.AVX512()

func axpy32(a float32, x, y []float32) {
	if !simdKernels {
		blas.Saxpy(len(x), a, x, 1, y, 1)
		return
	}
	y = y[:len(x)]
	va := archsimd.BroadcastFloat32x16(a)
	i := 0
	for ; i+32 <= len(x); i += 32 {
		archsimd.LoadFloat32x16Slice(x[i:]).MulAdd(va, archsimd.LoadFloat32x16Slice(y[i:])).StoreSlice(y[i:])
		archsimd.LoadFloat32x16Slice(x[i+16:]).MulAdd(va, archsimd.LoadFloat32x16Slice(y[i+16:])).StoreSlice(y[i+16:])
	}
	for ; i+16 <= len(x); i += 16 {
		archsimd.LoadFloat32x16Slice(x[i:]).MulAdd(va, archsimd.LoadFloat32x16Slice(y[i:])).StoreSlice(y[i:])
	}
	if i < len(x) {
		archsimd.LoadFloat32x16SlicePart(x[i:]).MulAdd(va, archsimd.LoadFloat32x16SlicePart(y[i:])).StoreSlicePart(y[i:])
	}
}

// fold4 adds the four quarters of v lane by lane.
func fold4(v archsimd.Float32x16) archsimd.Float32x4 {
	h := v.GetLo().Add(v.GetHi())
	return h.GetLo().Add(h.GetHi())
}

// hsum adds the 16 lanes.
func hsum(v archsimd.Float32x16) float32 {
	q := fold4(v)
	q = q.AddPairs(q)
	return q.AddPairs(q).GetElem(0)
}

// hsum4 returns the lane sums of four vectors as one vector.
func hsum4(s0, s1, s2, s3 archsimd.Float32x16) archsimd.Float32x4 {
	return fold4(s0).AddPairs(fold4(s1)).AddPairs(fold4(s2).AddPairs(fold4(s3)))
}

func dot32(x, y []float32) float32 {
	if !simdKernels {
		return blas.Sdot(len(x), x, 1, y, 1)
	}
	y = y[:len(x)]
	var s0, s1 archsimd.Float32x16
	i := 0
	for ; i+32 <= len(x); i += 32 {
		s0 = archsimd.LoadFloat32x16Slice(x[i:]).MulAdd(archsimd.LoadFloat32x16Slice(y[i:]), s0)
		s1 = archsimd.LoadFloat32x16Slice(x[i+16:]).MulAdd(archsimd.LoadFloat32x16Slice(y[i+16:]), s1)
	}
	for ; i+16 <= len(x); i += 16 {
		s0 = archsimd.LoadFloat32x16Slice(x[i:]).MulAdd(archsimd.LoadFloat32x16Slice(y[i:]), s0)
	}
	if i < len(x) {
		s1 = archsimd.LoadFloat32x16SlicePart(x[i:]).MulAdd(archsimd.LoadFloat32x16SlicePart(y[i:]), s1)
	}
	return hsum(s0.Add(s1))
}

func biasAxpyAt32(bias float32, a, b []float32, offs []int, y []float32) {
	if !simdKernels {
		for j := range y {
			y[j] = bias
		}
		for k, ak := range a {
			blas.Saxpy(len(y), ak, b[offs[k]:offs[k]+len(y)], 1, y, 1)
		}
		return
	}
	n := len(y)
	offs = offs[:len(a)]
	vb := archsimd.BroadcastFloat32x16(bias)
	j := 0
	// Four accumulators per weight broadcast, then two, then one.
	for ; j+64 <= n; j += 64 {
		c0, c1, c2, c3 := vb, vb, vb, vb
		for k, ak := range a {
			w := archsimd.BroadcastFloat32x16(ak)
			row := b[offs[k]+j : offs[k]+j+64]
			c0 = archsimd.LoadFloat32x16Slice(row).MulAdd(w, c0)
			c1 = archsimd.LoadFloat32x16Slice(row[16:]).MulAdd(w, c1)
			c2 = archsimd.LoadFloat32x16Slice(row[32:]).MulAdd(w, c2)
			c3 = archsimd.LoadFloat32x16Slice(row[48:]).MulAdd(w, c3)
		}
		c0.StoreSlice(y[j:])
		c1.StoreSlice(y[j+16:])
		c2.StoreSlice(y[j+32:])
		c3.StoreSlice(y[j+48:])
	}
	for ; j+32 <= n; j += 32 {
		c0, c1 := vb, vb
		for k, ak := range a {
			w := archsimd.BroadcastFloat32x16(ak)
			row := b[offs[k]+j : offs[k]+j+32]
			c0 = archsimd.LoadFloat32x16Slice(row).MulAdd(w, c0)
			c1 = archsimd.LoadFloat32x16Slice(row[16:]).MulAdd(w, c1)
		}
		c0.StoreSlice(y[j:])
		c1.StoreSlice(y[j+16:])
	}
	for ; j < n; j += 16 {
		part := min(16, n-j)
		c := vb
		for k, ak := range a {
			c = archsimd.LoadFloat32x16SlicePart(b[offs[k]+j:offs[k]+j+part]).MulAdd(archsimd.BroadcastFloat32x16(ak), c)
		}
		c.StoreSlicePart(y[j : j+part])
	}
}

func multiDotAt32(g, b []float32, offs []int, out []float32) {
	if !simdKernels {
		for k := range out {
			out[k] += blas.Sdot(len(g), g, 1, b[offs[k]:offs[k]+len(g)], 1)
		}
		return
	}
	n := len(g)
	k := 0
	// Eight rows at a time share each load of g, then four: the eight-row
	// block made a training step 2-8% faster than four alone (A/B, 3 runs).
	for ; k+8 <= len(out); k += 8 {
		r0, r1, r2, r3 := b[offs[k]:offs[k]+n], b[offs[k+1]:offs[k+1]+n], b[offs[k+2]:offs[k+2]+n], b[offs[k+3]:offs[k+3]+n]
		r4, r5, r6, r7 := b[offs[k+4]:offs[k+4]+n], b[offs[k+5]:offs[k+5]+n], b[offs[k+6]:offs[k+6]+n], b[offs[k+7]:offs[k+7]+n]
		var s0, s1, s2, s3, s4, s5, s6, s7 archsimd.Float32x16
		j := 0
		for ; j+16 <= n; j += 16 {
			gv := archsimd.LoadFloat32x16Slice(g[j:])
			s0 = archsimd.LoadFloat32x16Slice(r0[j:]).MulAdd(gv, s0)
			s1 = archsimd.LoadFloat32x16Slice(r1[j:]).MulAdd(gv, s1)
			s2 = archsimd.LoadFloat32x16Slice(r2[j:]).MulAdd(gv, s2)
			s3 = archsimd.LoadFloat32x16Slice(r3[j:]).MulAdd(gv, s3)
			s4 = archsimd.LoadFloat32x16Slice(r4[j:]).MulAdd(gv, s4)
			s5 = archsimd.LoadFloat32x16Slice(r5[j:]).MulAdd(gv, s5)
			s6 = archsimd.LoadFloat32x16Slice(r6[j:]).MulAdd(gv, s6)
			s7 = archsimd.LoadFloat32x16Slice(r7[j:]).MulAdd(gv, s7)
		}
		if j < n {
			gv := archsimd.LoadFloat32x16SlicePart(g[j:])
			s0 = archsimd.LoadFloat32x16SlicePart(r0[j:]).MulAdd(gv, s0)
			s1 = archsimd.LoadFloat32x16SlicePart(r1[j:]).MulAdd(gv, s1)
			s2 = archsimd.LoadFloat32x16SlicePart(r2[j:]).MulAdd(gv, s2)
			s3 = archsimd.LoadFloat32x16SlicePart(r3[j:]).MulAdd(gv, s3)
			s4 = archsimd.LoadFloat32x16SlicePart(r4[j:]).MulAdd(gv, s4)
			s5 = archsimd.LoadFloat32x16SlicePart(r5[j:]).MulAdd(gv, s5)
			s6 = archsimd.LoadFloat32x16SlicePart(r6[j:]).MulAdd(gv, s6)
			s7 = archsimd.LoadFloat32x16SlicePart(r7[j:]).MulAdd(gv, s7)
		}
		archsimd.LoadFloat32x4Slice(out[k:]).Add(hsum4(s0, s1, s2, s3)).StoreSlice(out[k:])
		archsimd.LoadFloat32x4Slice(out[k+4:]).Add(hsum4(s4, s5, s6, s7)).StoreSlice(out[k+4:])
	}
	for ; k+4 <= len(out); k += 4 {
		r0, r1, r2, r3 := b[offs[k]:offs[k]+n], b[offs[k+1]:offs[k+1]+n], b[offs[k+2]:offs[k+2]+n], b[offs[k+3]:offs[k+3]+n]
		var s0, s1, s2, s3 archsimd.Float32x16
		j := 0
		for ; j+16 <= n; j += 16 {
			gv := archsimd.LoadFloat32x16Slice(g[j:])
			s0 = archsimd.LoadFloat32x16Slice(r0[j:]).MulAdd(gv, s0)
			s1 = archsimd.LoadFloat32x16Slice(r1[j:]).MulAdd(gv, s1)
			s2 = archsimd.LoadFloat32x16Slice(r2[j:]).MulAdd(gv, s2)
			s3 = archsimd.LoadFloat32x16Slice(r3[j:]).MulAdd(gv, s3)
		}
		if j < n {
			gv := archsimd.LoadFloat32x16SlicePart(g[j:])
			s0 = archsimd.LoadFloat32x16SlicePart(r0[j:]).MulAdd(gv, s0)
			s1 = archsimd.LoadFloat32x16SlicePart(r1[j:]).MulAdd(gv, s1)
			s2 = archsimd.LoadFloat32x16SlicePart(r2[j:]).MulAdd(gv, s2)
			s3 = archsimd.LoadFloat32x16SlicePart(r3[j:]).MulAdd(gv, s3)
		}
		archsimd.LoadFloat32x4Slice(out[k:]).Add(hsum4(s0, s1, s2, s3)).StoreSlice(out[k:])
	}
	for ; k < len(out); k++ {
		out[k] += dot32(g, b[offs[k]:offs[k]+n])
	}
}

// evenLanes and oddLanes pick, from two vectors side by side, the values
// at even and at odd positions.
var evenLanes, oddLanes = laneIndices(0), laneIndices(1)

func laneIndices(first uint32) archsimd.Uint32x16 {
	idx := make([]uint32, 16)
	for i := range idx {
		idx[i] = first + 2*uint32(i)
	}
	return archsimd.LoadUint32x16Slice(idx)
}

// blockSumsAffine32 handles a row pair of up to 32 values in registers:
// the two rows added, then adjacent pairs added across the lanes.
func blockSumsAffine32(x, s []float32, h, w int, k, c float32) {
	if !simdKernels || w > 32 {
		blockSumsAffineScalar(x, s, h, w, k, c)
		return
	}
	ow := w / 2
	vk, vc := archsimd.BroadcastFloat32x16(k), archsimd.BroadcastFloat32x16(c)
	lo := min(w, 16)
	for r := range h / 2 {
		top, bottom := x[2*r*w:(2*r+1)*w], x[(2*r+1)*w:(2*r+2)*w]
		a := archsimd.LoadFloat32x16SlicePart(top[:lo]).Add(archsimd.LoadFloat32x16SlicePart(bottom[:lo]))
		b := archsimd.LoadFloat32x16SlicePart(top[lo:]).Add(archsimd.LoadFloat32x16SlicePart(bottom[lo:]))
		sums := a.ConcatPermute(b, evenLanes).Add(a.ConcatPermute(b, oddLanes))
		sums.MulAdd(vk, vc).StoreSlicePart(s[r*ow : (r+1)*ow])
	}
}

// sqDist32 is sqDist on 16 lanes.
func sqDist32(x, y []float32) float32 {
	if !simdKernels {
		return sqDistScalar(x, y)
	}
	y = y[:len(x)]
	var acc archsimd.Float32x16
	j := 0
	for ; j+16 <= len(x); j += 16 {
		e := archsimd.LoadFloat32x16Slice(x[j:]).Sub(archsimd.LoadFloat32x16Slice(y[j:]))
		acc = e.MulAdd(e, acc)
	}
	if j < len(x) {
		e := archsimd.LoadFloat32x16SlicePart(x[j:]).Sub(archsimd.LoadFloat32x16SlicePart(y[j:]))
		acc = e.MulAdd(e, acc)
	}
	return hsum(acc)
}

// squash32 is f over a slice: tanh32's rational approximation on 16 lanes.
func squash32(a, y []float32) {
	if !simdKernels {
		for i, v := range a {
			y[i] = SquashA * tanh32(SquashS*v)
		}
		return
	}
	y = y[:len(a)]
	var (
		s     = archsimd.BroadcastFloat32x16(SquashS)
		amp   = archsimd.BroadcastFloat32x16(SquashA)
		hi    = archsimd.BroadcastFloat32x16(7.90531110763549805)
		lo    = archsimd.BroadcastFloat32x16(-7.90531110763549805)
		alpha = [7]archsimd.Float32x16{
			archsimd.BroadcastFloat32x16(-2.76076847742355e-16), archsimd.BroadcastFloat32x16(2.00018790482477e-13),
			archsimd.BroadcastFloat32x16(-8.60467152213735e-11), archsimd.BroadcastFloat32x16(5.12229709037114e-08),
			archsimd.BroadcastFloat32x16(1.48572235717979e-05), archsimd.BroadcastFloat32x16(6.37261928875436e-04),
			archsimd.BroadcastFloat32x16(4.89352455891786e-03),
		}
		beta = [4]archsimd.Float32x16{
			archsimd.BroadcastFloat32x16(1.19825839466702e-06), archsimd.BroadcastFloat32x16(1.18534705686654e-04),
			archsimd.BroadcastFloat32x16(2.26843463243900e-03), archsimd.BroadcastFloat32x16(4.89352518554385e-03),
		}
	)
	i := 0
	for ; i+16 <= len(a); i += 16 {
		sa := archsimd.LoadFloat32x16Slice(a[i:]).Mul(s)
		x := sa.Min(hi).Max(lo)
		x2 := x.Mul(x)
		p := alpha[0]
		for _, c := range alpha[1:] {
			p = p.MulAdd(x2, c)
		}
		q := beta[0]
		for _, c := range beta[1:] {
			q = q.MulAdd(x2, c)
		}
		// The clamp turns NaN into a bound; adding sa-sa (0, or NaN for
		// NaN and infinities) lets a diverged input show in the loss.
		p.Mul(x).Div(q).Mul(amp).Add(sa.Sub(sa)).StoreSlice(y[i:])
	}
	for ; i < len(a); i++ {
		y[i] = SquashA * tanh32(SquashS*a[i])
	}
}

// squashGrad32 is g * f'(a) from y = f(a): g (S/A) (A^2 - y^2).
func squashGrad32(y, g, ga []float32) {
	const c = SquashS / SquashA
	i := 0
	if simdKernels {
		vc := archsimd.BroadcastFloat32x16(c)
		a2 := archsimd.BroadcastFloat32x16(SquashA * SquashA)
		for ; i+16 <= len(y); i += 16 {
			v := archsimd.LoadFloat32x16Slice(y[i:])
			a2.Sub(v.Mul(v)).Mul(vc).Mul(archsimd.LoadFloat32x16Slice(g[i:])).StoreSlice(ga[i:])
		}
	}
	for ; i < len(y); i++ {
		ga[i] = g[i] * c * (SquashA*SquashA - y[i]*y[i])
	}
}

func sum32(x []float32) float32 {
	i := 0
	var s float32
	if simdKernels && len(x) >= 16 {
		var acc archsimd.Float32x16
		for ; i+16 <= len(x); i += 16 {
			acc = acc.Add(archsimd.LoadFloat32x16Slice(x[i:]))
		}
		s = hsum(acc)
	}
	for ; i < len(x); i++ {
		s += x[i]
	}
	return s
}
