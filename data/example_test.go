package data_test

import (
	"fmt"
	"log"

	"github.com/lenet5-go/lenet5/data"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Batches of the test set bound to a Gorgonia input node with
// gorgonia.Let: no copy, and the last partial batch is seen too.
func ExampleBatches() {
	mnist, err := data.Load("") // finds MNIST with no set-up
	if err != nil {
		log.Fatal(err)
	}
	const size = 1000
	batches, err := data.NewBatches(mnist.Test, data.Range(mnist.Test.Len()), size)
	if err != nil {
		log.Fatal(err)
	}

	g := gorgonia.NewGraph()
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(size, 1, data.InputSide, data.InputSide), gorgonia.WithName("x"))
	brightest := gorgonia.Must(gorgonia.Max(x, 0, 1, 2, 3))
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()

	b := batches.Next()
	if err := gorgonia.Let(x, b.Tensor()); err != nil {
		log.Fatal(err)
	}
	if err := vm.RunAll(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("batches:", batches.Len())
	fmt.Println("first labels:", b.Labels[:8])
	fmt.Println("input shape:", x.Value().Shape())
	fmt.Printf("brightest input: %.3f\n", brightest.Value().Data())
	// Output:
	// batches: 10
	// first labels: [7 2 1 0 4 1 4 9]
	// input shape: (1000, 1, 32, 32)
	// brightest input: 1.175
}

// Shuffled orders are reproducible from a seed and an epoch.
func ExampleShuffled() {
	fmt.Println(data.Shuffled(data.Range(10), 1, 0))
	// Output:
	// [7 6 1 3 2 4 8 9 0 5]
}

// The paper's networks read different inputs made from the same MNIST
// image: LeNet-5 a 32x32 field, the fully connected nets the 28x28 image,
// LeNet-1 a 28x28 field with the digit shrunk to 16x16. Here the pixels
// at least half inked of the first test digit (a 7) span its 20 rows in
// the first two; in LeNet-1's they span 15 rows, rows 7 and 26 of the image
// having moved to 8.3 and 23.5 (the scale 0.8 about the centre, 13.5).
func ExampleInputFormat() {
	test, err := data.LoadTest("") // finds MNIST with no set-up
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range []data.InputFormat{data.LeNet5Format, data.MNISTFormat, data.LeNet1Format} {
		if err := f.Validate(); err != nil {
			log.Fatal(err)
		}
		in := make([]float32, f.Size())
		f.Preprocess(in, test.Image(0))
		top, bottom, left, right := f.Side, -1, f.Side, -1
		for r := range f.Side {
			for c := range f.Side {
				if in[r*f.Side+c] > (data.Background+data.Ink)/2 {
					top, bottom = min(top, r), max(bottom, r)
					left, right = min(left, c), max(right, c)
				}
			}
		}
		fmt.Printf("%v: %d values, ink in rows %d-%d, columns %d-%d\n", f, f.Size(), top, bottom, left, right)
	}
	// Output:
	// 32x32, 20 px digit: 1024 values, ink in rows 9-28, columns 8-23
	// 28x28, 20 px digit: 784 values, ink in rows 7-26, columns 6-21
	// 28x28, 16 px digit: 784 values, ink in rows 9-23, columns 8-19
}
