package graph

import (
	"math/rand/v2"
	"testing"

	"github.com/lenet5-go/lenet5/internal/cpu"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// fanUse counts a graph's convolution ops that ran a fan kernel: forward
// passes, weight gradients and input gradients.
type fanUse struct{ forward, weight, input int }

// familyRun builds the Arch in float32 on path p, runs its loss and
// gradients once on a fixed batch, and returns the loss, the gradient of
// every learnable and how many convolution ops ran fan kernels.
func familyRun(t *testing.T, a Arch, p cpu.Path) (float64, [][]float64, fanUse) {
	t.Helper()
	defer cpu.SetForTesting(p)()
	const n = 5
	g := G.NewGraph()
	x := a.NewInput(g, tensor.Float32, n)
	net, err := New(x, WithArch(a), WithSeed(11))
	if err != nil {
		t.Fatal(err)
	}
	labels := net.NewLabels()
	loss, err := net.Loss(labels)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := G.Grad(loss, net.Learnables()...); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(21, 22))
	px := make([]float64, x.Shape().TotalSize())
	for i := range px {
		px[i] = -0.1 + 1.275*rng.Float64()
	}
	onehot := make([]float64, n*Classes)
	for s := range n {
		onehot[s*Classes+(3*s+1)%Classes] = 1
	}
	mustLet(t, x, px, tensor.Float32)
	mustLet(t, labels, onehot, tensor.Float32)
	vm := G.NewTapeMachine(g, G.BindDualValues(net.Learnables()...))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	var grads [][]float64
	for _, l := range net.Learnables() {
		grads = append(grads, values(t, l, true))
	}
	var use fanUse
	for _, nd := range g.AllNodes() {
		switch op := nd.Op().(type) {
		case *maskedConvOp:
			use.forward += boolInt(op.fanCall.k != nil)
		case *convGradWeightOp:
			use.weight += boolInt(op.fanCall.k != nil)
		case *convGradInputOp:
			use.input += boolInt(op.fanCall.k != nil)
		}
	}
	return values(t, loss, false)[0], grads, use
}

// LeNet-1 and LeNet-4 in float32 compute on every path the loss and the
// gradient of every learnable that the generic path (the per-map kernels
// only) computes, up to float32 rounding; AVX-512 runs the fan kernels of
// both convolutions of each, forward and weight gradient, and of the
// second's input gradient (LeNet-4's F5, with 1x1 outputs, keeps the
// per-map kernels); AVX2 runs those forward passes and input gradients
// that it has.
func TestFamilyNetsOnFanKernels(t *testing.T) {
	want := map[cpu.Path]map[string]fanUse{
		cpu.Generic: {"lenet1": {}, "lenet4": {}},
		cpu.AVX2:    {"lenet1": {2, 0, 1}, "lenet4": {1, 0, 1}},
		cpu.AVX512:  {"lenet1": {2, 2, 1}, "lenet4": {2, 2, 1}},
	}
	for _, name := range []string{"lenet1", "lenet4"} {
		t.Run(name, func(t *testing.T) {
			a, _ := ArchNamed(name)
			refLoss, refGrads, _ := familyRun(t, a, cpu.Generic)
			for _, p := range cpu.Available() {
				loss, grads, use := familyRun(t, a, p)
				if use != want[p][name] {
					t.Errorf("%s: convolutions on fan kernels (forward, weight, input gradient) %v, want %v", p, use, want[p][name])
				}
				if e := scaledErr([]float64{loss}, []float64{refLoss}); e > 1e-5 {
					t.Errorf("%s: loss %g, generic %g", p, loss, refLoss)
				}
				for k := range grads {
					if e := scaledErr(grads[k], refGrads[k]); e > 1e-4 {
						t.Errorf("%s: gradient %d differs from the generic path's: error %.3g", p, k, e)
					}
				}
			}
		})
	}
}

// BenchmarkConvFamily runs the convolutions of LeNet-1 and LeNet-4 on
// their networks' input sizes, a batch of 16 samples (one worker's half
// of a batch of 32), forward, weight gradient and input gradient, on the
// per-map kernels and, where the best path has one, the fan kernel, and
// reports the useful multiply-adds as GFLOP/s.
func BenchmarkConvFamily(b *testing.B) {
	layers := []struct {
		name  string
		table Table
		side  int
		input bool // the training needs its input gradient
	}{
		{"LeNet1-H1", FullTable(1, 4), 28, false},
		{"LeNet1-H3", LeNet1Table, 12, true},
		{"LeNet4-C1", FullTable(1, 4), 32, false},
		{"LeNet4-C3", LeNet4C3Table, 14, true},
	}
	const n = 16
	for _, l := range layers {
		g := newConvGeom(l.table, 5, 5).withInput(l.side, l.side)
		rng := rand.New(rand.NewPCG(1, 2))
		x, w, bias := randomFloats(rng, n*g.in*g.h*g.w), randomFloats(rng, l.table.Pairs()*g.k), randomFloats(rng, g.out)
		gy := randomFloats(rng, n*g.out*g.p)
		y, dw, dx := make([]float32, n*g.out*g.p), make([]float32, len(w)), make([]float32, len(x))
		wt := make([]float32, len(w))
		transposeWeights(g, w, wt)
		flops := float64(2*l.table.Pairs()*g.k*g.p) * n
		report := func(b *testing.B) {
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		b.Run(l.name+"/forward/per-map", func(b *testing.B) {
			offs, yw := g.tapOffsets(), make([]float32, g.oh*g.w)
			for b.Loop() {
				convForward(g, offs, x, w, bias, y, yw, 0, n)
			}
			report(b)
		})
		fwd := fanFor(g.forwardDests())
		if fwd != nil {
			b.Run(l.name+"/forward/fan", func(b *testing.B) {
				call, yw := g.forwardFanCall(fwd), make([]float32, g.out*fanStride((g.oh-1)*g.w+g.ow))
				for b.Loop() {
					convForwardFan(g, call, wt, bias, x, y, yw, 0, n)
				}
				report(b)
			})
		}
		b.Run(l.name+"/weight/per-map", func(b *testing.B) {
			offs, gw := g.tapOffsets(), make([]float32, g.oh*g.w)
			for b.Loop() {
				convBackwardWeight(g, offs, x, gy, dw, gw, 0, n)
			}
			report(b)
		})
		if g.weightFanFits(fwd) {
			b.Run(l.name+"/weight/fan", func(b *testing.B) {
				call, sums := g.weightFanCall(fwd), g.weightFanSums()
				gs, part := make([]float32, g.weightFanScratch(fwd)), make([]float32, 16*len(w))
				for b.Loop() {
					convBackwardWeightFan(g, call, sums, x, gy, dw, gs, part, 0, n)
				}
				report(b)
			})
		}
		if !l.input {
			continue
		}
		b.Run(l.name+"/input/per-map", func(b *testing.B) {
			offs, scratch := g.inputTapOffsets(), make([]float32, g.padSize())
			for b.Loop() {
				convBackwardInput(g, wt, offs, gy, dx, scratch, 0, n)
			}
			report(b)
		})
		if in := fanFor(g.inputDests()); in != nil {
			b.Run(l.name+"/input/fan", func(b *testing.B) {
				call, wf := g.inputFanCall(in), make([]float32, len(w))
				packInputFanWeights(g, w, wf)
				zeros, scratch := make([]float32, g.in), make([]float32, g.inputFanScratch())
				for b.Loop() {
					convBackwardInputFan(g, call, wf, zeros, gy, dx, scratch, 0, n)
				}
				report(b)
			})
		}
	}
}
