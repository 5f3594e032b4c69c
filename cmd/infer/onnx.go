package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/onnx"
	"github.com/lenet5-go/lenet5/train"
)

// onnxFlags registers -onnx and -per-image.
func onnxFlags(fs *flag.FlagSet, o *options) {
	fs.StringVar(&o.onnx, "onnx", "", "write the model (the shipped one or -model FILE) as ONNX to this file and exit")
	fs.BoolVar(&o.perImage, "per-image", false, "with -mnist-test -json: add every image's label, predicted digit and probabilities")
}

// onnxUsage returns what is wrong with the -onnx and -per-image flags, or "".
func onnxUsage(o options) string {
	switch {
	case o.onnx != "" && (len(o.files) > 0 || o.viz != "" || o.mnistTest || o.serve != ""):
		return "-onnx takes no files, no -viz, no -mnist-test and no -serve"
	case o.perImage && !(o.mnistTest && o.json):
		return "-per-image needs -mnist-test and -json"
	case o.perImage && o.errorsDir != "":
		return "-per-image takes no -errors"
	}
	return ""
}

// exportONNX writes the model as ONNX and says what it wrote.
func exportONNX(path string, m *modelfile.Model, stdout io.Writer) error {
	if err := onnx.WriteFile(path, m); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (ONNX IR %d, opset %d, %v head: input %s N x 1 x 32 x 32 float32)\n",
		path, onnx.IRVersion, onnx.Opset, m.Head, onnx.InputName)
	return nil
}

// perImageResult is -mnist-test -json -per-image's output: the summary of
// -mnist-test -json plus every image's label, digit and probabilities, in
// the order of the test set.
type perImageResult struct {
	Images        int         `json:"images"`
	Errors        int         `json:"errors"`
	ErrorRate     float64     `json:"error_rate"`
	Labels        []int       `json:"labels"`
	Predictions   []int       `json:"predictions"`
	Probabilities [][]float64 `json:"probabilities"`
}

// mnistPerImage classifies the MNIST test images in batches of
// train.DefaultEvalBatch, as -mnist-test does, and prints every image's
// result as one JSON object.
func mnistPerImage(o options, m *modelfile.Model, stdout io.Writer) error {
	test, err := data.LoadTest(o.dataDir)
	if err != nil {
		return err
	}
	eval := train.NewEvaluator(m, train.DefaultEvalBatch, 1)
	defer eval.Close()
	it, err := data.NewBatches(test, data.Range(test.Len()), train.DefaultEvalBatch)
	if err != nil {
		return err
	}
	var r perImageResult
	for b := it.Next(); b != nil; b = it.Next() {
		preds, probs, err := eval.Classify(b.Tensor())
		if err != nil {
			return err
		}
		for k, p := range preds {
			r.Labels = append(r.Labels, b.Labels[k])
			r.Predictions = append(r.Predictions, p)
			r.Probabilities = append(r.Probabilities, probs[k*graph.Classes:(k+1)*graph.Classes])
			if p != b.Labels[k] {
				r.Errors++
			}
		}
	}
	r.Images = len(r.Predictions)
	if r.Images > 0 {
		r.ErrorRate = float64(r.Errors) / float64(r.Images)
	}
	out, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, string(out))
	return err
}
