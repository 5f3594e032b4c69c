package train

import (
	"fmt"
	"slices"
	"sync"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/internal/f32"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// With more than one worker and a batch that splits into parts of at
// least minReplicaBatch images, a training step runs data-parallel: each
// worker has its own copy of the training graph (a replica) for its part
// of the batch, single-threaded, and the parts' gradients are averaged
// into the first replica's before the solver steps it. Whole graphs per
// core scale better than splitting every layer of one batch over the
// cores, whose goroutines meet twice per layer per step. The gradient is
// the batch mean either way; only float rounding differs.
const minReplicaBatch = 4

// replica is one copy of the training graph.
type replica struct {
	net    *graph.Net
	labels *G.Node
	cols   int // columns of the labels: 10, or 11 with the rubbish class
	loss   *G.Node
	vm     G.VM
	grads  []G.ValueGrad
	// results of the last step
	lossValue float64
	errs      int
	err       error
}

// replicaCount is how many replicas a batch of size splits into.
func replicaCount(batch, workers int) int {
	if workers > 1 && batch%workers == 0 && batch/workers >= minReplicaBatch {
		return workers
	}
	return 1
}

// newReplica builds the training graph for batches of n images.
func (t *Trainer) newReplica(n int, opts []graph.Option) (*replica, error) {
	g := G.NewGraph()
	net, err := graph.New(t.arch.NewInput(g, tensor.Float32, n), opts...)
	if err != nil {
		return nil, err
	}
	r := &replica{net: net}
	if t.cfg.extraPatterns() {
		r.labels, r.cols = net.NewRubbishLabels(), graph.Classes+1
	} else {
		r.labels, r.cols = net.NewLabels(), graph.Classes
	}
	if r.loss, err = net.Loss(r.labels); err != nil {
		return nil, err
	}
	if _, err = G.Grad(r.loss, net.Learnables()...); err != nil {
		return nil, fmt.Errorf("differentiating the loss: %w", err)
	}
	r.vm = G.NewTapeMachine(g, G.BindDualValues(net.Learnables()...))
	r.grads = G.NodesToValueGrads(net.Learnables())
	return r, nil
}

// run does forward and backward on images [lo, hi) of b, whose one-hot
// labels are oneHot (made once per batch: Batch.OneHot rewrites its buffer,
// so the replicas must not call it at once).
func (r *replica) run(b *data.Batch, oneHot []float32, lo, hi int) {
	f := b.Format()
	x := tensor.New(tensor.WithShape(hi-lo, 1, f.Side, f.Side), tensor.WithBacking(b.Inputs[lo*f.Size():hi*f.Size()]))
	y := tensor.New(tensor.WithShape(hi-lo, r.cols), tensor.WithBacking(oneHot[lo*r.cols:hi*r.cols]))
	r.err = nil
	if r.err = G.Let(r.net.Input, x); r.err != nil {
		return
	}
	if r.err = G.Let(r.labels, y); r.err != nil {
		return
	}
	r.vm.Reset()
	if r.err = graph.RunTape(r.vm); r.err != nil {
		return
	}
	r.lossValue = float64(r.loss.Value().Data().(float32))
	out, err := r.net.Outputs()
	if err != nil {
		r.err = err
		return
	}
	r.errs = 0
	for k, p := range graph.Predict(r.net.Head, out) {
		switch l := b.Labels[lo+k]; {
		case l == data.Rubbish:
			// Misclassified unless the rubbish class is the most probable
			// of the eleven: every distance above j.
			if slices.Min(out[k*graph.Classes:(k+1)*graph.Classes]) <= r.net.J {
				r.errs++
			}
		case p != l:
			r.errs++
		}
	}
}

// forwardBackward runs every replica on its part of b and leaves the
// batch-mean gradient in the first replica's; it returns the mean loss
// and the misclassified count (a non-digit is misclassified when a digit
// is more probable than the rubbish class).
func (t *Trainer) forwardBackward(b *data.Batch) (float64, int, error) {
	n := len(t.replicas)
	part := b.N() / n
	labels := b.OneHot()
	if t.replicas[0].cols > graph.Classes {
		labels = b.OneHotRubbish()
	}
	oneHot := labels.Data().([]float32)
	if n == 1 {
		t.replicas[0].run(b, oneHot, 0, b.N())
	} else {
		var wg sync.WaitGroup
		for i, r := range t.replicas {
			wg.Go(func() { r.run(b, oneHot, i*part, (i+1)*part) })
		}
		wg.Wait()
	}
	var loss float64
	errs := 0
	for _, r := range t.replicas {
		if r.err != nil {
			return 0, 0, r.err
		}
		loss += r.lossValue
		errs += r.errs
	}
	if n > 1 {
		if err := t.averageGradients(); err != nil {
			return 0, 0, err
		}
	}
	return loss / float64(n), errs, nil
}

// averageGradients replaces the first replica's gradients by the mean of
// all replicas' and zeroes the others' (TapeMachine adds into them), with
// the float32 kernels of internal/f32.
func (t *Trainer) averageGradients() error {
	scale := 1 / float32(len(t.replicas))
	for i, vg := range t.replicas[0].grads {
		g0, err := gradData(vg)
		if err != nil {
			return err
		}
		for _, r := range t.replicas[1:] {
			g, err := gradData(r.grads[i])
			if err != nil {
				return err
			}
			f32.Axpy(1, g, g0)
			clear(g)
		}
		f32.Scale(scale, g0)
	}
	return nil
}

// syncReplicas copies the first replica's weights into the others.
func (t *Trainer) syncReplicas() {
	for i, p := range t.replicas[0].net.Learnables() {
		src := p.Value().Data().([]float32)
		for _, r := range t.replicas[1:] {
			copy(r.net.Learnables()[i].Value().Data().([]float32), src)
		}
	}
}

// gradData returns a learnable's float32 gradient.
func gradData(vg G.ValueGrad) ([]float32, error) {
	g, err := vg.Grad()
	if err != nil {
		return nil, err
	}
	d, ok := g.Data().([]float32)
	if !ok {
		return nil, fmt.Errorf("gradient holds %T, not float32", g.Data())
	}
	return d, nil
}
