package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/read"
	"github.com/lenet5-go/lenet5/train"
)

// -tune: the network's layers above a stage (S4 or S2) learn with the
// head, by the same CTC loss, the Section VII way of training the SDNN on
// whole numbers (there, the whole network). The layers up to the stage
// stay as they are, so that each window's maps there are computed once;
// the layers above run in a Gorgonia graph of their own (the network's
// weights loaded), whose loss is the sum of the RBF distances times the
// gradient the head's CTC loss gives them: the graph's autodiff then
// gives the layers' gradients of the CTC loss.

// tuneBatch is the windows of one step of the upper layers: the numbers
// of a step are packed into it, the rest padded with zeros.
const tuneBatch = 512

// features returns the head's inputs of distances y, a row of
// graph.Classes a window, as the reader computes them
// (read.ContextFeatures).
func features(y []float64) [][graph.Classes]float64 {
	scores := make([]read.Scores, len(y)/graph.Classes)
	for t := range scores {
		copy(scores[t].Cost[:], y[t*graph.Classes:])
	}
	return read.ContextFeatures(scores)
}

// tuneStep trains the upper layers and the head on one batch: returns the
// CTC loss added up and the numbers that fit.
func tuneStep(u *upper, n *net, batch []*example, headRate float64) (float64, int, error) {
	loss, count, err := tuneGrad(u, n, batch)
	if err != nil || count == 0 {
		return 0, 0, err
	}
	n.apply(headRate)
	return loss, count, u.step()
}

// tuneGrad leaves the gradients of the batch's CTC loss in the head's
// layers and the upper layers' learnables: returns the loss added up and
// the numbers that fit. The forward copy of the upper layers gives the
// distances; the training graph then runs with the head's gradient with
// respect to them as the loss's weights.
func tuneGrad(u *upper, n *net, batch []*example) (float64, int, error) {
	clear(u.dBuf)
	y, err := u.distances(batch)
	if err != nil {
		return 0, 0, err
	}
	loss, count, row := 0.0, 0, 0
	for _, e := range batch {
		ye := y[row*graph.Classes : (row+e.t)*graph.Classes]
		l, dx, ok := n.grad(features(ye), e.text)
		if ok {
			loss += l
			count++
			for t := range dx {
				for d := range graph.Classes {
					// d ln(1 + y) / dy; the features clamp y at 0.
					if v := ye[t*graph.Classes+d]; v > 0 {
						u.dBuf[(row+t)*graph.Classes+d] = float32(dx[t][d] / (1 + v))
					}
				}
			}
		}
		row += e.t
	}
	if count == 0 {
		return 0, 0, nil
	}
	return loss, count, u.backward(batch)
}

// batches packs the examples, in order, into batches of at most
// tuneBatch windows.
func batches(ex []example) [][]*example {
	var out [][]*example
	var cur []*example
	size := 0
	for i := range ex {
		e := &ex[i]
		if e.t > tuneBatch || e.maps == nil {
			continue
		}
		if size+e.t > tuneBatch {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, e)
		size += e.t
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// tunedFeatures sets every example's head inputs from the upper layers.
func tunedFeatures(u *upper, ex []example) error {
	for _, b := range batches(ex) {
		y, err := u.distances(b)
		if err != nil {
			return err
		}
		row := 0
		for _, e := range b {
			e.x = features(y[row*graph.Classes : (row+e.t)*graph.Classes])
			row += e.t
		}
	}
	return nil
}

// tunedModel returns m with the upper layers' weights.
func tunedModel(m *modelfile.Model, u *upper) *modelfile.Model {
	out := *m
	out.Weights = maps.Clone(m.Weights)
	for name, w := range u.train.params.Weights() {
		out.Weights[name] = w
	}
	return &out
}

// headNet returns the model's context head as a net to train further.
func headNet(m *modelfile.Model) (*net, error) {
	h, err := read.ContextOf(m)
	if err != nil {
		return nil, err
	}
	if h == nil {
		return nil, errors.New("-tune needs a network with a context head (sdnn_context): train one first with sdnnhead without -tune")
	}
	n := &net{mean: h.Mean, scale: h.Scale}
	for k := range h.Layers {
		l := &h.Layers[k]
		nl := trainable(l.In, l.Out, l.Kernel)
		nl.W, nl.B = l.Values()
		n.layers = append(n.layers, nl)
	}
	return n, nil
}

// runTune trains C5, F6 and the head on the examples' maps, keeps the
// pass that reads the most validation strings by the best path, chooses
// the character model's costs and writes the network.
func runTune(o options, args []string, m *modelfile.Model, train, val []example, numberCount int, stdout io.Writer) error {
	if len(train) == 0 {
		return errors.New("no number has windows")
	}
	n, err := headNet(m)
	if err != nil {
		return err
	}
	r, err := newMapsReader(m, o.tuneFrom)
	if err != nil {
		return err
	}
	in := r.shape()
	r.vm.Close()
	u, err := newUpper(m, o.tuneFrom, in, o.netRate)
	if err != nil {
		return err
	}
	defer u.Close()
	if err := tunedFeatures(u, val); err != nil {
		return err
	}
	best, bestEpoch := greedyAccuracy(n, val), 0
	fmt.Fprintf(stdout, "before: validation strings right (best path) %.2f%%\n", 100*best)
	kept, keptModel := n.clone(), tunedModel(m, u)
	rng := rand.New(rand.NewPCG(o.seed, 0x74756e65)) // "tune"
	for epoch := 1; epoch <= o.epochs; epoch++ {
		start := time.Now()
		rng.Shuffle(len(train), func(a, b int) { train[a], train[b] = train[b], train[a] })
		decay := math.Pow(o.gamma, float64(epoch-1))
		u.solver.SetLearnRate(o.netRate * decay)
		loss, count := 0.0, 0
		for _, b := range batches(train) {
			l, c, err := tuneStep(u, n, b, o.rate*decay)
			if err != nil {
				return fmt.Errorf("pass %d: %w", epoch, err)
			}
			loss, count = loss+l, count+c
		}
		if count == 0 {
			return errors.New("no number fits in its windows")
		}
		if !finite(loss) {
			return fmt.Errorf("pass %d: the loss diverged (%v): try a smaller -lr or -net-lr", epoch, loss)
		}
		if err := tunedFeatures(u, val); err != nil {
			return err
		}
		acc := greedyAccuracy(n, val)
		fmt.Fprintf(stdout, "pass %d  lr %.3g / %.3g  loss %.4f  validation strings right (best path) %.2f%%  %.0f s\n",
			epoch, o.rate*decay, o.netRate*decay, loss/float64(count), 100*acc, time.Since(start).Seconds())
		if acc > best {
			best, bestEpoch, kept, keptModel = acc, epoch, n.clone(), tunedModel(m, u)
		}
	}
	fmt.Fprintf(stdout, "kept pass %d\n", bestEpoch)
	trained := fmt.Sprintf("scripts/sdnnhead %s: the layers above %s and the head, %d numbers (%s) and %d non-digits of the training digits (seed %d), pass %d of %d kept on %d validation strings",
		strings.Join(args, " "), o.tuneFrom, numberCount, o.spacing, len(train)-numberCount, o.seed, bestEpoch, o.epochs, len(val))
	if err := retest(keptModel, stdout); err != nil {
		return err
	}
	return chooseCostsAndWrite(o, keptModel, kept, trained, val, stdout)
}

// retest records in m's metadata its network's error on MNIST's test
// digits, as cmd/train does: C5 and F6 have changed, and the file's
// figures were the network's before. A report; nothing is chosen on it.
func retest(m *modelfile.Model, stdout io.Writer) error {
	test, err := data.LoadTest("")
	if err != nil {
		return err
	}
	e := train.NewEvaluator(m, train.DefaultEvalBatch, 0)
	defer e.Close()
	r, err := e.Evaluate(test, nil)
	if err != nil {
		return err
	}
	before := m.Meta[modelfile.KeyTestErrors]
	m.Meta = maps.Clone(m.Meta)
	m.Meta[modelfile.KeyTestError] = strconv.FormatFloat(r.ErrorRate(), 'g', -1, 64)
	m.Meta[modelfile.KeyTestErrors] = strconv.Itoa(r.Errors)
	m.Meta[modelfile.KeyTestImages] = strconv.Itoa(r.Images)
	fmt.Fprintf(stdout, "MNIST test digits: %d errors in %d (the file said %s)\n", r.Errors, r.Images, before)
	return nil
}
