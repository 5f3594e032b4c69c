package graph_test

import (
	"fmt"
	"log"

	"github.com/lenet5-go/lenet5/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Build LeNet-5 into a fresh graph, bind an input with gorgonia.Let, run
// a TapeMachine and read the prediction, as another Gorgonia project would.
func Example() {
	g := G.NewGraph()
	x := graph.NewInput(g, tensor.Float32, 1) // 1 x 1 x 32 x 32
	net, err := graph.New(x, graph.WithHead(graph.RBF), graph.WithSeed(1998))
	if err != nil {
		log.Fatal(err)
	}
	// A blank page with one vertical stroke, in the spec's input range.
	pixels := make([]float32, 32*32)
	for i := range pixels {
		pixels[i] = -0.1
		if r, c := i/32, i%32; c == 16 && r >= 6 && r < 26 {
			pixels[i] = 1.175
		}
	}
	if err := G.Let(x, tensor.New(tensor.WithShape(1, 1, 32, 32), tensor.WithBacking(pixels))); err != nil {
		log.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		log.Fatal(err)
	}
	digits, err := net.Predictions()
	if err != nil {
		log.Fatal(err)
	}
	probs, _ := net.Probabilities()
	fmt.Println("C3 activations:", net.C3.Shape())
	fmt.Println("predicted digit in 0..9:", digits[0] >= 0 && digits[0] <= 9)
	fmt.Println("probabilities:", len(probs))
	// Output:
	// C3 activations: (1, 16, 10, 10)
	// predicted digit in 0..9: true
	// probabilities: 10
}

// One training step with Gorgonia's autodiff and one of its solvers: the
// loss on the batch goes down.
func ExampleNet_Loss() {
	g := G.NewGraph()
	x := graph.NewInput(g, tensor.Float64, 2)
	net, err := graph.New(x, graph.WithHead(graph.Softmax), graph.WithSeed(7))
	if err != nil {
		log.Fatal(err)
	}
	labels := net.NewLabels()
	loss, err := net.Loss(labels)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := G.Grad(loss, net.Learnables()...); err != nil {
		log.Fatal(err)
	}
	images := make([]float64, 2*32*32)
	for i := range images {
		images[i] = -0.1 + 1.275*float64(i%7)/6
	}
	G.Let(x, tensor.New(tensor.WithShape(2, 1, 32, 32), tensor.WithBacking(images)))
	G.Let(labels, tensor.New(tensor.WithShape(2, 10), tensor.WithBacking([]float64{
		0, 0, 0, 1, 0, 0, 0, 0, 0, 0, // a 3
		0, 0, 0, 0, 0, 0, 0, 0, 1, 0, // an 8
	})))
	vm := G.NewTapeMachine(g, G.BindDualValues(net.Learnables()...))
	defer vm.Close()
	solver := G.NewVanillaSolver(G.WithLearnRate(0.05))
	var losses []float64
	for range 3 {
		if err := vm.RunAll(); err != nil {
			log.Fatal(err)
		}
		losses = append(losses, loss.Value().Data().(float64))
		if err := solver.Step(G.NodesToValueGrads(net.Learnables())); err != nil {
			log.Fatal(err)
		}
		vm.Reset()
	}
	fmt.Println("loss goes down:", losses[2] < losses[1] && losses[1] < losses[0])
	// Output:
	// loss goes down: true
}

// The per-layer table, computed from the built graph.
func ExampleNet_Summary() {
	net, err := graph.New(graph.NewInput(G.NewGraph(), tensor.Float32, 1))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(net.Summary())
	// Output:
	// stage      output  parameters  connections       MACs
	// input     1x32x32           0            0          0
	// C1        6x28x28         156      122,304    117,600
	// S2        6x14x14          12        5,880      1,176
	// C3       16x10x10       1,516      151,600    150,000
	// S4         16x5x5          32        2,000        400
	// C5            120      48,120       48,120     48,000
	// F6             84      10,164       10,164     10,080
	// output         10           0          840        840
	// total                  60,000      340,908    328,096
}

// A program checks the CPU path before it trains, as cmd/train does.
func ExampleKernelPath() {
	if _, err := graph.KernelPath(); err != nil {
		fmt.Println("lenet5:", err)
		return
	}
	fmt.Println("kernels chosen")
	// Output: kernels chosen
}
