package train

import (
	"slices"
	"testing"

	"github.com/lenet5-go/lenet5/data"
)

// Splitting an evaluation over workers, each with its own graph, gives
// exactly the result of one graph taking every batch in turn.
func TestEvaluateShardedEqualsSequential(t *testing.T) {
	// A briefly trained model, so that predictions vary.
	cfg := smallConfig("rbf", "adam", 0.002)
	cfg.Epochs = 1
	tr := trainRun(t, cfg)
	m := tr.Model(nil)
	test := realMNIST(t).Test
	tests := []struct {
		name    string
		indices []int
	}{
		{"first 1,234 images", data.Range(1234)},
		{"a shuffled subset", data.Shuffled(data.Range(test.Len()), 3, 0)[:1001]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seq := NewEvaluator(m, 100, 1)
			defer seq.Close()
			want, err := seq.Evaluate(test, tc.indices)
			if err != nil {
				t.Fatal(err)
			}
			classes := map[int]bool{}
			for _, p := range want.Predictions {
				classes[p] = true
			}
			if len(classes) < 3 {
				t.Fatalf("the model predicts only %d classes; the comparison would say little", len(classes))
			}
			for _, workers := range []int{2, 3} {
				par := NewEvaluator(m, 100, workers)
				got, err := par.Evaluate(test, tc.indices)
				par.Close()
				if err != nil {
					t.Fatal(err)
				}
				if len(par.shards) != workers {
					t.Errorf("%d workers: %d shards were used", workers, len(par.shards))
				}
				if !slices.Equal(got.Predictions, want.Predictions) || got.Confusion != want.Confusion ||
					got.Errors != want.Errors || got.Images != len(tc.indices) {
					t.Errorf("%d workers: %d errors in %d images, sequential %d in %d", workers, got.Errors, got.Images, want.Errors, want.Images)
				}
			}
		})
	}
}

// A data-parallel run (one graph per worker, gradients averaged) takes the
// same steps as one graph over the whole batch, up to float rounding.
func TestDataParallelEqualsOneGraph(t *testing.T) {
	run := func(workers int) (*Trainer, map[string][]float64) {
		cfg := smallConfig("rbf", "sgd", 0.01)
		cfg.Epochs, cfg.TrainLimit, cfg.Workers = 1, 320, workers
		tr := trainRun(t, cfg)
		return tr, weightsOf(tr)
	}
	one, want := run(1)
	two, got := run(2)
	if len(one.replicas) != 1 || len(two.replicas) != 2 {
		t.Fatalf("replicas: %d with 1 worker, %d with 2; want 1 and 2", len(one.replicas), len(two.replicas))
	}
	init := weightsOf(func() *Trainer {
		tr, err := New(smallConfig("rbf", "sgd", 0.01), realMNIST(t), "")
		if err != nil {
			t.Fatal(err)
		}
		tr.Close()
		return tr
	}())
	for name, w := range want {
		if name == "rbf.centers" {
			continue // fixed
		}
		var diff, moved float64
		for k := range w {
			diff = max(diff, abs(got[name][k]-w[k]))
			moved = max(moved, abs(w[k]-init[name][k]))
		}
		if moved == 0 || diff > 1e-3*moved {
			t.Errorf("%s: the runs differ by %.3g, the weights moved by %.3g", name, diff, moved)
		}
	}
	if a, b := one.Metrics()[0].TrainLoss, two.Metrics()[0].TrainLoss; abs(a-b) > 1e-4*abs(a) {
		t.Errorf("train loss %v with one graph, %v with two", a, b)
	}
}

func abs(x float64) float64 { return max(x, -x) }
