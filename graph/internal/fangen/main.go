// Command fangen writes graph/fan_amd64.s and graph/fan_amd64.go: the
// AVX-512 and AVX2 "fan" kernels of the masked convolution, one per
// connection structure. Run it with go generate in graph/.
//
// A fan kernel computes, for every destination map d,
//
//	y[d][j] = bias[d] + sum over sources s feeding d, taps k of
//	          w[s,k,m(d)] * src[offs[s*K+k] + j]
//
// for j in [0, n). Each shifted source vector is loaded once and added,
// through broadcast weights, into the accumulators of every destination it
// feeds, so a load serves several fused multiply-adds. Which source feeds
// which destination is fixed in the code (the accumulators are registers),
// so each connection structure gets its own kernel; the weights, tap
// offsets and sizes are arguments.
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lenet5-go/lenet5/graph"
)

// The connection structures are read from graph's tables (graph does not
// import fangen, so there is no cycle). The generated files are part of
// graph, so a change that breaks them keeps fangen from building: restore
// them (git checkout graph/fan_amd64.s graph/fan_amd64.go) and generate
// again. Add a kernel here first, generate, then register it in
// graph/fan_select_amd64.go; remove it there first, then here.

// spec is one connection structure to write kernels for: the forward pass
// of table, or with input its input gradient. A forward spec with sides
// also gets a weight-gradient kernel whose rows hold the output maps of
// square inputs of those sides (laid out with the input's row length).
// The AVX-512 and AVX2 variants hold as many vectors per destination as
// fit their registers (vecsFor); a structure with more destinations than
// AVX2's accumulators gets no AVX2 variant.
type spec struct {
	name, doc string
	table     graph.Table
	input     bool
	sides     []int
}

// specs are the structures with kernels: LeNet-5's, then those of the
// paper's other networks (graph/nets.go). LeNet-1's H1 and LeNet-4's C1
// share the full one-to-four structure; LeNet-4's F5 has none (its outputs
// are 1x1, one position each).
var specs = []spec{
	{"fanC1", "C1's forward pass: one source feeding six maps.", graph.FullTable(1, 6), false, []int{32}},
	{"fanC3", "C3's forward pass: the six S2 maps feeding the sixteen C3 maps.", graph.C3Table, false, []int{14}},
	{"fanC3Input", "C3's input gradient: the sixteen padded output-gradient maps feeding the six input-gradient maps through flipped taps.", graph.C3Table, true, nil},
	{"fanFull1To4", "LeNet-1's H1 and LeNet-4's C1 forward pass: one source feeding four maps.", graph.FullTable(1, 4), false, []int{28, 32}},
	{"fanH3", "LeNet-1's H3 forward pass: the four H2 maps feeding the twelve H3 maps (graph.LeNet1Table).", graph.LeNet1Table, false, []int{12}},
	{"fanH3Input", "LeNet-1's H3 input gradient: the twelve padded output-gradient maps feeding the four input-gradient maps through flipped taps.", graph.LeNet1Table, true, nil},
	{"fanL4C3", "LeNet-4's C3 forward pass: the eight S2 maps feeding the sixteen C3 maps (graph.LeNet4C3Table).", graph.LeNet4C3Table, false, []int{14}},
	{"fanL4C3Input", "LeNet-4's C3 input gradient: the sixteen padded output-gradient maps feeding the eight input-gradient maps through flipped taps.", graph.LeNet4C3Table, true, nil},
}

// kernelSize is the side of the square kernels of every spec.
const kernelSize = 5

// kernel describes one fan kernel: dests[s] lists, in weight order, the
// destination maps source s feeds; vecs is how many 16-lane vectors of
// each destination its unmasked variant holds in registers. A kernel with
// a gradStride also gets a weight-gradient kernel, whose gradient rows lie
// gradStride values apart. A kernel with avx2Vecs also gets an AVX2
// variant holding that many 8-lane vectors per destination in the 16 ymm
// registers.
type kernel struct {
	name       string
	doc        string
	dests      [][]int
	vecs       int
	gradStride int
	avx2Vecs   int
}

// forwardDests lists, for each input map of t, the output maps it feeds
// in increasing order: the order of graph's transposed weights.
func forwardDests(t graph.Table) [][]int {
	d := make([][]int, t.In)
	for o, ins := range t.Inputs {
		for _, i := range ins {
			d[i] = append(d[i], o)
		}
	}
	return d
}

// inputDests lists, for each output map of t, the input maps whose
// gradient it feeds, in the table's order: the order of graph's weights
// by output map.
func inputDests(t graph.Table) [][]int {
	d := make([][]int, len(t.Inputs))
	for o, ins := range t.Inputs {
		d[o] = slices.Clone(ins)
	}
	return d
}

// vecsFor is how many vectors per destination a kernel of nd
// destinations holds on s: as many as the accumulators take, at most one
// source register each; 0 when the destinations do not fit.
func vecsFor(s fanISA, nd int) int { return min(s.sources, s.accs/nd) }

// gradStrideFor is the distance between the gradient rows that hold the
// output maps of square inputs of the sides, laid out with the input's
// row length: the longest such span rounded up to whole vectors.
func gradStrideFor(sides []int) int {
	n := 0
	for _, side := range sides {
		out := side - kernelSize + 1
		n = max(n, (out-1)*side+out)
	}
	return (n + 15) &^ 15
}

func (sp spec) kernel() kernel {
	if err := sp.table.Validate(); err != nil {
		log.Fatalf("%s: %v", sp.name, err)
	}
	k := kernel{name: sp.name, doc: sp.doc, dests: forwardDests(sp.table)}
	if sp.input {
		if len(sp.sides) > 0 {
			log.Fatalf("%s: an input-gradient kernel has no weight gradient", sp.name)
		}
		k.dests = inputDests(sp.table)
	}
	nd := k.numDests()
	k.vecs, k.avx2Vecs = vecsFor(avx512, nd), vecsFor(avx2, nd)
	if k.vecs == 0 {
		log.Fatalf("%s: %d destinations exceed the %d accumulators", sp.name, nd, avx512.accs)
	}
	if len(sp.sides) > 0 {
		k.gradStride = gradStrideFor(sp.sides)
	}
	return k
}

func main() {
	var kernels []kernel
	for _, sp := range specs {
		k := sp.kernel()
		for _, o := range kernels {
			if slices.EqualFunc(o.dests, k.dests, slices.Equal) {
				log.Fatalf("%s: the structure of %s", k.name, o.name)
			}
		}
		kernels = append(kernels, k)
	}
	var s, g bytes.Buffer
	s.WriteString("// Code generated by fangen; DO NOT EDIT.\n\n//go:build amd64\n\n#include \"textflag.h\"\n")
	g.WriteString("// Code generated by fangen; DO NOT EDIT.\n\n//go:build amd64\n\npackage graph\n")
	for _, k := range kernels {
		k.writeForward(&s, avx512, k.vecs, false)
		k.writeForward(&s, avx512, 1, true)
		k.writeGo(&g)
		if k.gradStride > 0 {
			k.writeGradAsm(&s)
			k.writeGradGo(&g)
		}
		if k.avx2Vecs > 0 {
			k.writeForward(&s, avx2, k.avx2Vecs, false)
			k.writeForward(&s, avx2, 1, true)
			k.writeAVX2Go(&g)
		}
	}
	s.WriteString(avx2MaskTable)
	src, err := format.Source(g.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	for name, b := range map[string][]byte{"fan_amd64.s": s.Bytes(), "fan_amd64.go": src} {
		if err := os.WriteFile(filepath.Join(".", name), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

func (k kernel) numDests() int {
	n := 0
	for _, ds := range k.dests {
		for _, d := range ds {
			n = max(n, d+1)
		}
	}
	return n
}

// printer returns a function that writes one line of formatted text to w.
func printer(w *bytes.Buffer) func(format string, a ...any) {
	return func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
}

// forwardPrologue writes a forward kernel's header, shared by the AVX-512
// and AVX2 variants: the arguments into registers (DI src, BX bias, R8 y,
// R11 the row stride in bytes, R9 n, R10 the position j) and the start of
// the chunk loop.
func forwardPrologue(p func(string, ...any), name string) {
	p("")
	p("// func %s(src *float32, offs *int, w *float32, bias *float32, y *float32, ystride int, n int, taps int)", name)
	p("TEXT ·%s(SB), NOSPLIT, $0-64", name)
	p("\tMOVQ src+0(FP), DI")
	p("\tMOVQ bias+24(FP), BX")
	p("\tMOVQ y+32(FP), R8")
	p("\tMOVQ ystride+40(FP), R11")
	p("\tSHLQ $2, R11")
	p("\tMOVQ n+48(FP), R9")
	p("\tXORQ R10, R10")
	p("\tTESTQ R9, R9")
	p("\tJLE %s_done", name)
	p("%s_chunk:", name)
}

// forwardEpilogue writes the end of a forward kernel's chunk loop, which
// advances the position by step values, and its return.
func forwardEpilogue(p func(string, ...any), name string, step int) {
	p("\tADDQ $%d, R10", step)
	p("\tCMPQ R10, R9")
	p("\tJLT %s_chunk", name)
	p("%s_done:", name)
	p("\tVZEROUPPER")
	p("\tRET")
}

// fanISA is what the AVX-512 and AVX2 variants of a forward kernel
// differ in.
type fanISA struct {
	suffix string // of the kernels' names
	lanes  int
	reg    string // the vector registers' prefix
	// The accumulators are the first accs registers; the sources source
	// vectors follow them.
	accs, sources int
	// mask sets the lane mask of the masked variant: all lanes, or the
	// first n-j on the last chunk (%[1]s is the kernel's name).
	mask []string
	// loadMasked and storeMasked move a vector under the mask: loadMasked
	// from memory %[1]s into register %[2]s, storeMasked from register
	// %[1]s to memory %[2]s.
	loadMasked, storeMasked string
	// weight writes what a source's weight m needs before its
	// multiply-adds and returns the operand fma reads it from; fma is the
	// multiply-add of weight %[1]s and source vector %[2]s into
	// accumulator %[3]s.
	weight func(p func(string, ...any), m int) string
	fma    string
}

var (
	// avx512 holds 28 zmm accumulators, the source vectors in Z28-Z31,
	// each weight a broadcast memory operand, the mask in K1.
	avx512 = fanISA{
		suffix: "", lanes: 16, reg: "Z", accs: 28, sources: 4,
		mask: []string{
			"\tMOVQ R9, CX", "\tSUBQ R10, CX", "\tMOVL $0xffff, AX", "\tCMPQ CX, $16", "\tJGE %[1]s_full",
			"\tMOVL $1, AX", "\tSHLL CX, AX", "\tDECL AX", "%[1]s_full:", "\tKMOVW AX, K1",
		},
		loadMasked: "\tVMOVUPS.Z %[1]s, K1, %[2]s", storeMasked: "\tVMOVUPS %[1]s, K1, %[2]s",
		weight: func(_ func(string, ...any), m int) string { return fmt.Sprintf("%d(SI)", 4*m) },
		fma:    "\tVFMADD231PS.BCST %[1]s, %[2]s, %[3]s",
	}
	// avx2 holds 12 ymm accumulators, the source vectors in Y12 and Y13,
	// each weight broadcast into Y14 (AVX2 has no broadcast operand), the
	// mask in Y15, for VMASKMOVPS.
	avx2 = fanISA{
		suffix: "AVX2", lanes: 8, reg: "Y", accs: 12, sources: 2,
		mask: []string{
			"\tVPCMPEQD Y15, Y15, Y15", "\tMOVQ R9, CX", "\tSUBQ R10, CX", "\tCMPQ CX, $8", "\tJGE %[1]s_full",
			"\tNEGQ CX", "\tLEAQ fanMaskAVX2<>(SB), AX", "\tVMOVUPS 32(AX)(CX*4), Y15", "%[1]s_full:",
		},
		loadMasked: "\tVMASKMOVPS %[1]s, Y15, %[2]s", storeMasked: "\tVMASKMOVPS %[1]s, Y15, %[2]s",
		weight: func(p func(string, ...any), m int) string {
			p("\tVBROADCASTSS %d(SI), Y14", 4*m)
			return "Y14"
		},
		fma: "\tVFMADD231PS %[2]s, %[1]s, %[3]s",
	}
)

// writeForward writes the forward kernel's unmasked variant on s (vecs
// vectors per destination and chunk, n a multiple of lanes*vecs) or its
// masked one (one vector, any n).
func (k kernel) writeForward(w *bytes.Buffer, s fanISA, vecs int, masked bool) {
	name := k.name + s.suffix
	if masked {
		name += "Masked"
	}
	nd := k.numDests()
	if nd*vecs > s.accs || vecs > s.sources {
		log.Fatalf("%s: %d destinations x %d vectors exceed %d accumulators or %d source registers", name, nd, vecs, s.accs, s.sources)
	}
	vreg := func(i int) string { return fmt.Sprintf("%s%d", s.reg, i) }
	acc := func(d, v int) string { return vreg(d*vecs + v) }
	bytes := 4 * s.lanes
	p := printer(w)
	forwardPrologue(p, name)
	if masked {
		p(strings.Join(s.mask, "\n"), name)
	}
	for d := range nd {
		p("\tVBROADCASTSS %d(BX), %s", 4*d, acc(d, 0))
		for v := 1; v < vecs; v++ {
			p("\tVMOVAPS %s, %s", acc(d, 0), acc(d, v))
		}
	}
	p("\tMOVQ w+16(FP), SI")
	p("\tMOVQ offs+8(FP), DX")
	p("\tLEAQ (DI)(R10*4), R12")
	for src, ds := range k.dests {
		p("\tMOVQ taps+56(FP), CX")
		p("%s_src%d:", name, src)
		p("\tMOVQ (DX), AX")
		p("\tLEAQ (R12)(AX*4), AX")
		for v := range vecs {
			if masked {
				p(s.loadMasked, "(AX)", vreg(s.accs+v))
			} else {
				p("\tVMOVUPS %d(AX), %s", bytes*v, vreg(s.accs+v))
			}
		}
		for m, d := range ds {
			wt := s.weight(p, m)
			for v := range vecs {
				p(s.fma, wt, vreg(s.accs+v), acc(d, v))
			}
		}
		p("\tADDQ $%d, SI", 4*len(ds))
		p("\tADDQ $8, DX")
		p("\tDECQ CX")
		p("\tJNZ %s_src%d", name, src)
	}
	p("\tLEAQ (R8)(R10*4), R13")
	for d := range nd {
		for v := range vecs {
			if masked {
				p(s.storeMasked, acc(d, v), fmt.Sprintf("%d(R13)", bytes*v))
			} else {
				p("\tVMOVUPS %s, %d(R13)", acc(d, v), bytes*v)
			}
		}
		if d < nd-1 {
			p("\tADDQ R11, R13")
		}
	}
	forwardEpilogue(p, name, s.lanes*vecs)
}

// avx2MaskTable is eight lanes of ones then eight of zeros: the 32 bytes
// from 4(8-r) select the first r lanes.
const avx2MaskTable = `
DATA fanMaskAVX2<>+0(SB)/8, $0xffffffffffffffff
DATA fanMaskAVX2<>+8(SB)/8, $0xffffffffffffffff
DATA fanMaskAVX2<>+16(SB)/8, $0xffffffffffffffff
DATA fanMaskAVX2<>+24(SB)/8, $0xffffffffffffffff
DATA fanMaskAVX2<>+32(SB)/8, $0
DATA fanMaskAVX2<>+40(SB)/8, $0
DATA fanMaskAVX2<>+48(SB)/8, $0
DATA fanMaskAVX2<>+56(SB)/8, $0
GLOBL fanMaskAVX2<>(SB), RODATA|NOPTR, $64
`

// writeGo writes the structure and the AVX-512 kernels' declarations.
func (k kernel) writeGo(w *bytes.Buffer) {
	p := printer(w)
	p("")
	p("// %sDests lists, for each source of %s, the destination maps it feeds, in weight order.", k.name, k.name)
	p("var %sDests = %#v", k.name, k.dests)
	k.writeForwardGo(p, k.name, "", 16, k.vecs)
}

// writeAVX2Go writes the AVX2 kernels' declarations.
func (k kernel) writeAVX2Go(w *bytes.Buffer) {
	k.writeForwardGo(printer(w), k.name+"AVX2", "AVX2 ", 8, k.avx2Vecs)
}

// writeForwardGo writes the vector count of the forward kernel name and
// the declarations of its unmasked and masked variants.
func (k kernel) writeForwardGo(p func(string, ...any), name, isa string, lanes, vecs int) {
	p("")
	p("// %sVecs is how many %d-lane vectors per destination %s holds in registers:", name, lanes, name)
	p("// its n must be a multiple of %d*%sVecs.", lanes, name)
	p("const %sVecs = %d", name, vecs)
	for _, variant := range []string{name, name + "Masked"} {
		p("")
		p("// %s is the %sfan kernel of %s", variant, isa, k.doc)
		p("//")
		p("//go:noescape")
		p("func %s(src *float32, offs *int, w *float32, bias *float32, y *float32, ystride int, n int, taps int)", variant)
	}
}

// gradPointers are the registers that point at the shifted sources of
// one pass of the weight-gradient kernel, one per tap. (ABI0 assembly may
// use R14; R15 is left alone, as dynamic linking takes it.)
var gradPointers = []string{"AX", "BX", "R11", "R13", "R14"}

// gradTaps is how many taps of a source one pass of the weight-gradient
// kernel accumulates: as many as fit in the 32 vector registers beside
// the source's gradient vectors, one accumulator per tap and destination,
// and in the pointer registers.
func gradTaps(d int) int { return min((32-d)/(d+1), len(gradPointers)) }

// writeGradAsm writes the weight-gradient kernel: for each source s, tap
// k and destination m (in weight order),
//
//	part[(s-block + k*D + m)*16 + l] += sum over chunks c of
//	    g[dests[s][m]*gradStride + 16c + l] * src[offs[s*taps+k] + 16c + l]
//
// over the n positions, the last chunk under a lane mask: 16 partial sums
// per weight, added up by the caller. A pass holds T taps x D
// destinations of accumulators, the D gradient vectors and the T shifted
// source vectors of a chunk in registers.
func (k kernel) writeGradAsm(w *bytes.Buffer) {
	name := k.name + "Grad"
	p := printer(w)
	xreg := gradPointers
	p("")
	p("// func %s(src *float32, offs *int, grad *float32, part *float32, n int, taps int)", name)
	p("TEXT ·%s(SB), NOSPLIT, $0-48", name)
	p("\tMOVQ src+0(FP), DI")
	p("\tMOVQ offs+8(FP), DX")
	p("\tMOVQ grad+16(FP), R8")
	p("\tMOVQ part+24(FP), SI")
	// R9: bytes of whole chunks; K1: the lanes of the last chunk.
	p("\tMOVQ n+32(FP), R9")
	p("\tMOVQ R9, CX")
	p("\tANDQ $15, CX")
	p("\tMOVL $1, AX")
	p("\tSHLL CX, AX")
	p("\tDECL AX")
	p("\tKMOVW AX, K1")
	p("\tANDQ $-16, R9")
	p("\tSHLQ $2, R9")
	for s, ds := range k.dests {
		d := len(ds)
		tmax := gradTaps(d)
		if tmax < 1 {
			log.Fatalf("%s: source %d feeds %d maps: no register room", name, s, d)
		}
		p("\tMOVQ taps+40(FP), CX")
		for _, t := range []int{tmax, 1} {
			if t == 1 && tmax == 1 {
				break
			}
			lbl := fmt.Sprintf("%s_s%dt%d", name, s, t)
			accR := func(ti, m int) string { return fmt.Sprintf("Z%d", ti*d+m) }
			gR := func(m int) string { return fmt.Sprintf("Z%d", t*d+m) }
			xR := func(ti int) string { return fmt.Sprintf("Z%d", t*d+d+ti) }
			p("%s_group:", lbl)
			p("\tCMPQ CX, $%d", t)
			p("\tJLT %s_end", lbl)
			for ti := range t {
				p("\tMOVQ %d(DX), R12", 8*ti)
				p("\tLEAQ (DI)(R12*4), %s", xreg[ti])
			}
			for ti := range t {
				for m := range d {
					p("\tVMOVUPS %d(SI), %s", 64*(ti*d+m), accR(ti, m))
				}
			}
			p("\tXORQ R10, R10")
			p("\tCMPQ R10, R9")
			p("\tJGE %s_last", lbl)
			p("%s_chunk:", lbl)
			emit := func(masked bool) {
				mk, z := "", ""
				if masked {
					mk, z = "K1, ", ".Z"
				}
				for m, dest := range ds {
					p("\tVMOVUPS%s %d(R8)(R10*1), %s%s", z, 4*dest*k.gradStride, mk, gR(m))
				}
				for ti := range t {
					p("\tVMOVUPS%s (%s)(R10*1), %s%s", z, xreg[ti], mk, xR(ti))
				}
				for ti := range t {
					for m := range d {
						p("\tVFMADD231PS %s, %s, %s", xR(ti), gR(m), accR(ti, m))
					}
				}
			}
			emit(false)
			p("\tADDQ $64, R10")
			p("\tCMPQ R10, R9")
			p("\tJLT %s_chunk", lbl)
			p("%s_last:", lbl)
			p("\tKORTESTW K1, K1")
			p("\tJZ %s_store", lbl)
			emit(true)
			p("%s_store:", lbl)
			for ti := range t {
				for m := range d {
					p("\tVMOVUPS %s, %d(SI)", accR(ti, m), 64*(ti*d+m))
				}
			}
			p("\tADDQ $%d, DX", 8*t)
			p("\tADDQ $%d, SI", 64*t*d)
			p("\tSUBQ $%d, CX", t)
			p("\tJMP %s_group", lbl)
			p("%s_end:", lbl)
		}
	}
	p("\tVZEROUPPER")
	p("\tRET")
}

func (k kernel) writeGradGo(w *bytes.Buffer) {
	p := printer(w)
	p("")
	p("// %sGradStride is the distance between the gradient rows of %sGrad.", k.name, k.name)
	p("const %sGradStride = %d", k.name, k.gradStride)
	p("")
	p("// %sGrad is the weight-gradient kernel of %s", k.name, k.doc)
	p("//")
	p("//go:noescape")
	p("func %sGrad(src *float32, offs *int, grad *float32, part *float32, n int, taps int)", k.name)
}
