package train

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
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
	// margin between the best and second-best scores (graph.Margins; for
	// a committee, of its added probabilities, committee.go).
	Margins []float64
	// Consulted counts the networks run, image by image: Images for one
	// network, between Images and 3 x Images for a boosted committee.
	Consulted int
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
	// members evaluate a boosted committee's networks (committee.go).
	members    []*Evaluator
	confidence float64
	// shards evaluate contiguous parts of a large set at once, one
	// single-threaded graph each: whole batches per core scale better than
	// splitting every layer of one batch over the cores.
	shards []*Evaluator
}

// evalNet is one inference graph.
type evalNet struct {
	nets []*graph.Net // the network, or an ensemble's members, averaged
	in   *G.Node
	vm   G.VM
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

// format returns the input the model's network reads.
func (e *Evaluator) format() (data.InputFormat, error) { return ModelInputFormat(e.model) }

// ModelInputFormat returns the input a model's network reads (InputFormat;
// a committee's members all read the same).
func ModelInputFormat(m *Model) (data.InputFormat, error) {
	members, err := m.Members()
	if err != nil {
		return data.InputFormat{}, err
	}
	a, err := members[0].Arch()
	if err != nil {
		return data.InputFormat{}, err
	}
	return InputFormat(a), nil
}

// SetModel replaces the weights the evaluator uses (same head).
func (e *Evaluator) SetModel(m *Model) error {
	if m.Head != e.model.Head || m.Net != e.model.Net {
		return fmt.Errorf("evaluator has the %v head of %s, model the %v head of %s", e.model.Head, e.model.Net, m.Head, m.Net)
	}
	if e.members != nil || modelfile.IsEnsemble(m.Net) {
		return fmt.Errorf("train: a committee's evaluator keeps its model")
	}
	for _, en := range e.nets {
		if err := en.nets[0].SetWeights(m.Weights); err != nil { // one network: SetModel refuses ensembles
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
	// Nothing reads a layer's weighted sums here: they can be squashed in
	// place.
	opts := []graph.Option{graph.WithInPlaceSquash()}
	if e.workers > 0 {
		opts = append(opts, graph.WithWorkers(e.workers))
	}
	members, err := e.model.Members()
	if err != nil {
		return nil, err
	}
	a, err := members[0].Arch()
	if err != nil {
		return nil, err
	}
	g := G.NewGraph()
	in := a.NewInput(g, tensor.Float32, n)
	nets, err := e.model.BuildAll(in, opts...)
	if err != nil {
		return nil, err
	}
	en := &evalNet{nets: nets, in: in, vm: G.NewTapeMachine(g)}
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
	for _, m := range e.members {
		m.Close()
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
		r.Consulted += p.Consulted
	}
	return r, nil
}

// evaluate classifies indices batch after batch in this evaluator's graphs.
func (e *Evaluator) evaluate(set *data.Set, indices []int) (Result, error) {
	f, err := e.format()
	if err != nil {
		return Result{}, err
	}
	it, err := data.NewBatchesFormat(set, indices, e.batch, f)
	if err != nil {
		return Result{}, err
	}
	r := Result{Predictions: make([]int, 0, len(indices)), Margins: make([]float64, 0, len(indices))}
	for b := it.Next(); b != nil; b = it.Next() {
		preds, margins, consulted, err := e.predict(b.Tensor())
		if err != nil {
			return r, err
		}
		r.Margins = append(r.Margins, margins...)
		r.Consulted += consulted
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

// predict returns the predictions and margins of a batch, and how many
// network runs of an image it took.
func (e *Evaluator) predict(x *tensor.Dense) (preds []int, margins []float64, consulted int, err error) {
	if c, err := e.isCommittee(); err != nil || c {
		if err != nil {
			return nil, nil, 0, err
		}
		return e.committeePredict(x)
	}
	out, err := e.outputs(x)
	if err != nil {
		return nil, nil, 0, err
	}
	return graph.Predict(e.model.Head, out), graph.Margins(e.model.Head, out), x.Shape()[0], nil
}

// Classify runs a batch of inputs (N x the network's input, float32: N x
// 1 x 32 x 32 for LeNet-5) and returns the predicted digits and the class
// probabilities (N x 10); a committee's are its members' added
// probabilities over 3 (committee.go).
func (e *Evaluator) Classify(x *tensor.Dense) ([]int, []float64, error) {
	if c, err := e.isCommittee(); err != nil || c {
		if err != nil {
			return nil, nil, err
		}
		return e.committeeClassify(x)
	}
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
	if err := G.Let(en.in, x); err != nil {
		return nil, err
	}
	en.vm.Reset()
	if err := graph.RunTape(en.vm); err != nil {
		return nil, err
	}
	return modelfile.AverageOutputs(en.nets)
}

// Model returns the model the evaluator runs.
func (e *Evaluator) Model() *Model { return e.model }
