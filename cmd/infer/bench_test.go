package main

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/lenet5-go/lenet5/models"
	"github.com/lenet5-go/lenet5/train"
)

// BenchmarkClassifyImage is the single-image latency of infer: read and
// decode a PNG, make it look like MNIST, preprocess, and run the forward
// pass, with the model loaded and the graph built once.
func BenchmarkClassifyImage(b *testing.B) {
	m, err := models.Default()
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []int{28, 200} {
		b.Run(fmt.Sprintf("png=%dx%d", size, size), func(b *testing.B) {
			var buf bytes.Buffer
			if err := png.Encode(&buf, digitPicture(b, 0, size, true)); err != nil {
				b.Fatal(err)
			}
			path := filepath.Join(b.TempDir(), "digit.png")
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				b.Fatal(err)
			}
			c, err := newClassifier(m)
			if err != nil {
				b.Fatal(err)
			}
			defer c.eval.Close()
			for b.Loop() {
				if r := c.classify(path, nil); r.err != nil {
					b.Fatal(r.err)
				}
			}
		})
	}
}

// BenchmarkMNISTTest classifies the 10,000 test images as -mnist-test does.
func BenchmarkMNISTTest(b *testing.B) {
	m, err := models.Default()
	if err != nil {
		b.Fatal(err)
	}
	test := realMNIST(b).Test
	eval := train.NewEvaluator(m, train.DefaultEvalBatch, 0)
	defer eval.Close()
	for b.Loop() {
		if _, err := eval.Evaluate(test, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*test.Len())/b.Elapsed().Seconds(), "images/s")
}
