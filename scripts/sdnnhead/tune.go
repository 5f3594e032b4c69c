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
	"strings"
	"sync"
	"time"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/read"
	"github.com/lenet5-go/lenet5/train"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// -tune: the network's C5 and F6 learn with the head, by the same CTC
// loss, the Section VII way of training the SDNN on whole numbers (there,
// the whole network). The layers below C5 stay as they are, so that each
// window's S4 maps are computed once; C5, F6 and the RBF distances run in
// a Gorgonia graph of their own (the network's layers above S4, its
// weights loaded), whose loss is the sum of the distances times the
// gradient the head's CTC loss gives them: the graph's autodiff then
// gives C5's and F6's gradients of the CTC loss.

// tuneBatch is the windows of one step of the upper layers: the numbers
// of a step are packed into it, the rest padded with zeros.
const tuneBatch = 512

// s4Reader computes the S4 maps of windows with the whole network.
type s4Reader struct {
	net   *graph.Net
	in    *G.Node
	vm    G.VM
	input []float32
	x     *tensor.Dense
	per   int
}

func newS4Reader(m *modelfile.Model) (*s4Reader, error) {
	const n = 64
	g := G.NewGraph()
	in := graph.NewInput(g, tensor.Float32, n)
	net, err := m.Build(in, graph.WithWorkers(1), graph.WithInPlaceSquash())
	if err != nil {
		return nil, err
	}
	if net.S4 == nil {
		return nil, errors.New("the network has no S4 stage")
	}
	r := &s4Reader{net: net, in: in, vm: G.NewTapeMachine(g), input: make([]float32, n*data.InputSize)}
	r.x = tensor.New(tensor.WithShape(n, 1, data.InputSide, data.InputSide), tensor.WithBacking(r.input))
	r.per = shapeVolume(net.S4.Shape()[1:])
	return r, nil
}

func shapeVolume(s []int) int {
	v := 1
	for _, d := range s {
		v *= d
	}
	return v
}

// maps returns the windows' S4 maps, one row of r.per values a window.
func (r *s4Reader) maps(windows [][]uint8) ([]float32, error) {
	n := len(r.input) / data.InputSize
	out := make([]float32, 0, len(windows)*r.per)
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
		out = append(out, r.net.S4.Value().Data().([]float32)[:len(chunk)*r.per]...)
	}
	return out, nil
}

// withMaps sets every example's S4 maps (s4, t windows), workers at once.
func withMaps(m *modelfile.Model, ex []example, workers int) error {
	jobs := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		r, err := newS4Reader(m)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.vm.Close()
			for i := range jobs {
				f, err := read.Windows(ex[i].img)
				if errors.Is(err, data.ErrNoDigit) {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				s4, err := r.maps(f.Windows)
				if err != nil {
					errs <- err
					return
				}
				ex[i].s4, ex[i].t = s4, len(f.Windows)
			}
		}()
	}
	var err error
feed:
	for i := range ex {
		select {
		case jobs <- i:
		case err = <-errs:
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err != nil {
		return err
	}
	select {
	case err = <-errs:
		return err
	default:
		return nil
	}
}

// upper is the network's layers above S4, in a graph of their own, with
// the loss sum(distances * dloss) for a given dloss.
type upper struct {
	params      *graph.Params
	net         *graph.Net
	in, dloss   *G.Node
	vm          G.VM
	grads       []G.ValueGrad
	solver      *train.Adam
	per         int
	inBuf, dBuf []float32
	inT, dT     *tensor.Dense
}

// upperArch returns a's layers above S4 (after S4's f), on S4's maps.
func upperArch(a graph.Arch, s4 []int) (graph.Arch, error) {
	for k, l := range a.Layers {
		if l.Stage() == "S4" && k+1 < len(a.Layers) {
			return graph.Arch{Name: a.Name + "-above-s4", Input: s4, Layers: slices.Clone(a.Layers[k+2:])}, nil
		}
	}
	return graph.Arch{}, fmt.Errorf("network %s has no S4 stage", a.Name)
}

func newUpper(m *modelfile.Model, s4 []int, rate float64) (*upper, error) {
	a, err := m.Arch()
	if err != nil {
		return nil, err
	}
	ua, err := upperArch(a, s4)
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
	u := &upper{params: p, per: shapeVolume(s4), solver: train.NewAdam(rate)}
	u.in = ua.NewInput(g, tensor.Float32, tuneBatch)
	if u.net, err = p.Apply(u.in); err != nil {
		return nil, err
	}
	u.dloss = G.NewMatrix(g, tensor.Float32, G.WithShape(tuneBatch, graph.Classes), G.WithName("dloss"))
	loss, err := G.Sum(G.Must(G.HadamardProd(u.net.Output, u.dloss)))
	if err != nil {
		return nil, err
	}
	if _, err := G.Grad(loss, u.net.Learnables()...); err != nil {
		return nil, err
	}
	u.vm = G.NewTapeMachine(g, G.BindDualValues(u.net.Learnables()...))
	u.grads = G.NodesToValueGrads(u.net.Learnables())
	u.inBuf = make([]float32, tuneBatch*u.per)
	u.dBuf = make([]float32, tuneBatch*graph.Classes)
	u.inT = tensor.New(tensor.WithShape(append([]int{tuneBatch}, s4...)...), tensor.WithBacking(u.inBuf))
	u.dT = tensor.New(tensor.WithShape(tuneBatch, graph.Classes), tensor.WithBacking(u.dBuf))
	return u, nil
}

// run runs the graph on the examples' maps (at most tuneBatch windows in
// all) with the loss's weights in dBuf, and returns the distances, a row
// of graph.Classes a window.
func (u *upper) run(batch []*example) ([]float64, error) {
	clear(u.inBuf)
	off := 0
	for _, e := range batch {
		off += copy(u.inBuf[off:], e.s4)
	}
	if err := G.Let(u.in, u.inT); err != nil {
		return nil, err
	}
	if err := G.Let(u.dloss, u.dT); err != nil {
		return nil, err
	}
	u.vm.Reset()
	if err := graph.RunTape(u.vm); err != nil {
		return nil, err
	}
	out, err := u.net.Outputs()
	if err != nil {
		return nil, err
	}
	return slices.Clone(out[:off/u.per*graph.Classes]), nil
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
	return loss, count, u.solver.Step(u.grads)
}

// tuneGrad leaves the gradients of the batch's CTC loss in the head's
// layers and the upper layers' learnables: returns the loss added up and
// the numbers that fit. The upper graph runs twice: for the distances,
// then with the head's gradient with respect to them as the loss's
// weights.
func tuneGrad(u *upper, n *net, batch []*example) (float64, int, error) {
	clear(u.dBuf)
	y, err := u.run(batch)
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
	if _, err := u.run(batch); err != nil {
		return 0, 0, err
	}
	return loss, count, nil
}

// batches packs the examples, in order, into batches of at most
// tuneBatch windows.
func batches(ex []example) [][]*example {
	var out [][]*example
	var cur []*example
	size := 0
	for i := range ex {
		e := &ex[i]
		if e.t > tuneBatch || e.t == 0 {
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
	clear(u.dBuf)
	for _, b := range batches(ex) {
		y, err := u.run(b)
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
	for name, w := range u.params.Weights() {
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
	r, err := newS4Reader(m)
	if err != nil {
		return err
	}
	s4 := slices.Clone([]int(r.net.S4.Shape()[1:]))
	r.vm.Close()
	u, err := newUpper(m, s4, o.netRate)
	if err != nil {
		return err
	}
	defer u.vm.Close()
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
	trained := fmt.Sprintf("scripts/sdnnhead %s: C5, F6 and the head, %d numbers (%s) and %d non-digits of the training digits (seed %d), pass %d of %d kept on %d validation strings",
		strings.Join(args, " "), numberCount, o.spacing, len(train)-numberCount, o.seed, bestEpoch, o.epochs, len(val))
	return chooseCostsAndWrite(o, keptModel, kept, trained, val, stdout)
}
