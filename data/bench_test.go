package data

import (
	"runtime"
	"testing"
)

// BenchmarkLoadMNIST reads and decodes all four files (70,000 images) and
// reports the bytes the loaded dataset keeps in memory.
func BenchmarkLoadMNIST(b *testing.B) {
	dir, err := Locate("")
	if err != nil {
		b.Fatal(err)
	}
	var m *MNIST
	for b.Loop() {
		if m, err = LoadDir(dir); err != nil {
			b.Fatal(err)
		}
	}
	held := cap(m.Train.Images) + cap(m.Train.Labels) + cap(m.Test.Images) + cap(m.Test.Labels)
	b.ReportMetric(float64(held)/1e6, "MB-held")
	runtime.KeepAlive(m)
}

// BenchmarkLoadTest reads and decodes the two test files (10,000 images),
// as infer -mnist-test does.
func BenchmarkLoadTest(b *testing.B) {
	dir, err := Locate("")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := LoadTest(dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBatch fills shuffled training batches of 32 images, the
// training loop's per-step data cost.
func BenchmarkBatch(b *testing.B) {
	m := realMNIST(b)
	order := Shuffled(Range(m.Train.Len()), 1, 0)
	const size = 32
	it, err := NewBatches(m.Train, order, size)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size * InputSize * 4)
	for b.Loop() {
		if it.Next() == nil {
			it.Reset()
		}
	}
	b.ReportMetric(float64(b.N)*size/b.Elapsed().Seconds(), "images/s")
}
