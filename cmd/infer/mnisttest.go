package main

import (
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/internal/atomicfile"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/train"
)

// rejectTarget is the error rate the rejection figure aims at: the paper's
// Fig. 10 gives, for each classifier, the share of test images to reject
// to reach 0.5% error.
const rejectTarget = 0.005

// rejectionCurveStep and rejectionCurveMax are the grid of the curve that
// -json prints: 0 to 10% rejected in steps of 0.1%, wide enough for the
// paper's entries of Fig. 10 (up to 8.1%).
const (
	rejectionCurveStep = 0.001
	rejectionCurveMax  = 0.10
)

// mnistTest evaluates the model on the MNIST test set (only the test files
// are read) and prints the error rate, the confusion matrix and the share
// of images to reject, least confident first, to reach 0.5% error; with
// -per-image, every image's result instead.
func mnistTest(o options, m *modelfile.Model, stdout io.Writer) error {
	test, err := data.LoadTest(o.dataDir)
	if err != nil {
		return err
	}
	// A folder -errors cannot have fails before the evaluation.
	if o.errorsDir != "" {
		if err := os.MkdirAll(o.errorsDir, 0o755); err != nil {
			return fmt.Errorf("-errors %s: %w", o.errorsDir, err)
		}
	}
	eval := train.NewEvaluator(m, train.DefaultEvalBatch, 0)
	defer eval.Close()
	if o.perImage {
		return printPerImage(eval, test, stdout)
	}
	start := time.Now()
	r, err := eval.Evaluate(test, nil)
	seconds := time.Since(start).Seconds()
	if err != nil {
		return err
	}
	rej, err := r.Rejection(test.Labels)
	if err != nil {
		return err
	}
	rejected, threshold := rej.RejectFor(rejectTarget)
	if o.errorsDir != "" {
		if err := writeErrors(o.errorsDir, test, r, threshold); err != nil {
			return err
		}
	}
	if o.json {
		out := struct {
			Images          int                               `json:"images"`
			Errors          int                               `json:"errors"`
			ErrorRate       float64                           `json:"error_rate"`
			Confusion       [graph.Classes][graph.Classes]int `json:"confusion"`
			Seconds         float64                           `json:"seconds"`
			ImagesPerSecond float64                           `json:"images_per_second"`
			RejectFor05     float64                           `json:"reject_for_0_5_percent"`
			RejectThreshold float64                           `json:"reject_threshold"`
			Rejection       []train.RejectionPoint            `json:"rejection"`
		}{r.Images, r.Errors, r.ErrorRate(), r.Confusion, seconds, float64(r.Images) / seconds,
			rejected, threshold, rej.Curve(rejectionCurveStep, rejectionCurveMax)}
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(b))
		return nil
	}
	fmt.Fprintf(stdout, "confusion matrix (rows: true digit, columns: predicted)\n      ")
	for p := range graph.Classes {
		fmt.Fprintf(stdout, "%6d", p)
	}
	fmt.Fprintln(stdout)
	for l := range graph.Classes {
		fmt.Fprintf(stdout, "%6d", l)
		for p := range graph.Classes {
			fmt.Fprintf(stdout, "%6d", r.Confusion[l][p])
		}
		fmt.Fprintln(stdout)
	}
	fmt.Fprintf(stdout, "test error %.2f%% (%d/%d)\n", 100*r.ErrorRate(), r.Errors, r.Images)
	fmt.Fprintf(stdout, "rejecting %.2f%% of the test images (confidence margin below %.4g) leaves %.2f%% error\n",
		100*rejected, threshold, 100*rej.ErrorAt(threshold))
	return nil
}

// perImageResult is -mnist-test -json -per-image's output: the counts of
// -mnist-test -json and every image's label, digit and probabilities, in
// the order of the test set (what scripts/onnx-check.mjs compares).
type perImageResult struct {
	Images        int         `json:"images"`
	Errors        int         `json:"errors"`
	ErrorRate     float64     `json:"error_rate"`
	Labels        []int       `json:"labels"`
	Predictions   []int       `json:"predictions"`
	Probabilities [][]float64 `json:"probabilities"`
}

// printPerImage classifies the test images batch after batch, as the
// evaluation does, and prints every image's result as one JSON object.
func printPerImage(eval *train.Evaluator, test *data.Set, stdout io.Writer) error {
	f, err := train.ModelInputFormat(eval.Model())
	if err != nil {
		return err
	}
	it, err := data.NewBatchesFormat(test, data.Range(test.Len()), train.DefaultEvalBatch, f)
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
	r.ErrorRate = train.Result{Images: r.Images, Errors: r.Errors}.ErrorRate()
	out, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, string(out))
	return err
}

// writeErrors writes each misclassified digit as INDEX_LABEL_PREDICTED.png
// (INDEX_LABEL_PREDICTED_rejected.png when its confidence margin is below
// threshold, so that rejection would have caught it) and a contact sheet of
// them all, captioned label->predicted, with " rej" after the rejected ones,
// into the folder dir, which exists.
func writeErrors(dir string, set *data.Set, r train.Result, threshold float64) error {
	var digits [][]uint8
	var captions []string
	for i, p := range r.Predictions {
		if p == set.Label(i) {
			continue
		}
		base, caption := fmt.Sprintf("%d_%d_%d", i, set.Label(i), p), fmt.Sprintf("%d->%d", set.Label(i), p)
		if r.Margins[i] < threshold {
			base, caption = base+"_rejected", caption+" rej"
		}
		name := filepath.Join(dir, base+".png")
		if err := atomicfile.Write(name, func(w io.Writer) error { return png.Encode(w, data.DigitImage(set.Image(i))) }); err != nil {
			return err
		}
		digits = append(digits, set.Image(i))
		captions = append(captions, caption)
	}
	sheet := data.ContactSheet(digits, captions, 12, 2)
	return atomicfile.Write(filepath.Join(dir, "contact_sheet.png"), func(w io.Writer) error { return png.Encode(w, sheet) })
}
