package train

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// DefaultEvalBatch is the batch size of evaluation graphs. A batch's
// activations should stay in the core's cache: the 10,000 test images ran
// at 36,000 / 64,000 images/s (1 / 2 threads) in batches of 500, 38,000-39,000 /
// 73,000-76,000 in batches of 50 (BenchmarkMNISTTest in cmd/infer).
const DefaultEvalBatch = 50

// Result is an evaluation of a network on a set of images.
type Result struct {
	Images int
	Errors int
	// Confusion[label][predicted] counts images.
	Confusion [graph.Classes][graph.Classes]int
	// Predictions holds the predicted digit of each image, in order.
	Predictions []int
	// Margins holds the confidence of each prediction, in order: the
	// margin between the best and second-best scores (graph.Margins).
	Margins []float64
}

// Rejection returns the rejection curve of the evaluation: labels[i] is
// the true digit of the i-th image evaluated.
func (r Result) Rejection(labels []uint8) (*Rejection, error) {
	if len(labels) != len(r.Predictions) {
		return nil, fmt.Errorf("train: %d labels for %d predictions", len(labels), len(r.Predictions))
	}
	correct := make([]bool, len(labels))
	for i, l := range labels {
		correct[i] = int(l) == r.Predictions[i]
	}
	return NewRejection(r.Margins, correct)
}

// ErrorRate is Errors / Images.
func (r Result) ErrorRate() float64 {
	if r.Images == 0 {
		return 0
	}
	return float64(r.Errors) / float64(r.Images)
}

// Evaluator runs inference graphs made by the graph builder, without
// gradients, so evaluating never touches a training graph's state. It
// keeps one graph and machine per batch size it has needed.
type Evaluator struct {
	model   *Model
	workers int
	batch   int
	nets    map[int]*evalNet
	// shards evaluate contiguous parts of a large set at once, one
	// single-threaded graph each: whole batches per core scale better than
	// splitting every layer of one batch over the cores.
	shards []*Evaluator
}

// evalNet is one inference graph.
type evalNet struct {
	net *graph.Net
	vm  G.VM
}

// NewEvaluator prepares inference for a model in batches of batch images
// (DefaultEvalBatch if 0), each layer using workers goroutines (0 = all
// cores).
func NewEvaluator(m *Model, batch, workers int) *Evaluator {
	if batch <= 0 {
		batch = DefaultEvalBatch
	}
	return &Evaluator{model: m, workers: workers, batch: batch, nets: map[int]*evalNet{}}
}

// SetModel replaces the weights the evaluator uses (same head).
func (e *Evaluator) SetModel(m *Model) error {
	if m.Head != e.model.Head {
		return fmt.Errorf("evaluator has the %v head, model the %v head", e.model.Head, m.Head)
	}
	for _, en := range e.nets {
		if err := en.net.SetWeights(m.Weights); err != nil {
			return err
		}
	}
	for _, sh := range e.shards {
		if err := sh.SetModel(m); err != nil {
			return err
		}
	}
	e.model = m
	return nil
}

// netFor returns the inference graph for batches of n images.
func (e *Evaluator) netFor(n int) (*evalNet, error) {
	if en, ok := e.nets[n]; ok {
		return en, nil
	}
	var opts []graph.Option
	if e.workers > 0 {
		opts = append(opts, graph.WithWorkers(e.workers))
	}
	g := G.NewGraph()
	net, err := e.model.Build(graph.NewInput(g, tensor.Float32, n), opts...)
	if err != nil {
		return nil, err
	}
	en := &evalNet{net: net, vm: G.NewTapeMachine(g)}
	e.nets[n] = en
	return en, nil
}

// Close releases the machines.
func (e *Evaluator) Close() {
	for _, en := range e.nets {
		en.vm.Close()
	}
	for _, sh := range e.shards {
		sh.Close()
	}
}

// Evaluate classifies the images of set at indices (all of them, in
// order, when indices is nil), every one of them: the last partial batch
// runs in a graph of its own size. With more than one worker and at least
// two batches per worker, each worker classifies a contiguous part on its
// own; the result is the same.
func (e *Evaluator) Evaluate(set *data.Set, indices []int) (Result, error) {
	if indices == nil {
		indices = data.Range(set.Len())
	}
	workers := e.workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers > 1 && len(indices) >= 2*workers*e.batch {
		return e.evaluateSharded(set, indices, workers)
	}
	return e.evaluate(set, indices)
}

// evaluateSharded splits indices into one contiguous part per worker.
func (e *Evaluator) evaluateSharded(set *data.Set, indices []int, workers int) (Result, error) {
	for len(e.shards) < workers {
		e.shards = append(e.shards, NewEvaluator(e.model, e.batch, 1))
	}
	parts := make([]Result, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*len(indices)/workers, (w+1)*len(indices)/workers
		wg.Go(func() { parts[w], errs[w] = e.shards[w].evaluate(set, indices[lo:hi]) })
	}
	wg.Wait()
	r := Result{Predictions: make([]int, 0, len(indices)), Margins: make([]float64, 0, len(indices))}
	for w, p := range parts {
		if errs[w] != nil {
			return r, errs[w]
		}
		for i := range p.Confusion {
			for j := range p.Confusion[i] {
				r.Confusion[i][j] += p.Confusion[i][j]
			}
		}
		r.Errors += p.Errors
		r.Images += p.Images
		r.Predictions = append(r.Predictions, p.Predictions...)
		r.Margins = append(r.Margins, p.Margins...)
	}
	return r, nil
}

// evaluate classifies indices batch after batch in this evaluator's graphs.
func (e *Evaluator) evaluate(set *data.Set, indices []int) (Result, error) {
	it, err := data.NewBatches(set, indices, e.batch)
	if err != nil {
		return Result{}, err
	}
	r := Result{Predictions: make([]int, 0, len(indices)), Margins: make([]float64, 0, len(indices))}
	for b := it.Next(); b != nil; b = it.Next() {
		out, err := e.outputs(b.Tensor())
		if err != nil {
			return r, err
		}
		preds := graph.Predict(e.model.Head, out)
		r.Margins = append(r.Margins, graph.Margins(e.model.Head, out)...)
		for k, p := range preds {
			r.Confusion[b.Labels[k]][p]++
			if p != b.Labels[k] {
				r.Errors++
			}
		}
		r.Images += b.N()
		r.Predictions = append(r.Predictions, preds...)
	}
	return r, nil
}

// Classify runs a batch of inputs (N x 1 x 32 x 32 float32) and returns
// the predicted digits and the class probabilities (N x 10).
func (e *Evaluator) Classify(x *tensor.Dense) ([]int, []float64, error) {
	out, err := e.outputs(x)
	if err != nil {
		return nil, nil, err
	}
	return graph.Predict(e.model.Head, out), graph.Probabilities(e.model.Head, out), nil
}

// Outputs runs a batch of inputs (N x 1 x 32 x 32 float32) and returns
// the network's outputs, N x 10 row-major: the RBF distances or the
// logits (graph.Predict, graph.Margins, graph.RubbishProbabilities read
// them).
func (e *Evaluator) Outputs(x *tensor.Dense) ([]float64, error) { return e.outputs(x) }

// outputs runs a batch through the inference graph of its size.
func (e *Evaluator) outputs(x *tensor.Dense) ([]float64, error) {
	en, err := e.netFor(x.Shape()[0])
	if err != nil {
		return nil, err
	}
	if err := G.Let(en.net.Input, x); err != nil {
		return nil, err
	}
	en.vm.Reset()
	if err := graph.RunTape(en.vm); err != nil {
		return nil, err
	}
	return en.net.Outputs()
}
