package train

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BenchmarkSolverStep is one update of LeNet-5-sized float32 parameters
// (61,706 values in 10 tensors) by each of our solvers and by Gorgonia's
// solver of the same name (which allocates its temporaries and makes a
// pass per operation).
func BenchmarkSolverStep(b *testing.B) {
	sizes := []int{150, 6, 1500, 16, 48000, 120, 10080, 84, 840, 10}
	model := make([]G.ValueGrad, len(sizes))
	for i, n := range sizes {
		p := newTestParam(tensor.Float32, n)
		setFloat64(p.w, make([]float64, n))
		model[i] = p
	}
	cfg := SolverConfig{LR: 1e-3, Momentum: 0.9}
	gorgonia := map[string]func() G.Solver{
		"sgd":      func() G.Solver { return G.NewVanillaSolver(G.WithLearnRate(cfg.LR)) },
		"momentum": func() G.Solver { return G.NewMomentum(G.WithLearnRate(cfg.LR)) },
		"adam":     func() G.Solver { return G.NewAdamSolver(G.WithLearnRate(cfg.LR)) },
		"rmsprop":  func() G.Solver { return G.NewRMSPropSolver(G.WithLearnRate(cfg.LR)) },
		"adagrad":  func() G.Solver { return G.NewAdaGradSolver() },
	}
	for _, name := range []string{"sgd", "momentum", "adam", "rmsprop", "adagrad"} {
		b.Run(name+"/ours", func(b *testing.B) {
			s, err := NewSolver(name, cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Step(model); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/gorgonia", func(b *testing.B) {
			s := gorgonia[name]()
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Step(model); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
