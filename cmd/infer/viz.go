package main

import (
	"fmt"
	"image/png"
	"io"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/train"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// visualize draws the layer-by-layer picture of one image to out.
func visualize(out, file string, m *train.Model, stdin io.Reader, stdout io.Writer) error {
	var raw []uint8
	var err error
	if file == "-" {
		raw, err = data.ReadDigitImage(stdin, "-")
	} else {
		raw, err = data.LoadDigitImage(file)
	}
	if err != nil {
		return err
	}
	input := make([]float32, data.InputSize)
	data.Preprocess(input, raw)
	act, err := activations(m, input)
	if err != nil {
		return err
	}
	img, err := data.LayerPicture(act)
	if err != nil {
		return err
	}
	if err := train.WriteFileAtomic(out, func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\t%d\t%.4f\t%s\n", file, act.Predicted, act.Probabilities[act.Predicted], out)
	return nil
}

// activations runs one input through the model and collects every stage.
func activations(m *train.Model, input []float32) (data.Activations, error) {
	g := G.NewGraph()
	net, err := m.Build(graph.NewInput(g, tensor.Float32, 1), graph.WithWorkers(1))
	if err != nil {
		return data.Activations{}, err
	}
	if err := G.Let(net.Input, tensor.New(tensor.WithShape(1, 1, data.InputSide, data.InputSide), tensor.WithBacking(input))); err != nil {
		return data.Activations{}, err
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := graph.RunTape(vm); err != nil {
		return data.Activations{}, err
	}
	stages, err := net.StageValues(0)
	if err != nil {
		return data.Activations{}, err
	}
	preds, err := net.Predictions()
	if err != nil {
		return data.Activations{}, err
	}
	probs, err := net.Probabilities()
	if err != nil {
		return data.Activations{}, err
	}
	codes := graph.RBFCodes()
	scoreName := "RBF distance"
	if m.Head == graph.Softmax {
		scoreName = "logit"
	}
	return data.Activations{
		Input: input,
		Maps: []data.FeatureMaps{
			{Name: "C1", Maps: 6, Side: 28, Values: stages["C1"]},
			{Name: "S2", Maps: 6, Side: 14, Values: stages["S2"]},
			{Name: "C3", Maps: 16, Side: 10, Values: stages["C3"]},
			{Name: "S4", Maps: 16, Side: 5, Values: stages["S4"]},
		},
		C5: stages["C5"], F6: stages["F6"],
		Code:   codes[preds[0]*graph.F6Units : (preds[0]+1)*graph.F6Units],
		Scores: stages["output"], ScoreName: scoreName,
		Probabilities: probs, Predicted: preds[0],
	}, nil
}
