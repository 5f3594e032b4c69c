package train_test

import (
	"fmt"
	"log"

	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/train"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The paper's SDLM as a Gorgonia solver: estimate the curvature with
// graph.GaussNewton on a forward pass, hold it, then take per-pattern
// steps with each parameter's rate eta/(mu+h).
func ExampleSDLM() {
	g := G.NewGraph()
	x := graph.NewInput(g, tensor.Float64, 1)
	net, err := graph.New(x)
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
	image := make([]float64, 32*32)
	for i := range image {
		image[i] = -0.1
		if r, c := i/32, i%32; c == 16 && r >= 6 && r < 26 {
			image[i] = 1.175 // a vertical stroke
		}
	}
	G.Let(x, tensor.New(tensor.WithShape(1, 1, 32, 32), tensor.WithBacking(image)))
	G.Let(labels, tensor.New(tensor.WithShape(1, 10), tensor.WithBacking([]float64{0, 1, 0, 0, 0, 0, 0, 0, 0, 0})))
	vm := G.NewTapeMachine(g, G.BindDualValues(net.Learnables()...))
	defer vm.Close()

	// The curvature, from one forward pass (the paper averages 500 patterns).
	if err := vm.RunAll(); err != nil {
		log.Fatal(err)
	}
	gn, err := graph.NewGaussNewton(net)
	if err != nil {
		log.Fatal(err)
	}
	if err := gn.Accumulate(); err != nil {
		log.Fatal(err)
	}
	h, err := gn.Diagonal()
	if err != nil {
		log.Fatal(err)
	}
	solver, err := train.NewSDLM(train.WithSDLMRate(0.00005), train.WithSDLMMu(0.02))
	if err != nil {
		log.Fatal(err)
	}
	if err := solver.SetCurvature(h); err != nil {
		log.Fatal(err)
	}
	lo, hi := solver.RateRange()
	fmt.Printf("rates within (0, eta/mu]: %v\n", lo > 0 && hi <= 0.00005/0.02)

	first := loss.Value().Data().(float64)
	for range 20 {
		if err := solver.Step(G.NodesToValueGrads(net.Learnables())); err != nil {
			log.Fatal(err)
		}
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("loss went down:", loss.Value().Data().(float64) < first)
	// Output:
	// rates within (0, eta/mu]: true
	// loss went down: true
}
