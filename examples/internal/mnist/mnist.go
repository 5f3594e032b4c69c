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
	wrong := 0
	err := TestBatches(m, size, func(b *data.Batch) error {
		preds, err := classify(b)
		wrong += Wrong(preds, b.Labels)
		return err
	})
	if err != nil {
		return 0, err
	}
	return wrong, nil
}

// TestBatches calls f on the whole test set in batches of size (10,000
// must be a multiple of it), stopping at its first error.
func TestBatches(m *data.MNIST, size int, f func(b *data.Batch) error) error {
	if m.Test.Len()%size != 0 {
		return fmt.Errorf("batch %d does not divide the %d test images", size, m.Test.Len())
	}
	it, err := data.NewBatches(m.Test, data.Range(m.Test.Len()), size)
	if err != nil {
		return err
	}
	for b := it.Next(); b != nil; b = it.Next() {
		if err := f(b); err != nil {
			return err
		}
	}
	return nil
}

// Wrong counts the predictions that differ from the labels.
func Wrong(preds, labels []int) int {
	wrong := 0
	for i, p := range preds {
		if p != labels[i] {
			wrong++
		}
	}
	return wrong
}
