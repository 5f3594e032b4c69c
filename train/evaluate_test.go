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
	tr, err := New(cfg, realMNIST(t), "")
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if err := tr.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
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
