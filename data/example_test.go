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
