package main

import (
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/train"
)

// mnistTest evaluates the model on the MNIST test set and prints the error
// rate and the confusion matrix.
func mnistTest(o options, m *train.Model, stdout io.Writer) error {
	mnist, err := data.Load(o.dataDir)
	if err != nil {
		return err
	}
	eval := train.NewEvaluator(m, train.DefaultEvalBatch, 0)
	defer eval.Close()
	r, err := eval.Evaluate(mnist.Test, nil)
	if err != nil {
		return err
	}
	if o.errorsDir != "" {
		if err := writeErrors(o.errorsDir, mnist.Test, r); err != nil {
			return err
		}
	}
	if o.json {
		out := struct {
			Images    int                               `json:"images"`
			Errors    int                               `json:"errors"`
			ErrorRate float64                           `json:"error_rate"`
			Confusion [graph.Classes][graph.Classes]int `json:"confusion"`
		}{r.Images, r.Errors, r.ErrorRate(), r.Confusion}
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
	return nil
}

// writeErrors writes each misclassified digit as INDEX_LABEL_PREDICTED.png
// and a contact sheet of them all, captioned label->predicted.
func writeErrors(dir string, set *data.Set, r train.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var digits [][]uint8
	var captions []string
	for i, p := range r.Predictions {
		if p == set.Label(i) {
			continue
		}
		name := filepath.Join(dir, fmt.Sprintf("%d_%d_%d.png", i, set.Label(i), p))
		if err := train.WriteFileAtomic(name, func(w io.Writer) error { return png.Encode(w, data.DigitImage(set.Image(i))) }); err != nil {
			return err
		}
		digits = append(digits, set.Image(i))
		captions = append(captions, fmt.Sprintf("%d->%d", set.Label(i), p))
	}
	sheet := data.ContactSheet(digits, captions, 12, 2)
	return train.WriteFileAtomic(filepath.Join(dir, "contact_sheet.png"), func(w io.Writer) error { return png.Encode(w, sheet) })
}
