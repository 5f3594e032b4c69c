// Command ownnet builds a LeNet-like network of its own from the graph
// package's layers, trains it briefly on MNIST and measures it.
//
// Its input has three planes of 32x32: the digit as data.Preprocess makes
// it for LeNet-5, and the digit's horizontal and vertical finite
// differences. C1 reads all three; C3 reads the six S2 maps through a
// connection table of the program's own (twelve maps, 30 of the 72 pairs);
// a fully connected layer of 84 units and a softmax head of ten logits
// follow. It trains one epoch on the first 10,000 training images with
// Gorgonia's Adam and reports the error on the first 2,000 test images.
//
//	go run ./examples/ownnet
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
	side       = graph.InputSide // 32
	planeCount = 3               // digit, horizontal and vertical differences
	batch      = 25
	trainCount = 10000 // the first 10,000 training images, once
	testCount  = 2000  // the first 2,000 test images
	evalBatch  = 500
	seed       = 1
)

// c3Table is the program's own S2 -> C3 table: maps 0-5 read two
// neighbouring S2 maps, maps 6-11 three maps (i, i+2, i+3 mod 6), so that
// every S2 map feeds five C3 maps.
var c3Table = graph.Table{In: 6, Inputs: [][]int{
	{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {0, 5},
	{0, 2, 3}, {1, 3, 4}, {2, 4, 5}, {0, 3, 5}, {0, 1, 4}, {1, 2, 5},
}}

// arch is the network.
func arch() graph.Arch {
	return graph.Arch{Name: "ownnet", Input: []int{planeCount, side, side}, Layers: []graph.LayerSpec{
		graph.Conv{Name: "C1", Table: graph.FullTable(planeCount, 6), Kernel: 5}, graph.Squash{},
		graph.Subsample{Name: "S2"}, graph.Squash{},
		graph.Conv{Name: "C3", Table: c3Table, Kernel: 5}, graph.Squash{},
		graph.Subsample{Name: "S4"}, graph.Squash{},
		graph.Full{Name: "F5", Units: 84}, graph.Squash{},
		graph.SoftmaxHead{},
	}}
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ownnet:", err)
		os.Exit(1)
	}
}

// planes writes the network input of one MNIST image into dst (3 x 32 x
// 32): the preprocessed digit (background -0.1, ink 1.175), then its
// forward differences along the rows (x) and the columns (y), 0 on the
// last column and the last row.
func planes(dst []float32, raw []uint8) {
	const n = side * side
	digit, dx, dy := dst[:n], dst[n:2*n], dst[2*n:3*n]
	data.Preprocess(digit, raw)
	for r := range side {
		for c := range side {
			i := r*side + c
			dx[i], dy[i] = 0, 0
			if c+1 < side {
				dx[i] = digit[i+1] - digit[i]
			}
			if r+1 < side {
				dy[i] = digit[i+side] - digit[i]
			}
		}
	}
}

// batcher fills one reused input tensor (N x 3 x 32 x 32) and one-hot
// labels (N x 10) from a set's images.
type batcher struct {
	set            *data.Set
	inputs, oneHot []float32
	inT, labelT    *tensor.Dense
	labels         []int
}

func newBatcher(set *data.Set, n int) *batcher {
	b := &batcher{set: set, inputs: make([]float32, n*planeCount*side*side),
		oneHot: make([]float32, n*graph.Classes), labels: make([]int, n)}
	b.inT = tensor.New(tensor.WithShape(n, planeCount, side, side), tensor.WithBacking(b.inputs))
	b.labelT = tensor.New(tensor.WithShape(n, graph.Classes), tensor.WithBacking(b.oneHot))
	return b
}

// fill loads the images of indices (as many as the batch holds).
func (b *batcher) fill(indices []int) {
	per := planeCount * side * side
	clear(b.oneHot)
	for k, i := range indices {
		planes(b.inputs[k*per:(k+1)*per], b.set.Image(i))
		b.labels[k] = b.set.Label(i)
		b.oneHot[k*graph.Classes+b.labels[k]] = 1
	}
}

func run() error {
	start := time.Now()
	m, err := mnist.Load()
	if err != nil {
		return err
	}
	if m.Train.Len() < trainCount || m.Test.Len() < testCount {
		return fmt.Errorf("MNIST has %d training and %d test images; need %d and %d", m.Train.Len(), m.Test.Len(), trainCount, testCount)
	}
	a := arch()
	g := G.NewGraph()
	p, err := a.NewParams(g, graph.WithSeed(seed))
	if err != nil {
		return err
	}
	net, err := p.Apply(a.NewInput(g, tensor.Float32, batch))
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
	// The training machine compiles the graph as it is now, before the
	// evaluation network is added.
	vm := G.NewTapeMachine(g, G.BindDualValues(p.Learnables()...))
	defer vm.Close()
	solver := G.NewAdamSolver(G.WithLearnRate(1e-3))
	fmt.Print(net.Summary())

	order := data.Shuffled(data.Range(trainCount), seed, 0)
	tb := newBatcher(m.Train, batch)
	var sum float64
	steps := 0
	for from := 0; from+batch <= len(order); from += batch {
		tb.fill(order[from : from+batch])
		if err := G.Let(net.Input, tb.inT); err != nil {
			return err
		}
		if err := G.Let(labels, tb.labelT); err != nil {
			return err
		}
		if err := graph.RunTape(vm); err != nil {
			return err
		}
		sum += float64(loss.Value().Data().(float32))
		if err := solver.Step(G.NodesToValueGrads(p.Learnables())); err != nil {
			return err
		}
		vm.Reset()
		steps++
	}
	fmt.Printf("trained 1 epoch on %d images: mean loss %.4f over %d steps of %d\n", trainCount, sum/float64(steps), steps, batch)

	eval, err := p.Apply(a.NewInput(g, tensor.Float32, evalBatch))
	if err != nil {
		return err
	}
	evm := G.NewTapeMachine(g.SubgraphRoots(eval.Output))
	defer evm.Close()
	eb := newBatcher(m.Test, evalBatch)
	testOrder := data.Range(testCount) // a multiple of evalBatch
	wrong := 0
	for from := 0; from < testCount; from += evalBatch {
		eb.fill(testOrder[from : from+evalBatch])
		if err := G.Let(eval.Input, eb.inT); err != nil {
			return err
		}
		if err := graph.RunTape(evm); err != nil {
			return err
		}
		preds, err := eval.Predictions()
		if err != nil {
			return err
		}
		wrong += mnist.Wrong(preds, eb.labels)
		evm.Reset()
	}
	fmt.Printf("%d parameters; test error %.2f%% (%d of the first %d test images), %.0f s\n",
		net.Summary().Total().Params, 100*float64(wrong)/testCount, wrong, testCount, time.Since(start).Seconds())
	return nil
}
