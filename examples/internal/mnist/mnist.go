// Package mnist holds what the examples share that is not about Gorgonia:
// loading MNIST and walking the test set in batches.
package mnist

import (
	"fmt"

	"github.com/lenet5-go/lenet5/data"
)

// Load reads MNIST as cmd/train finds it ($LENET5_MNIST, else the GoMNIST
// module's copy).
func Load() (*data.MNIST, error) {
	m, err := data.Load("")
	if err != nil {
		return nil, fmt.Errorf("loading MNIST: %w", err)
	}
	return m, nil
}

// TestErrors runs classify over the whole test set in batches of size
// (10,000 must be a multiple of it) and counts the wrong predictions.
func TestErrors(m *data.MNIST, size int, classify func(b *data.Batch) ([]int, error)) (int, error) {
	if m.Test.Len()%size != 0 {
		return 0, fmt.Errorf("batch %d does not divide the %d test images", size, m.Test.Len())
	}
	it, err := data.NewBatches(m.Test, data.Range(m.Test.Len()), size)
	if err != nil {
		return 0, err
	}
	wrong := 0
	for b := it.Next(); b != nil; b = it.Next() {
		preds, err := classify(b)
		if err != nil {
			return 0, err
		}
		for i, p := range preds {
			if p != b.Labels[i] {
				wrong++
			}
		}
	}
	return wrong, nil
}
