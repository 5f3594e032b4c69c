// Command _asm writes internal/f32's amd64 kernels, kernels_amd64.s and
// their Go declarations, with avo: each kernel once for AVX-512 (16-lane
// zmm registers, tails under an opmask) and once for AVX2+FMA (8-lane ymm
// registers, tails through VMASKMOVPS). It is a module of its own so that
// avo never becomes a dependency of the packages that import f32. Run it
// with go generate in internal/f32.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

func main() {
	ConstraintExpr("amd64")
	tables()
	for _, s := range []isa{avx512, avx2} {
		axpy(s)
		scale(s)
		dot(s)
		sum(s)
		sqDist(s)
		biasAxpyAt(s)
		multiDotAt(s)
		blockSumsAffine(s)
		squash(s)
		squashGrad(s)
		sgdStep(s)
		momentumStep(s)
		adamStep(s)
		rmsPropStep(s)
		adaGradStep(s)
	}
	Generate()
}

// isa is one instruction set: its name (the kernels' suffix) and lanes
// per vector register.
type isa struct {
	name  string
	lanes int
}

var (
	avx512 = isa{"AVX512", 16}
	avx2   = isa{"AVX2", 8}
)

// bytes is the size of a vector.
func (s isa) bytes() int { return 4 * s.lanes }

// vec allocates a vector register.
func (s isa) vec() reg.VecVirtual {
	if s.lanes == 16 {
		return ZMM()
	}
	return YMM()
}

// The tables the kernels read: the AVX-512 tail masks, the AVX2 tail
// masks, the squashing function's constants and the sub-sampling lane
// indices.
var (
	maskBits, ymmMask, squashConsts, pairLanes Mem
)

// The squashing function's constants, each stored as 16 lanes.
var squashValues = []float32{
	2.0 / 3.0,           // 0: S
	1.7159,              // 1: A
	7.90531110763549805, // 2: the clamp
	-7.90531110763549805,
	-2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11, // 4..10: p's coefficients
	5.12229709037114e-08, 1.48572235717979e-05, 6.37261928875436e-04, 4.89352455891786e-03,
	1.19825839466702e-06, 1.18534705686654e-04, 2.26843463243900e-03, 4.89352518554385e-03, // 11..14: q's
	1.7159 * 1.7159,      // 15: A^2
	(2.0 / 3.0) / 1.7159, // 16: S/A
}

func tables() {
	// maskBits[r] (16 bits each) selects the first r lanes, r in [0, 16].
	maskBits = GLOBL("maskBits", RODATA|NOPTR)
	for r := 0; r <= 16; r++ {
		DATA(2*r, U16((1<<r)-1))
	}
	// Eight lanes of ones then eight of zeros: the 32 bytes from 4(8-r)
	// select the first r lanes, r in [0, 8].
	ymmMask = GLOBL("ymmMask", RODATA|NOPTR)
	for i := range 16 {
		v := uint32(0)
		if i < 8 {
			v = 0xffffffff
		}
		DATA(4*i, U32(v))
	}
	squashConsts = GLOBL("squashConsts", RODATA|NOPTR)
	for c, v := range squashValues {
		for l := range 16 {
			DATA(64*c+4*l, F32(v))
		}
	}
	// The even then the odd lanes of two 16-lane vectors side by side.
	pairLanes = GLOBL("pairLanes", RODATA|NOPTR)
	for i := range 32 {
		DATA(4*i, U32(2*(i%16)+i/16))
	}
}

// squashConst is squashValues[i] as a memory operand of s's width.
func squashConst(i int) Mem { return squashConsts.Offset(64 * i) }

// mask is the lane mask of a tail of fewer than lanes values.
type mask struct {
	k reg.OpmaskVirtual
	y reg.VecVirtual
}

// tailMask returns the mask selecting the first r lanes, r in [0, lanes].
func (s isa) tailMask(r reg.GPVirtual) mask {
	t := GP64()
	if s.lanes == 16 {
		k := K()
		LEAQ(maskBits, t)
		KMOVW(Mem{Base: t, Index: r, Scale: 2}, k)
		return mask{k: k}
	}
	y := YMM()
	neg := GP64()
	MOVQ(r, neg)
	NEGQ(neg)
	LEAQ(ymmMask, t)
	VMOVUPS(Mem{Base: t, Index: neg, Scale: 4, Disp: 32}, y)
	return mask{y: y}
}

// load loads a vector from m, under mk when it is not nil (the lanes
// outside it read as zero, and their memory is not touched).
func (s isa) load(mk *mask, m Mem, dst reg.VecVirtual) {
	switch {
	case mk == nil:
		VMOVUPS(m, dst)
	case s.lanes == 16:
		VMOVUPS_Z(m, mk.k, dst)
	default:
		VMASKMOVPS(m, mk.y, dst)
	}
}

// store stores src to m, under mk when it is not nil.
func (s isa) store(mk *mask, src reg.VecVirtual, m Mem) {
	switch {
	case mk == nil:
		VMOVUPS(src, m)
	case s.lanes == 16:
		VMOVUPS(src, mk.k, m)
	default:
		VMASKMOVPS(src, mk.y, m)
	}
}

// loadv loads a vector from m into a new register.
func (s isa) loadv(mk *mask, m Mem) reg.VecVirtual {
	v := s.vec()
	s.load(mk, m, v)
	return v
}

// bcast broadcasts the float32 parameter name straight from the frame:
// one VEX/EVEX instruction, no legacy-SSE MOVSS among the vector code.
func (s isa) bcast(name string) reg.VecVirtual {
	p, err := Param(name).Resolve()
	if err != nil {
		panic(fmt.Sprintf("parameter %s: %v", name, err))
	}
	v := s.vec()
	VBROADCASTSS(p.Addr, v)
	return v
}

// hsum adds v's lanes into the low lane of the returned register.
func (s isa) hsum(v reg.VecVirtual) reg.VecVirtual {
	y := v.AsY().(reg.VecVirtual)
	if s.lanes == 16 {
		hi := YMM()
		VEXTRACTF32X8(U8(1), v, hi)
		VADDPS(hi, v.AsY(), hi)
		y = hi
	}
	x := XMM()
	VEXTRACTF128(U8(1), y, x)
	VADDPS(x, y.AsX(), x)
	t := XMM()
	VMOVHLPS(x, x, t)
	VADDPS(t, x, x)
	VMOVSHDUP(x, t)
	VADDSS(t, x, x)
	return x
}

// at is the vector u of a float32 array at base, from element index i.
func (s isa) at(base, i reg.GPVirtual, u int) Mem {
	return Mem{Base: base, Index: i, Scale: 4, Disp: u * s.bytes()}
}

// stream runs body over n elements: unroll vectors at a time, then one,
// then the tail of fewer than lanes under a mask. body gets the element
// index of its first vector; it addresses vector u at s.at(ptr, i, u).
func (s isa) stream(name string, n reg.GPVirtual, unroll int, body func(i reg.GPVirtual, u int, mk *mask)) {
	s.blocks(name, n, unroll, func(i reg.GPVirtual, vecs int, mk *mask) {
		for u := range vecs {
			body(i, u, mk)
		}
	})
}

// blocks runs block over n elements as stream does, but once per block
// of vecs vectors (unroll, then 1, then the masked tail as 1).
func (s isa) blocks(name string, n reg.GPVirtual, unroll int, block func(i reg.GPVirtual, vecs int, mk *mask)) {
	i := GP64()
	XORQ(i, i)
	lim := GP64()
	steps := []int{unroll}
	if unroll > 1 {
		steps = append(steps, 1)
	}
	for _, step := range steps {
		loop, done := fmt.Sprintf("%s_loop%d", name, step), fmt.Sprintf("%s_done%d", name, step)
		MOVQ(n, lim)
		SUBQ(U32(step*s.lanes), lim)
		Label(loop)
		CMPQ(i, lim)
		JG(LabelRef(done))
		block(i, step, nil)
		ADDQ(U32(step*s.lanes), i)
		JMP(LabelRef(loop))
		Label(done)
	}
	r := GP64()
	MOVQ(n, r)
	SUBQ(i, r)
	JZ(LabelRef(name + "_end"))
	mk := s.tailMask(r)
	block(i, 1, &mk)
	Label(name + "_end")
}

// begin starts the kernel name+s.name with signature sig.
func (s isa) begin(name, sig string) string {
	fn := name + s.name
	TEXT(fn, NOSPLIT, "func"+sig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is %s on %s; the caller has checked the lengths.", fn, name, s.name))
	return fn
}

// end returns from a kernel.
func end() {
	VZEROUPPER()
	RET()
}

func ptr(name string) reg.GPVirtual { return Load(Param(name).Base(), GP64()).(reg.GPVirtual) }
func length(name string) reg.GPVirtual {
	return Load(Param(name).Len(), GP64()).(reg.GPVirtual)
}
func gpParam(name string) reg.GPVirtual { return Load(Param(name), GP64()).(reg.GPVirtual) }

func axpy(s isa) {
	fn := s.begin("axpy", "(a float32, x, y []float32)")
	va := s.bcast("a")
	x, y, n := ptr("x"), ptr("y"), length("x")
	s.stream(fn, n, 4, func(i reg.GPVirtual, u int, mk *mask) {
		t := s.loadv(mk, s.at(x, i, u))
		v := s.loadv(mk, s.at(y, i, u))
		VFMADD231PS(t, va, v)
		s.store(mk, v, s.at(y, i, u))
	})
	end()
}

func scale(s isa) {
	fn := s.begin("scale", "(a float32, x []float32)")
	va := s.bcast("a")
	x, n := ptr("x"), length("x")
	s.stream(fn, n, 4, func(i reg.GPVirtual, u int, mk *mask) {
		t := s.loadv(mk, s.at(x, i, u))
		VMULPS(va, t, t)
		s.store(mk, t, s.at(x, i, u))
	})
	end()
}

// reduce is a kernel returning the float32 sum of step's four
// accumulators.
func (s isa) reduce(fn string, n reg.GPVirtual, step func(acc reg.VecVirtual, i reg.GPVirtual, u int, mk *mask)) {
	acc := make([]reg.VecVirtual, 4)
	for a := range acc {
		acc[a] = s.vec()
		VXORPS(acc[a], acc[a], acc[a])
	}
	s.stream(fn, n, 4, func(i reg.GPVirtual, u int, mk *mask) { step(acc[u], i, u, mk) })
	VADDPS(acc[1], acc[0], acc[0])
	VADDPS(acc[3], acc[2], acc[2])
	VADDPS(acc[2], acc[0], acc[0])
	ret, err := ReturnIndex(0).Resolve()
	if err != nil {
		panic(err)
	}
	VMOVSS(s.hsum(acc[0]), ret.Addr) // VEX, as bcast's loads
	end()
}

func dot(s isa) {
	fn := s.begin("dot", "(x, y []float32) float32")
	x, y, n := ptr("x"), ptr("y"), length("x")
	s.reduce(fn, n, func(acc reg.VecVirtual, i reg.GPVirtual, u int, mk *mask) {
		t := s.loadv(mk, s.at(x, i, u))
		if mk == nil {
			VFMADD231PS(s.at(y, i, u), t, acc)
			return
		}
		v := s.loadv(mk, s.at(y, i, u))
		VFMADD231PS(v, t, acc)
	})
}

func sum(s isa) {
	fn := s.begin("sum", "(x []float32) float32")
	x, n := ptr("x"), length("x")
	s.reduce(fn, n, func(acc reg.VecVirtual, i reg.GPVirtual, u int, mk *mask) {
		if mk == nil {
			VADDPS(s.at(x, i, u), acc, acc)
			return
		}
		VADDPS(s.loadv(mk, s.at(x, i, u)), acc, acc)
	})
}

func sqDist(s isa) {
	fn := s.begin("sqDist", "(x, y []float32) float32")
	x, y, n := ptr("x"), ptr("y"), length("x")
	s.reduce(fn, n, func(acc reg.VecVirtual, i reg.GPVirtual, u int, mk *mask) {
		t := s.loadv(mk, s.at(x, i, u))
		v := s.loadv(mk, s.at(y, i, u))
		VSUBPS(v, t, t)
		VFMADD231PS(t, t, acc)
	})
}

// biasAxpyAt computes, for blocks of 64 values of y (four AVX-512
// vectors, eight AVX2 ones), then one vector, then the masked tail, the
// bias plus every row's weighted values, all in registers: each weight
// broadcast serves the block's vectors.
func biasAxpyAt(s isa) {
	fn := s.begin("biasAxpyAt", "(bias float32, a, b []float32, offs []int, y []float32)")
	vb := s.bcast("bias")
	a, b, offs, y := ptr("a"), ptr("b"), ptr("offs"), ptr("y")
	taps, n := length("a"), length("y")
	s.blocks(fn, n, 64/s.lanes, func(j reg.GPVirtual, vecs int, mk *mask) {
		label := fmt.Sprintf("%s_b%d", fn, vecs)
		if mk != nil {
			label = fn + "_tail"
		}
		acc := make([]reg.VecVirtual, vecs)
		for v := range acc {
			acc[v] = s.vec()
			VMOVAPS(vb, acc[v])
		}
		k := GP64()
		XORQ(k, k)
		Label(label + "_tap")
		CMPQ(k, taps)
		JGE(LabelRef(label + "_store"))
		w := s.vec()
		VBROADCASTSS(Mem{Base: a, Index: k, Scale: 4}, w)
		row := GP64()
		MOVQ(Mem{Base: offs, Index: k, Scale: 8}, row)
		LEAQ(Mem{Base: b, Index: row, Scale: 4}, row)
		for v := range acc {
			if mk == nil {
				VFMADD231PS(s.at(row, j, v), w, acc[v])
			} else {
				VFMADD231PS(s.loadv(mk, s.at(row, j, v)), w, acc[v])
			}
		}
		INCQ(k)
		JMP(LabelRef(label + "_tap"))
		Label(label + "_store")
		for v := range acc {
			s.store(mk, acc[v], s.at(y, j, v))
		}
	})
	end()
}

// multiDotAt takes the rows eight at a time, so each load of g serves
// eight multiply-adds (2-8% faster training steps than four, measured on
// the AVX-512 kernels this replaces), then four, then one. The row
// pointers fill the general registers: the position in offs and out and
// the rows left wait in the frame during a group.
func multiDotAt(s isa) {
	fn := s.begin("multiDotAt", "(g, b []float32, offs []int, out []float32)")
	frame := AllocLocal(24)
	offsAt, outAt, leftAt := frame.Offset(0), frame.Offset(8), frame.Offset(16)
	{
		t := GP64()
		Load(Param("offs").Base(), t)
		MOVQ(t, offsAt)
		Load(Param("out").Base(), t)
		MOVQ(t, outAt)
		Load(Param("out").Len(), t)
		MOVQ(t, leftAt)
	}
	for _, group := range []int{8, 4, 1} {
		label := fmt.Sprintf("%s_r%d", fn, group)
		Label(label)
		CMPQ(leftAt, U32(group))
		JL(LabelRef(label + "_done"))
		rp := make([]reg.GPVirtual, group)
		acc := make([]reg.VecVirtual, group)
		{
			offs, b := GP64(), ptr("b")
			MOVQ(offsAt, offs)
			for q := range rp {
				rp[q] = GP64()
				MOVQ(Mem{Base: offs, Disp: 8 * q}, rp[q])
				LEAQ(Mem{Base: b, Index: rp[q], Scale: 4}, rp[q])
				acc[q] = s.vec()
				VXORPS(acc[q], acc[q], acc[q])
			}
		}
		g, nfull := ptr("g"), length("g")
		// nfull: the elements in whole vectors.
		ANDQ(I32(-s.lanes), nfull)
		j := GP64()
		XORQ(j, j)
		Label(label + "_j")
		CMPQ(j, nfull)
		JGE(LabelRef(label + "_tail"))
		gv := s.loadv(nil, s.at(g, j, 0))
		for q := range rp {
			VFMADD231PS(s.at(rp[q], j, 0), gv, acc[q])
		}
		ADDQ(U32(s.lanes), j)
		JMP(LabelRef(label + "_j"))
		Label(label + "_tail")
		r := length("g")
		SUBQ(j, r)
		JZ(LabelRef(label + "_sum"))
		mk := s.tailMask(r)
		gt := s.loadv(&mk, s.at(g, j, 0))
		for q := range rp {
			VFMADD231PS(s.loadv(&mk, s.at(rp[q], j, 0)), gt, acc[q])
		}
		Label(label + "_sum")
		out := GP64()
		MOVQ(outAt, out)
		for q := range rp {
			x := s.hsum(acc[q])
			o := Mem{Base: out, Disp: 4 * q}
			VADDSS(o, x, x)
			VMOVSS(x, o)
		}
		ADDQ(U32(8*group), offsAt)
		ADDQ(U32(4*group), outAt)
		SUBQ(U32(group), leftAt)
		JMP(LabelRef(label))
		Label(label + "_done")
	}
	end()
}

// blockSumsAffine takes each row pair in chunks of 2*lanes values: the two
// rows added, then adjacent pairs added across the lanes (AVX-512: two
// permutes of both vectors; AVX2: a horizontal add and a permute), k
// times the sums plus c stored; the last chunk of a row under masks.
func blockSumsAffine(s isa) {
	fn := s.begin("blockSumsAffine", "(x, s []float32, h, w int, k, c float32)")
	x, out := ptr("x"), ptr("s")
	h, w := gpParam("h"), gpParam("w")
	vk, vc := s.bcast("k"), s.bcast("c")
	var even, odd reg.VecVirtual
	if s.lanes == 16 {
		even, odd = s.loadv(nil, pairLanes), s.loadv(nil, pairLanes.Offset(64))
	}
	pairs := func(a, b reg.VecVirtual) reg.VecVirtual {
		if s.lanes == 16 {
			e, o := s.vec(), s.vec()
			VMOVAPS(a, e)
			VPERMT2PS(b, even, e)
			VMOVAPS(a, o)
			VPERMT2PS(b, odd, o)
			VADDPS(o, e, e)
			return e
		}
		t := s.vec()
		VHADDPS(b, a, t)
		VPERMPD(U8(0xd8), t, t)
		return t
	}
	top, bottom := GP64(), GP64()
	MOVQ(x, top)
	LEAQ(Mem{Base: x, Index: w, Scale: 4}, bottom)
	rowPairs := GP64()
	MOVQ(h, rowPairs)
	SHRQ(U8(1), rowPairs)
	Label(fn + "_row")
	TESTQ(rowPairs, rowPairs)
	JZ(LabelRef(fn + "_end"))
	c0, o := GP64(), GP64()
	XORQ(c0, c0)
	XORQ(o, o)
	Label(fn + "_chunk")
	rem := GP64()
	MOVQ(w, rem)
	SUBQ(c0, rem)
	JZ(LabelRef(fn + "_next"))
	CMPQ(rem, U32(2*s.lanes))
	JL(LabelRef(fn + "_part"))
	{
		a := s.loadv(nil, s.at(top, c0, 0))
		VADDPS(s.at(bottom, c0, 0), a, a)
		b := s.loadv(nil, s.at(top, c0, 1))
		VADDPS(s.at(bottom, c0, 1), b, b)
		p := pairs(a, b)
		VFMADD213PS(vc, vk, p)
		s.store(nil, p, s.at(out, o, 0))
		ADDQ(U32(2*s.lanes), c0)
		ADDQ(U32(s.lanes), o)
		JMP(LabelRef(fn + "_chunk"))
	}
	Label(fn + "_part")
	{
		// The last chunk: rem (even, < 2*lanes) values, rem/2 sums.
		r1, r2, ro := GP64(), GP64(), GP64()
		MOVQ(rem, r1)
		XORQ(r2, r2)
		CMPQ(rem, U32(s.lanes))
		JLE(LabelRef(fn + "_split"))
		MOVQ(U32(s.lanes), r1)
		MOVQ(rem, r2)
		SUBQ(U32(s.lanes), r2)
		Label(fn + "_split")
		MOVQ(rem, ro)
		SHRQ(U8(1), ro)
		m1, m2, mo := s.tailMask(r1), s.tailMask(r2), s.tailMask(ro)
		a, bb := s.loadv(&m1, s.at(top, c0, 0)), s.loadv(&m1, s.at(bottom, c0, 0))
		VADDPS(bb, a, a)
		b, bb2 := s.loadv(&m2, s.at(top, c0, 1)), s.loadv(&m2, s.at(bottom, c0, 1))
		VADDPS(bb2, b, b)
		p := pairs(a, b)
		VFMADD213PS(vc, vk, p)
		s.store(&mo, p, s.at(out, o, 0))
	}
	Label(fn + "_next")
	// Next row pair: two rows of x, one of s.
	LEAQ(Mem{Base: top, Index: w, Scale: 8}, top)
	LEAQ(Mem{Base: bottom, Index: w, Scale: 8}, bottom)
	half := GP64()
	MOVQ(w, half)
	SHRQ(U8(1), half)
	LEAQ(Mem{Base: out, Index: half, Scale: 4}, out)
	DECQ(rowPairs)
	JMP(LabelRef(fn + "_row"))
	Label(fn + "_end")
	end()
}

// squash is f(a) = A tanh(S a) through the rational approximation of
// f32.Tanh, its constants read from memory.
func squash(s isa) {
	fn := s.begin("squash", "(a, y []float32)")
	a, y, n := ptr("a"), ptr("y"), length("a")
	s.stream(fn, n, 1, func(i reg.GPVirtual, u int, mk *mask) {
		sa := s.loadv(mk, s.at(a, i, u))
		VMULPS(squashConst(0), sa, sa)
		x := s.vec()
		VMINPS(squashConst(2), sa, x)
		VMAXPS(squashConst(3), x, x)
		x2 := s.vec()
		VMULPS(x, x, x2)
		p := s.loadv(nil, squashConst(4))
		for c := 5; c <= 10; c++ {
			VFMADD213PS(squashConst(c), x2, p)
		}
		q := s.loadv(nil, squashConst(11))
		for c := 12; c <= 14; c++ {
			VFMADD213PS(squashConst(c), x2, q)
		}
		VMULPS(x, p, p)
		VDIVPS(q, p, p)
		VMULPS(squashConst(1), p, p)
		// The clamp turns NaN into a bound; adding sa-sa (0, or NaN for
		// NaN and infinities) lets a diverged input show in the loss.
		VSUBPS(sa, sa, sa)
		VADDPS(sa, p, p)
		s.store(mk, p, s.at(y, i, u))
	})
	end()
}

func squashGrad(s isa) {
	fn := s.begin("squashGrad", "(y, g, ga []float32)")
	y, g, ga, n := ptr("y"), ptr("g"), ptr("ga"), length("y")
	s.stream(fn, n, 2, func(i reg.GPVirtual, u int, mk *mask) {
		v := s.loadv(mk, s.at(y, i, u))
		VMULPS(v, v, v)
		t := s.loadv(nil, squashConst(15))
		VSUBPS(v, t, t)
		VMULPS(squashConst(16), t, t)
		VMULPS(s.loadv(mk, s.at(g, i, u)), t, t)
		s.store(mk, t, s.at(ga, i, u))
	})
	end()
}

// clamped returns g clamped to [lo, hi], NaN kept (x86's min and max
// return their second source when one is NaN: g is that source).
func clamped(g, lo, hi reg.VecVirtual) {
	VMAXPS(g, lo, g)
	VMINPS(g, hi, g)
}

// regularized loads g' = clamp(g + l2*w) at i, with w loaded too.
func (s isa) regularized(mk *mask, wp, gp, i reg.GPVirtual, l2, lo, hi reg.VecVirtual) (w, g reg.VecVirtual) {
	w = s.loadv(mk, s.at(wp, i, 0))
	g = s.loadv(mk, s.at(gp, i, 0))
	VFMADD231PS(w, l2, g)
	clamped(g, lo, hi)
	return w, g
}

func sgdStep(s isa) {
	fn := s.begin("sgdStep", "(w, g []float32, lr, l2, lo, hi float32)")
	wp, gp, n := ptr("w"), ptr("g"), length("w")
	lr, l2, lo, hi := s.bcast("lr"), s.bcast("l2"), s.bcast("lo"), s.bcast("hi")
	s.stream(fn, n, 1, func(i reg.GPVirtual, _ int, mk *mask) {
		w, g := s.regularized(mk, wp, gp, i, l2, lo, hi)
		VFNMADD231PS(g, lr, w)
		s.store(mk, w, s.at(wp, i, 0))
	})
	end()
}

func momentumStep(s isa) {
	fn := s.begin("momentumStep", "(w, g, v []float32, lr, mom, l2, lo, hi float32)")
	wp, gp, vp, n := ptr("w"), ptr("g"), ptr("v"), length("w")
	lr, mom, l2, lo, hi := s.bcast("lr"), s.bcast("mom"), s.bcast("l2"), s.bcast("lo"), s.bcast("hi")
	s.stream(fn, n, 1, func(i reg.GPVirtual, _ int, mk *mask) {
		w, g := s.regularized(mk, wp, gp, i, l2, lo, hi)
		v := s.loadv(mk, s.at(vp, i, 0))
		VMULPS(mom, v, v)
		VFNMADD231PS(g, lr, v)
		VADDPS(v, w, w)
		s.store(mk, v, s.at(vp, i, 0))
		s.store(mk, w, s.at(wp, i, 0))
	})
	end()
}

// adamStep broadcasts the clamp bounds from the parameters once per
// vector on AVX2, whose 16 registers the other constants and values
// fill; AVX-512 keeps them in registers.
func adamStep(s isa) {
	fn := s.begin("adamStep", "(w, g, m, v []float32, lr, b1, b2, eps, ic1, ic2, l2, lo, hi float32)")
	wp, gp, mp, vp, n := ptr("w"), ptr("g"), ptr("m"), ptr("v"), length("w")
	lr, b1, b2, eps := s.bcast("lr"), s.bcast("b1"), s.bcast("b2"), s.bcast("eps")
	ic1, ic2, l2 := s.bcast("ic1"), s.bcast("ic2"), s.bcast("l2")
	var lo, hi reg.VecVirtual
	if s.lanes == 16 {
		lo, hi = s.bcast("lo"), s.bcast("hi")
	}
	s.stream(fn, n, 1, func(i reg.GPVirtual, _ int, mk *mask) {
		lo, hi := lo, hi
		if s.lanes != 16 {
			lo, hi = s.bcast("lo"), s.bcast("hi")
		}
		w, g := s.regularized(mk, wp, gp, i, l2, lo, hi)
		// m = b1 m + (1-b1) g = g + b1 (m - g); v likewise with g^2.
		m := s.loadv(mk, s.at(mp, i, 0))
		VSUBPS(g, m, m)
		VFMADD213PS(g, b1, m)
		g2 := s.vec()
		VMULPS(g, g, g2)
		v := s.loadv(mk, s.at(vp, i, 0))
		VSUBPS(g2, v, v)
		VFMADD213PS(g2, b2, v)
		s.store(mk, m, s.at(mp, i, 0))
		s.store(mk, v, s.at(vp, i, 0))
		VMULPS(ic2, v, v)
		VSQRTPS(v, v)
		VADDPS(eps, v, v)
		VMULPS(ic1, m, m)
		VDIVPS(v, m, m)
		VFNMADD231PS(m, lr, w)
		s.store(mk, w, s.at(wp, i, 0))
	})
	end()
}

// adaptiveUpdate is RMSProp's and AdaGrad's w -= lr*clamp(g)/sqrt(c+eps)
// + l2*w, with c already updated.
func adaptiveUpdate(w, g, c, lr, eps, l2, lo, hi reg.VecVirtual, s isa) {
	clamped(g, lo, hi)
	VADDPS(eps, c, c)
	VSQRTPS(c, c)
	VDIVPS(c, g, g)
	VMULPS(lr, g, g)
	VFMADD231PS(w, l2, g)
	VSUBPS(g, w, w)
}

func rmsPropStep(s isa) {
	fn := s.begin("rmsPropStep", "(w, g, c []float32, lr, rho, eps, l2, lo, hi float32)")
	wp, gp, cp, n := ptr("w"), ptr("g"), ptr("c"), length("w")
	lr, rho, eps, l2 := s.bcast("lr"), s.bcast("rho"), s.bcast("eps"), s.bcast("l2")
	lo, hi := s.bcast("lo"), s.bcast("hi")
	s.stream(fn, n, 1, func(i reg.GPVirtual, _ int, mk *mask) {
		w, g := s.loadv(mk, s.at(wp, i, 0)), s.loadv(mk, s.at(gp, i, 0))
		// c = rho c + (1-rho) g^2 = g^2 + rho (c - g^2).
		g2 := s.vec()
		VMULPS(g, g, g2)
		c := s.loadv(mk, s.at(cp, i, 0))
		VSUBPS(g2, c, c)
		VFMADD213PS(g2, rho, c)
		s.store(mk, c, s.at(cp, i, 0))
		adaptiveUpdate(w, g, c, lr, eps, l2, lo, hi, s)
		s.store(mk, w, s.at(wp, i, 0))
	})
	end()
}

func adaGradStep(s isa) {
	fn := s.begin("adaGradStep", "(w, g, c []float32, lr, eps, l2, lo, hi float32)")
	wp, gp, cp, n := ptr("w"), ptr("g"), ptr("c"), length("w")
	lr, eps, l2 := s.bcast("lr"), s.bcast("eps"), s.bcast("l2")
	lo, hi := s.bcast("lo"), s.bcast("hi")
	s.stream(fn, n, 1, func(i reg.GPVirtual, _ int, mk *mask) {
		w, g := s.loadv(mk, s.at(wp, i, 0)), s.loadv(mk, s.at(gp, i, 0))
		c := s.loadv(mk, s.at(cp, i, 0))
		VFMADD231PS(g, g, c)
		s.store(mk, c, s.at(cp, i, 0))
		adaptiveUpdate(w, g, c, lr, eps, l2, lo, hi, s)
		s.store(mk, w, s.at(wp, i, 0))
	})
	end()
}
