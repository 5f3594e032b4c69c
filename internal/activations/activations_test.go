package activations

import (
	"fmt"
	"testing"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/models"
	"github.com/lenet5-go/lenet5/train"
	"gorgonia.org/tensor"
)

// Run gives, for each image, the evaluator's digit and probabilities,
// whatever ran before it on the same Net; every stage has its size; and
// the Activations stay as they were after later runs.
func TestRunMatchesEvaluator(t *testing.T) {
	m, err := models.Default()
	if err != nil {
		t.Fatal(err)
	}
	mnist, err := data.Load("")
	if err != nil {
		t.Fatal(err)
	}
	net, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	eval := train.NewEvaluator(m, 1, 1)
	defer eval.Close()
	first, err := net.Run(mnist.Test.Image(0))
	if err != nil {
		t.Fatal(err)
	}
	firstText := fmt.Sprint(first)
	for i := range 12 {
		raw := mnist.Test.Image(i)
		a, err := net.Run(raw)
		if err != nil {
			t.Fatal(err)
		}
		input := make([]float32, data.InputSize)
		data.Preprocess(input, raw)
		preds, probs, err := eval.Classify(tensor.New(tensor.WithShape(1, 1, data.InputSide, data.InputSide), tensor.WithBacking(input)))
		if err != nil {
			t.Fatal(err)
		}
		if a.Predicted != preds[0] || fmt.Sprint(a.Probabilities) != fmt.Sprint(probs) || fmt.Sprint(a.Input) != fmt.Sprint(input) {
			t.Fatalf("image %d: digit %d %v, evaluator %d %v", i, a.Predicted, a.Probabilities, preds[0], probs)
		}
		sizes := map[string]int{"C1": 6 * 28 * 28, "S2": 6 * 14 * 14, "C3": 16 * 10 * 10, "S4": 16 * 5 * 5}
		for _, fm := range a.Maps {
			if len(fm.Values) != sizes[fm.Name] || fm.Maps*fm.Side*fm.Side != len(fm.Values) {
				t.Fatalf("%s: %d values for %d maps of %d", fm.Name, len(fm.Values), fm.Maps, fm.Side)
			}
			delete(sizes, fm.Name)
		}
		if len(sizes) != 0 || len(a.C5) != 120 || len(a.F6) != graph.F6Units || len(a.Code) != graph.F6Units || len(a.Scores) != 10 || a.ScoreName != "RBF distance" {
			t.Fatalf("image %d: stages missing or of the wrong size", i)
		}
		if _, err := data.LayerPicture(a); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(first) != firstText {
		t.Fatal("later runs changed the Activations of the first")
	}
	if _, err := net.Run(make([]uint8, 10)); err == nil {
		t.Fatal("10 pixels: no error")
	}
}
