package train

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// sdlmFixture runs a float32 LeNet-5 forward and backward on 4 real
// training images and returns its learnables with their gradients.
func sdlmFixture(t *testing.T) G.Nodes {
	t.Helper()
	g := G.NewGraph()
	net, err := graph.New(graph.NewInput(g, tensor.Float32, 4))
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
	b, err := data.NewBatches(realMNIST(t).Train, data.Range(4), 4)
	if err != nil {
		t.Fatal(err)
	}
	batch := b.Next()
	if err := G.Let(net.Input, batch.Tensor()); err != nil {
		t.Fatal(err)
	}
	if err := G.Let(labels, batch.OneHot()); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(net.Learnables()...))
	t.Cleanup(func() { vm.Close() })
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	return net.Learnables()
}

// Each parameter moves by eta*scale/(mu+h) times its gradient (plus
// l2*w in the L2 variant), and the gradients are zeroed for the next
// accumulation.
func TestSDLMStep(t *testing.T) {
	for _, l2 := range []float64{0, 0.5} {
		t.Run(fmt.Sprintf("l2=%g", l2), func(t *testing.T) { testSDLMStep(t, l2) })
	}
}

func testSDLMStep(t *testing.T, l2 float64) {
	params := sdlmFixture(t)
	const eta, mu, scale = 0.001, 0.03, 4
	var h []graph.Tensor
	var before, grads [][]float32
	for i, p := range params {
		n := p.Shape().TotalSize()
		ht := graph.Tensor{Shape: p.Shape().Clone(), Data: make([]float64, n)}
		for k := range ht.Data {
			ht.Data[k] = float64((i*131+k*17)%97) / 64 // 0 .. 1.5, zero included, exact in float32
		}
		h = append(h, ht)
		before = append(before, append([]float32(nil), p.Value().Data().([]float32)...))
		gv, _ := p.Grad()
		grads = append(grads, append([]float32(nil), gv.Data().([]float32)...))
	}
	s, err := NewSDLM(WithSDLMRate(eta), WithSDLMMu(mu), WithSDLMScale(scale), WithSDLML2(l2))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetCurvature(h); err != nil {
		t.Fatal(err)
	}
	if err := s.Step(G.NodesToValueGrads(params)); err != nil {
		t.Fatal(err)
	}
	moved := 0
	for i, p := range params {
		after := p.Value().Data().([]float32)
		gv, _ := p.Grad()
		for k, w := range after {
			want := before[i][k] - float32(eta*scale/(mu+h[i].Data[k]))*(grads[i][k]+float32(l2)*before[i][k])
			if w != want {
				t.Fatalf("%s[%d] = %v, want %v", p.Name(), k, w, want)
			}
			if w != before[i][k] {
				moved++
			}
			if g := gv.Data().([]float32)[k]; g != 0 {
				t.Fatalf("%s: gradient %v left after the step", p.Name(), g)
			}
		}
	}
	if moved == 0 {
		t.Fatal("no parameter moved")
	}
	lo, hi := s.RateRange()
	if math.Abs(hi-eta/mu) > 1e-15 || math.Abs(lo-eta/(mu+1.5)) > 1e-15 {
		t.Errorf("RateRange = %g..%g, want %g..%g", lo, hi, eta/(mu+1.5), eta/mu)
	}
}

func TestSDLMErrors(t *testing.T) {
	params := sdlmFixture(t)
	good := func() []graph.Tensor {
		var h []graph.Tensor
		for _, p := range params {
			h = append(h, graph.Tensor{Shape: p.Shape().Clone(), Data: make([]float64, p.Shape().TotalSize())})
		}
		return h
	}
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"step before curvature", func() error {
			s, _ := NewSDLM()
			return s.Step(G.NodesToValueGrads(params))
		}, "no curvature estimate"},
		{"curvature of another model", func() error {
			s, _ := NewSDLM()
			if err := s.SetCurvature(good()[:3]); err != nil {
				return err
			}
			return s.Step(G.NodesToValueGrads(params))
		}, "12 parameters, but a curvature estimate of 3"},
		{"curvature of another shape", func() error {
			h := good()
			h[1].Data = h[1].Data[1:]
			s, _ := NewSDLM()
			if err := s.SetCurvature(h); err != nil {
				return err
			}
			return s.Step(G.NodesToValueGrads(params))
		}, "parameter 1 has 6 values, its curvature 5"},
		{"negative curvature", func() error {
			h := good()
			h[2].Data[1] = -1
			s, _ := NewSDLM()
			return s.SetCurvature(h)
		}, "curvature 2[1] = -1"},
		{"NaN curvature", func() error {
			h := good()
			h[0].Data[0] = math.NaN()
			s, _ := NewSDLM()
			return s.SetCurvature(h)
		}, "must be finite"},
		{"zero mu", func() error { _, err := NewSDLM(WithSDLMMu(0)); return err }, "mu 0 must be a positive number"},
		{"negative rate", func() error { _, err := NewSDLM(WithSDLMRate(-1)); return err }, "rate -1"},
		{"negative l2", func() error { _, err := NewSDLM(WithSDLML2(-1)); return err }, "l2 -1"},
		{"sdlm with clip", func() error {
			_, err := NewSolver("sdlm", SolverConfig{LR: 1e-4, Mu: 0.02, Clip: 1})
			return err
		}, "does not support -clip"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// The trainer estimates the curvature before each epoch and reports the
// effective rates; the paper's recipe takes per-pattern steps.
func TestTrainerSDLMPerPattern(t *testing.T) {
	cfg := PaperConfig()
	cfg.LR, cfg.Epochs, cfg.TrainLimit, cfg.TestLimit, cfg.CurvaturePatterns = 0.0005, 2, 600, 300, 200
	tr := trainRun(t, cfg)
	m := tr.Metrics()
	for _, e := range m {
		if e.SDLMRates == nil {
			t.Fatalf("epoch %d: no SDLM rates in the metrics", e.Epoch)
		}
		lo, hi := e.SDLMRates[0], e.SDLMRates[1]
		if !(lo > 0 && lo < hi && hi <= e.LR/cfg.Mu*(1+1e-12)) {
			t.Errorf("epoch %d: rates %g..%g outside (0, eta/mu = %g]", e.Epoch, lo, hi, e.LR/cfg.Mu)
		}
	}
	t.Logf("loss %.3f -> %.3f, test error %.1f%%", m[0].TrainLoss, m[1].TrainLoss, 100*m[1].TestError)
	if !(m[1].TrainLoss < m[0].TrainLoss) || m[1].TestError > 0.3 {
		t.Errorf("per-pattern SDLM did not learn: loss %.3f -> %.3f, test error %.1f%%", m[0].TrainLoss, m[1].TrainLoss, 100*m[1].TestError)
	}
}
