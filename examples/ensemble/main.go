// Command ensemble trains two LeNet-5 networks in one Gorgonia graph, two
// parameter sets with their own prefixes and seeds on the same batches,
// and compares each one's MNIST test error with their ensemble's (the
// mean of their class probabilities).
//
//	go run ./examples/ensemble
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/examples/internal/mnist"
	"github.com/lenet5-go/lenet5/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

const (
	batch      = 32
	trainCount = 12000
	evalBatch  = 500
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ensemble:", err)
		os.Exit(1)
	}
}

func run() error {
	start := time.Now()
	m, err := mnist.Load()
	if err != nil {
		return err
	}
	g := G.NewGraph()
	x := graph.NewInput(g, tensor.Float32, batch)
	var sets []*graph.Params
	var nets []*graph.Net
	var learnables G.Nodes
	for i, prefix := range []string{"a/", "b/"} {
		p, err := graph.NewParams(g, graph.WithPrefix(prefix), graph.WithHead(graph.Softmax), graph.WithSeed(uint64(i+1)))
		if err != nil {
			return err
		}
		net, err := p.Apply(x)
		if err != nil {
			return err
		}
		sets, nets = append(sets, p), append(nets, net)
		learnables = append(learnables, p.Learnables()...)
	}
	labels := nets[0].NewLabels()
	var losses G.Nodes
	for _, net := range nets {
		loss, err := net.Loss(labels)
		if err != nil {
			return err
		}
		losses = append(losses, loss)
	}
	total, err := G.ReduceAdd(losses)
	if err != nil {
		return err
	}
	// One cost, two independent sets: each gets the gradient of its own loss.
	if _, err := G.Grad(total, learnables...); err != nil {
		return err
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(learnables...))
	defer vm.Close()
	solver := G.NewAdamSolver(G.WithLearnRate(1e-3))
	it, err := data.NewBatches(m.Train, data.Shuffled(data.Range(trainCount), 1, 0), batch)
	if err != nil {
		return err
	}
	for b := it.Next(); b != nil && b.N() == batch; b = it.Next() {
		if err := G.Let(x, b.Tensor()); err != nil {
			return err
		}
		if err := G.Let(labels, b.OneHot()); err != nil {
			return err
		}
		if err := vm.RunAll(); err != nil {
			return err
		}
		if err := solver.Step(G.NodesToValueGrads(learnables)); err != nil {
			return err
		}
		vm.Reset()
	}

	// Evaluate both sets on batches of 500 in the same graph.
	ex := graph.NewInput(g, tensor.Float32, evalBatch)
	var evals []*graph.Net
	var outs G.Nodes
	for _, p := range sets {
		net, err := p.Apply(ex)
		if err != nil {
			return err
		}
		evals, outs = append(evals, net), append(outs, net.Output)
	}
	evm := G.NewTapeMachine(g.SubgraphRoots(outs...))
	defer evm.Close()
	wrong := make([]int, 3) // a, b, ensemble
	err = mnist.TestBatches(m, evalBatch, func(b *data.Batch) error {
		if err := G.Let(ex, b.Tensor()); err != nil {
			return err
		}
		if err := evm.RunAll(); err != nil {
			return err
		}
		defer evm.Reset()
		mean := make([]float64, evalBatch*graph.Classes)
		for k, net := range evals {
			probs, err := net.Probabilities()
			if err != nil {
				return err
			}
			wrong[k] += mnist.Wrong(graph.Predict(graph.Softmax, probs), b.Labels)
			for i, v := range probs {
				mean[i] += v / float64(len(evals))
			}
		}
		wrong[2] += mnist.Wrong(graph.Predict(graph.Softmax, mean), b.Labels)
		return nil
	})
	if err != nil {
		return err
	}
	n := float64(m.Test.Len())
	fmt.Printf("trained on %d images, one epoch, in one graph (%.0f s)\n", trainCount, time.Since(start).Seconds())
	fmt.Printf("test error: a/ %.2f%%, b/ %.2f%%, ensemble %.2f%%\n", 100*float64(wrong[0])/n, 100*float64(wrong[1])/n, 100*float64(wrong[2])/n)
	return nil
}
