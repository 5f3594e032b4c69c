package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/read"
	"github.com/lenet5-go/lenet5/train"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
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

// mapsReader computes the maps of windows at a stage with the whole
// network.
type mapsReader struct {
	net   *graph.Net
	stage *G.Node
	in    *G.Node
	vm    G.VM
	input []float32
	x     *tensor.Dense
	per   int
}

func newMapsReader(m *modelfile.Model, stage string) (*mapsReader, error) {
	const n = 64
	g := G.NewGraph()
	in := graph.NewInput(g, tensor.Float32, n)
	net, err := m.Build(in, graph.WithWorkers(1), graph.WithInPlaceSquash())
	if err != nil {
		return nil, err
	}
	node := net.Stage(stage)
	if node == nil {
		return nil, fmt.Errorf("the network has no stage %s", stage)
	}
	r := &mapsReader{net: net, stage: node, in: in, vm: G.NewTapeMachine(g), input: make([]float32, n*data.InputSize)}
	r.x = tensor.New(tensor.WithShape(n, 1, data.InputSide, data.InputSide), tensor.WithBacking(r.input))
	r.per = shapeVolume(node.Shape()[1:])
	return r, nil
}

// shape returns the stage's shape of one window's maps.
func (r *mapsReader) shape() []int { return slices.Clone([]int(r.stage.Shape()[1:])) }

func shapeVolume(s []int) int {
	v := 1
	for _, d := range s {
		v *= d
	}
	return v
}

// maps returns the windows' maps, one row of r.per values a window, as
// bfloat16 (the float32's upper half, rounded): half the memory, and the
// maps are squashed values within 1.72 of 0, so 8 bits of mantissa keep
// them within 0.4%.
func (r *mapsReader) maps(windows [][]uint8) ([]uint16, error) {
	n := len(r.input) / data.InputSize
	out := make([]uint16, 0, len(windows)*r.per)
	for len(windows) > 0 {
		chunk := windows[:min(n, len(windows))]
		windows = windows[len(chunk):]
		for i := range r.input {
			r.input[i] = data.Background
		}
		for k, w := range chunk {
			data.Preprocess(r.input[k*data.InputSize:(k+1)*data.InputSize], w)
		}
		if err := G.Let(r.in, r.x); err != nil {
			return nil, err
		}
		r.vm.Reset()
		if err := graph.RunTape(r.vm); err != nil {
			return nil, err
		}
		for _, v := range r.stage.Value().Data().([]float32)[:len(chunk)*r.per] {
			out = append(out, toBF16(v))
		}
	}
	return out, nil
}

// toBF16 rounds v to bfloat16 (to nearest, ties to even; v finite).
func toBF16(v float32) uint16 {
	b := math.Float32bits(v)
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

func fromBF16(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// withMaps sets every example's maps at the stage (maps, t windows),
// workers at once.
func withMaps(m *modelfile.Model, stage string, ex []example, workers int) error {
	return eachWindows(ex, workers, func() (func(i int, windows [][]uint8) error, func(), error) {
		r, err := newMapsReader(m, stage)
		if err != nil {
			return nil, nil, err
		}
		read1 := func(i int, windows [][]uint8) error {
			mp, err := r.maps(windows)
			if err != nil {
				return err
			}
			ex[i].maps, ex[i].t = mp, len(windows)
			return nil
		}
		return read1, func() { r.vm.Close() }, nil
	})
}

// upperNet is the network's layers above a stage in a graph of their own.
type upperNet struct {
	params *graph.Params
	net    *graph.Net
	in     *G.Node
	vm     G.VM
	inBuf  []float32
	inT    *tensor.Dense
}

// upper is the layers being trained, with the loss sum(distances * dloss)
// for a given dloss, and a copy of them without gradients for the
// distances the loss's weights come from.
type upper struct {
	train, fwd *upperNet
	dloss      *G.Node
	grads      []G.ValueGrad
	solver     *train.Adam
	per        int
	dBuf       []float32
	dT         *tensor.Dense
}

// upperArch returns a's layers above the stage (after its f), on the
// stage's maps.
func upperArch(a graph.Arch, stage string, in []int) (graph.Arch, error) {
	for k, l := range a.Layers {
		if l.Stage() == stage && k+2 < len(a.Layers) {
			return graph.Arch{Name: a.Name + "-above-" + stage, Input: in, Layers: slices.Clone(a.Layers[k+2:])}, nil
		}
	}
	return graph.Arch{}, fmt.Errorf("network %s has no stage %s with layers above it", a.Name, stage)
}

// newUpperNet builds the layers above stage with m's weights.
func newUpperNet(m *modelfile.Model, stage string, in []int) (*upperNet, error) {
	a, err := m.Arch()
	if err != nil {
		return nil, err
	}
	ua, err := upperArch(a, stage, in)
	if err != nil {
		return nil, err
	}
	g := G.NewGraph()
	p, err := graph.NewParams(g, graph.WithArch(ua), graph.WithHead(m.Head), graph.WithJ(m.J),
		graph.WithZeroWeights(), graph.WithDtype(tensor.Float32), graph.WithWorkers(1))
	if err != nil {
		return nil, err
	}
	ws := map[string]graph.Tensor{}
	for name := range p.Weights() {
		w, ok := m.Weights[name]
		if !ok {
			return nil, fmt.Errorf("the network has no %s", name)
		}
		ws[name] = w
	}
	if err := p.SetWeights(ws); err != nil {
		return nil, err
	}
	u := &upperNet{params: p, in: ua.NewInput(g, tensor.Float32, tuneBatch)}
	if u.net, err = p.Apply(u.in); err != nil {
		return nil, err
	}
	u.inBuf = make([]float32, tuneBatch*shapeVolume(in))
	u.inT = tensor.New(tensor.WithShape(append([]int{tuneBatch}, in...)...), tensor.WithBacking(u.inBuf))
	return u, nil
}

func newUpper(m *modelfile.Model, stage string, in []int, rate float64) (*upper, error) {
	tr, err := newUpperNet(m, stage, in)
	if err != nil {
		return nil, err
	}
	fwd, err := newUpperNet(m, stage, in)
	if err != nil {
		return nil, err
	}
	fwd.vm = G.NewTapeMachine(fwd.net.Params.Graph())
	g := tr.net.Params.Graph()
	u := &upper{train: tr, fwd: fwd, per: shapeVolume(in), solver: train.NewAdam(rate)}
	u.dloss = G.NewMatrix(g, tensor.Float32, G.WithShape(tuneBatch, graph.Classes), G.WithName("dloss"))
	loss, err := G.Sum(G.Must(G.HadamardProd(tr.net.Output, u.dloss)))
	if err != nil {
		return nil, err
	}
	if _, err := G.Grad(loss, tr.net.Learnables()...); err != nil {
		return nil, err
	}
	tr.vm = G.NewTapeMachine(g, G.BindDualValues(tr.net.Learnables()...))
	u.grads = G.NodesToValueGrads(tr.net.Learnables())
	u.dBuf = make([]float32, tuneBatch*graph.Classes)
	u.dT = tensor.New(tensor.WithShape(tuneBatch, graph.Classes), tensor.WithBacking(u.dBuf))
	return u, nil
}

// Close releases the machines.
func (u *upper) Close() {
	u.train.vm.Close()
	u.fwd.vm.Close()
}

// run runs n on the examples' maps (at most tuneBatch windows in all) and
// returns the distances, a row of graph.Classes a window.
func (n *upperNet) run(batch []*example, per int, before func() error) ([]float64, error) {
	clear(n.inBuf)
	off := 0
	for _, e := range batch {
		for _, h := range e.maps {
			n.inBuf[off] = fromBF16(h)
			off++
		}
	}
	if err := G.Let(n.in, n.inT); err != nil {
		return nil, err
	}
	if before != nil {
		if err := before(); err != nil {
			return nil, err
		}
	}
	n.vm.Reset()
	if err := graph.RunTape(n.vm); err != nil {
		return nil, err
	}
	out, err := n.net.Outputs()
	if err != nil {
		return nil, err
	}
	return slices.Clone(out[:off/per*graph.Classes]), nil
}

// distances returns the batch's distances, without gradients.
func (u *upper) distances(batch []*example) ([]float64, error) {
	return u.fwd.run(batch, u.per, nil)
}

// backward runs the training graph on the batch with the loss's weights
// in dBuf, leaving the learnables' gradients.
func (u *upper) backward(batch []*example) error {
	_, err := u.train.run(batch, u.per, func() error { return G.Let(u.dloss, u.dT) })
	return err
}

// step takes the solver's step and copies the weights to the forward
// graph.
func (u *upper) step() error {
	if err := u.solver.Step(u.grads); err != nil {
		return err
	}
	return u.fwd.params.SetWeights(u.train.params.Weights())
}

// features returns the head's inputs (read.ContextFeatures) of distances
// y, a row of graph.Classes a window.
func features(y []float64) [][graph.Classes]float64 {
	x := make([][graph.Classes]float64, len(y)/graph.Classes)
	for t := range x {
		for d := range graph.Classes {
			x[t][d] = math.Log1p(max(y[t*graph.Classes+d], 0))
		}
	}
	return x
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
// the numbers that fit. The upper graph runs twice: for the distances,
// then with the head's gradient with respect to them as the loss's
// weights.
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
		return nil, errors.New("-tune needs a network with a context head: train one first")
	}
	n := &net{mean: h.Mean, scale: h.Scale}
	for _, l := range h.Layers {
		nl := &layer{}
		nl.In, nl.Out, nl.Kernel = l.In, l.Out, l.Kernel
		nl.W, nl.B = float64s(l.Weights), float64s(l.Biases)
		k := len(nl.W)
		nl.gw, nl.mw, nl.vw = make([]float64, k), make([]float64, k), make([]float64, k)
		nl.gb, nl.mb, nl.vb = make([]float64, l.Out), make([]float64, l.Out), make([]float64, l.Out)
		n.layers = append(n.layers, nl)
	}
	return n, nil
}

func float64s(b []byte) []float64 {
	out := make([]float64, len(b)/4)
	for i := range out {
		out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
	}
	return out
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
