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

// Two parameter sets in one graph are two networks: an ensemble whose
// members start from different seeds and vote on the same input.
func ExampleNewParams() {
	g := G.NewGraph()
	x := graph.NewInput(g, tensor.Float32, 4)
	var members []*graph.Net
	for i, prefix := range []string{"a/", "b/"} {
		p, err := graph.NewParams(g, graph.WithPrefix(prefix), graph.WithSeed(uint64(i+1)))
		if err != nil {
			log.Fatal(err)
		}
		net, err := p.Apply(x)
		if err != nil {
			log.Fatal(err)
		}
		members = append(members, net)
	}
	// The sum of the two RBF outputs is the ensemble's: smallest wins.
	votes := G.Must(G.Add(members[0].Output, members[1].Output))
	fmt.Println(members[0].Learnables()[0].Name(), members[1].Learnables()[0].Name(), votes.Shape())

	// The same prefix again would merge with the first set: an error.
	_, err := graph.NewParams(g, graph.WithPrefix("a/"))
	fmt.Println(err)
	// Output:
	// a/c1.weight b/c1.weight (4, 10)
	// graph: the graph already has a node named "a/c1.weight": give each parameter set its own WithPrefix
}

// One parameter set applied twice shares its weights: a siamese pair
// whose two towers embed two inputs of different batch sizes with the
// same C1..F6.
func ExampleParams_Apply() {
	g := G.NewGraph()
	p, err := graph.NewParams(g, graph.WithHead(graph.NoHead))
	if err != nil {
		log.Fatal(err)
	}
	left, err := p.Apply(graph.NewInput(g, tensor.Float32, 8))
	if err != nil {
		log.Fatal(err)
	}
	right, err := p.Apply(graph.NewInput(g, tensor.Float32, 1))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(left.Input.Name(), left.F6.Shape(), right.Input.Name(), right.F6.Shape())
	fmt.Println("shared learnables:", len(p.Learnables()), left.Learnables()[10] == right.Learnables()[10])
	// Output:
	// input (8, 84) input.2 (1, 84)
	// shared learnables: 12 true
}

// A head of one's own on the body: a loss on F6 is differentiated with
// the learnables it depends on, which LearnablesOf finds (here the body's
// twelve, not the softmax head's two).
func ExampleNet_LearnablesOf() {
	g := G.NewGraph()
	net, err := graph.New(graph.NewInput(g, tensor.Float64, 2), graph.WithHead(graph.Softmax))
	if err != nil {
		log.Fatal(err)
	}
	w := G.NewMatrix(g, tensor.Float64, G.WithShape(graph.F6Units, 2), G.WithName("mine.w"), G.WithInit(G.GlorotU(1)))
	cost := G.Must(G.Mean(G.Must(G.Square(G.Must(G.Mul(net.F6, w))))))
	learn := append(net.LearnablesOf(cost), w)
	if _, err := G.Grad(cost, learn...); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(net.Learnables()), "learnables,", len(learn)-1, "on the path to the cost")
	// Output:
	// 14 learnables, 12 on the path to the cost
}

// The geometry table: every tensor of LeNet-5 with its shapes and the
// fan-in of its initialisation.
func ExampleGeometry() {
	for _, s := range graph.Geometry() {
		if s.Layer == "C3" || s.Name == "rbf.centers" {
			fmt.Println(s.Name, s.Shape, s.FileShape, s.FanIn(0), s.Learnable)
		}
	}
	// Output:
	// c3.weight [60 5 5] [16 6 5 5] 75 true
	// c3.bias [16] [16] 75 true
	// rbf.centers [10 84] [10 84] 0 false
}
