package main

import (
	"fmt"
	"slices"

	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/train"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The layers -tune trains, above the stage whose maps are computed once,
// and the loss that hands them the head's gradient.

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
