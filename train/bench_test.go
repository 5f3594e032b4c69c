package train

import (
	"fmt"
	"testing"

	"github.com/lenet5-go/lenet5/data"
)

// BenchmarkTrainerStep is a training step as cmd/train runs it (RBF head,
// MAP loss): forward, backward and solver on real MNIST batches,
// data-parallel over the replicas when GOMAXPROCS is above 1 and the batch
// splits. sgd is the plain step the PyTorch comparison also takes; adam is
// the default run's solver (Gorgonia's Adam allocates its temporaries).
// Batches are filled outside the timer. Set the thread count with the
// GOMAXPROCS environment variable: with b.Loop, -cpu's first entry runs
// at the default GOMAXPROCS.
func BenchmarkTrainerStep(b *testing.B) {
	for _, bc := range []struct {
		solver string
		batch  int
	}{{"sgd", 1}, {"sgd", 32}, {"adam", 32}} {
		b.Run(fmt.Sprintf("%s/batch=%d", bc.solver, bc.batch), func(b *testing.B) {
			batch := bc.batch
			cfg := DefaultConfig()
			cfg.Solver, cfg.LR, cfg.Schedule = bc.solver, 1e-4, "constant"
			cfg.Batch, cfg.Distort, cfg.TestLimit = batch, 0, 100
			tr, err := New(cfg, realMNIST(b), "")
			if err != nil {
				b.Fatal(err)
			}
			defer tr.Close()
			it, err := data.NewBatches(realMNIST(b).Train, data.Range(60000), batch)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				bt := it.Next()
				if bt == nil {
					it.Reset()
					bt = it.Next()
				}
				b.StartTimer()
				if _, _, err := tr.step(bt); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "images/s")
			b.ReportMetric(float64(len(tr.replicas)), "replicas")
		})
	}
}
