// Command trainloop trains LeNet-5 with a training loop of its own and
// one of Gorgonia's solvers, then measures it on the 10,000 MNIST test
// images, with the same parameters applied to a larger batch.
//
//	go run ./examples/trainloop
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
	trainCount = 12000 // the first 12,000 training images, twice
	epochs     = 2
	evalBatch  = 500
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "trainloop:", err)
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
	// The parameters, once; then the training network on batches of 32.
	p, err := graph.NewParams(g, graph.WithHead(graph.RBF), graph.WithSeed(1))
	if err != nil {
		return err
	}
	net, err := p.Apply(graph.NewInput(g, tensor.Float32, batch))
	if err != nil {
		return err
	}
	labels := net.NewLabels()
	loss, err := net.Loss(labels)
	if err != nil {
		return err
	}
	if _, err := G.Grad(loss, p.Learnables()...); err != nil {
		return err
	}
	// A machine compiles the graph as it is now: the evaluation network
	// added below is not part of the training program.
	vm := G.NewTapeMachine(g, G.BindDualValues(p.Learnables()...))
	defer vm.Close()
	solver := G.NewAdamSolver(G.WithLearnRate(1e-3))

	for epoch := range epochs {
		it, err := data.NewBatches(m.Train, data.Shuffled(data.Range(trainCount), 1, epoch), batch)
		if err != nil {
			return err
		}
		var sum float64
		steps := 0
		for b := it.Next(); b != nil && b.N() == batch; b = it.Next() {
			if err := G.Let(net.Input, b.Tensor()); err != nil {
				return err
			}
			if err := G.Let(labels, b.OneHot()); err != nil {
				return err
			}
			if err := vm.RunAll(); err != nil {
				return err
			}
			sum += float64(loss.Value().Data().(float32))
			if err := solver.Step(G.NodesToValueGrads(p.Learnables())); err != nil {
				return err
			}
			vm.Reset()
			steps++
		}
		fmt.Printf("epoch %d: mean training loss %.4f over %d steps\n", epoch+1, sum/float64(steps), steps)
	}

	// The same parameters on batches of 500, forward only: a machine over
	// the evaluation network's part of the graph.
	eval, err := p.Apply(graph.NewInput(g, tensor.Float32, evalBatch))
	if err != nil {
		return err
	}
	evm := G.NewTapeMachine(g.SubgraphRoots(eval.Output))
	defer evm.Close()
	wrong, err := mnist.TestErrors(m, evalBatch, func(b *data.Batch) ([]int, error) {
		if err := G.Let(eval.Input, b.Tensor()); err != nil {
			return nil, err
		}
		if err := evm.RunAll(); err != nil {
			return nil, err
		}
		defer evm.Reset()
		return eval.Predictions()
	})
	if err != nil {
		return err
	}
	fmt.Printf("test error %.2f%% (%d of %d) after %d epochs on %d images, %.0f s\n",
		100*float64(wrong)/float64(m.Test.Len()), wrong, m.Test.Len(), epochs, trainCount, time.Since(start).Seconds())
	return nil
}
