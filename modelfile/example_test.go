package modelfile_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Read the shipped model and load it into a prefixed parameter set of
// one's own graph; the file keeps the unprefixed names.
func Example() {
	m, err := modelfile.Read("../models/lenet5.safetensors")
	if err != nil {
		log.Fatal(err)
	}
	g := G.NewGraph()
	p, err := m.Params(g, graph.WithPrefix("pretrained/"))
	if err != nil {
		log.Fatal(err)
	}
	net, err := p.Apply(graph.NewInput(g, tensor.Float32, 16))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Head, m.Meta["test_errors"], net.Learnables()[0].Name(), net.Output.Shape())
	// Output:
	// rbf 70 pretrained/c1.weight (16, 10)
}

// A model asked for with another head says what the file holds.
func ExampleMismatchError() {
	m, err := modelfile.Read("../models/lenet5.safetensors")
	if err != nil {
		log.Fatal(err)
	}
	_, err = m.Build(graph.NewInput(G.NewGraph(), tensor.Float32, 1), graph.WithHead(graph.Softmax))
	var mismatch *modelfile.MismatchError
	fmt.Println(errors.As(err, &mismatch))
	fmt.Println(err)
	// Output:
	// true
	// modelfile: ../models/lenet5.safetensors holds an rbf model; a softmax network was asked for
}
