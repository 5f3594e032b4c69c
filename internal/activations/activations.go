// Package activations runs one image through LeNet-5 and collects what every
// stage computed, for the layer-by-layer picture of docs/spec.md §11 (infer
// -viz) and the demo page (infer -serve and the static site of cmd/site).
package activations

import (
	"fmt"
	"slices"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Net is an inference graph for one image, built once and run for many.
// A Net is not safe for concurrent use: give each goroutine its own.
type Net struct {
	head  graph.Head
	net   *graph.Net
	vm    G.VM
	input []float32     // the graph's input, bound once
	x     *tensor.Dense // input as a 1x1x32x32 tensor
	codes []float64     // the RBF codes of the ten digits, 10x84
}

// New builds the graph of model m for one image, computed on the calling
// goroutine (one worker per layer).
func New(m *modelfile.Model) (*Net, error) {
	g := G.NewGraph()
	net, err := m.Build(graph.NewInput(g, tensor.Float32, 1), graph.WithWorkers(1))
	if err != nil {
		return nil, err
	}
	n := &Net{head: m.Head, net: net, input: make([]float32, data.InputSize), codes: graph.RBFCodes()}
	n.x = tensor.New(tensor.WithShape(1, 1, data.InputSide, data.InputSide), tensor.WithBacking(n.input))
	n.vm = G.NewTapeMachine(g)
	return n, nil
}

// Close releases the machine.
func (n *Net) Close() { n.vm.Close() }

// Head is the model's output head.
func (n *Net) Head() graph.Head { return n.head }

// Run classifies one MNIST image (data.ImageSize bytes, 0 background, 255
// ink, as data.NormalizeDigit returns it) and returns every stage's values.
// The returned Activations own their slices: they stay valid after the
// next Run.
func (n *Net) Run(raw []uint8) (data.Activations, error) {
	if len(raw) != data.ImageSize {
		return data.Activations{}, fmt.Errorf("activations: %d pixels, want %d", len(raw), data.ImageSize)
	}
	data.Preprocess(n.input, raw)
	if err := G.Let(n.net.Input, n.x); err != nil {
		return data.Activations{}, err
	}
	n.vm.Reset()
	if err := graph.RunTape(n.vm); err != nil {
		return data.Activations{}, err
	}
	stages, err := n.net.StageValues(0)
	if err != nil {
		return data.Activations{}, err
	}
	out, err := n.net.Outputs()
	if err != nil {
		return data.Activations{}, err
	}
	predicted := graph.Predict(n.head, out)[0]
	scoreName := "RBF distance"
	if n.head == graph.Softmax {
		scoreName = "logit"
	}
	return data.Activations{
		Input: slices.Clone(n.input),
		Maps: []data.FeatureMaps{
			{Name: "C1", Maps: 6, Side: 28, Values: stages["C1"]},
			{Name: "S2", Maps: 6, Side: 14, Values: stages["S2"]},
			{Name: "C3", Maps: 16, Side: 10, Values: stages["C3"]},
			{Name: "S4", Maps: 16, Side: 5, Values: stages["S4"]},
		},
		C5: stages["C5"], F6: stages["F6"],
		Code:   slices.Clone(n.codes[predicted*graph.F6Units : (predicted+1)*graph.F6Units]),
		Scores: out, ScoreName: scoreName,
		Probabilities: graph.Probabilities(n.head, out), Predicted: predicted,
	}, nil
}
