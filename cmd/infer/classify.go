package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/data/imagefile"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/read"
	"github.com/lenet5-go/lenet5/train"
	"gorgonia.org/tensor"
)

// fileResult is the outcome for one file.
type fileResult struct {
	File          string    `json:"file"`
	Digit         int       `json:"digit"`
	Confidence    float64   `json:"confidence"`
	Probabilities []float64 `json:"probabilities"`
	// Rejected is set when the model's calibration rejects the image as
	// no digit (read.Calibration.DigitThreshold); absent otherwise.
	Rejected bool     `json:"rejected,omitempty"`
	Top      []ranked `json:"top,omitempty"`
	err      error
}

// ranked is one of the most probable digits.
type ranked struct {
	Digit      int     `json:"digit"`
	Confidence float64 `json:"confidence"`
}

// classifier turns one image file into a result; each worker has its
// own, with its own graph and machine, built once for many files.
type classifier struct {
	eval   *train.Evaluator
	calib  *read.Calibration // the model's, when it has a digit threshold
	format data.InputFormat
	input  []float32
	x      *tensor.Dense // 1 x 1 x side x side (32 for LeNet-5), backed by input
}

func newClassifier(m *modelfile.Model) (*classifier, error) {
	f, err := train.ModelInputFormat(m)
	if err != nil {
		return nil, err
	}
	input := make([]float32, f.Size())
	x := tensor.New(tensor.WithShape(1, 1, f.Side, f.Side), tensor.WithBacking(input))
	c := &classifier{eval: train.NewEvaluator(m, 1, 1), format: f, input: input, x: x}
	if cal, ok, err := read.CalibrationOf(m); err != nil {
		return nil, err
	} else if ok && cal.DigitThreshold > 0 {
		c.calib = &cal
	}
	return c, nil
}

// readDigit reads the digit image file, or standard input for "-".
func readDigit(file string, stdin io.Reader) ([]uint8, error) {
	if file == "-" {
		return imagefile.ReadDigit(stdin, "-")
	}
	return imagefile.LoadDigit(file)
}

// classify reads an image (from stdin for "-") and classifies it.
func (c *classifier) classify(file string, stdin io.Reader) fileResult {
	r := fileResult{File: file}
	raw, err := readDigit(file, stdin)
	if err != nil {
		r.err = err
		return r
	}
	c.format.Preprocess(c.input, raw)
	if c.calib != nil {
		// A calibrated model: P(d) includes the doubt that the image holds
		// a digit at all, and a low one is rejected.
		y, err := c.eval.Outputs(c.x)
		if err != nil {
			r.err = fmt.Errorf("%s: %w", file, err)
			return r
		}
		s := c.calib.Scores(y)
		r.Digit, r.Confidence, r.Rejected = c.calib.Digit(s)
		r.Probabilities = s.Prob[:]
		return r
	}
	preds, probs, err := c.eval.Classify(c.x)
	if err != nil {
		r.err = fmt.Errorf("%s: %w", file, err)
		return r
	}
	r.Digit, r.Probabilities = preds[0], probs
	r.Confidence = probs[r.Digit]
	return r
}

// classifyFiles classifies every file with a pool of workers and prints
// the results in the order given; failures go to stderr, one line each.
func classifyFiles(ctx context.Context, o options, m *modelfile.Model, stdin io.Reader, stdout, stderr io.Writer) int {
	results, reached, stopped, _ := eachFile(ctx, o.files, o.workers,
		func() (*classifier, error) { return newClassifier(m) },
		func(c *classifier) { c.eval.Close() },
		func(c *classifier, file string) fileResult { return c.classify(file, stdin) })
	code := exitOK
	for k, r := range results {
		if !reached[k] {
			continue
		}
		if r.err != nil {
			fmt.Fprintln(stderr, "infer:", r.err)
			code = exitFailure
			continue
		}
		if o.top > 1 {
			r.Top = topDigits(r.Probabilities, o.top)
		}
		printResult(stdout, r, o)
	}
	if stopped {
		fmt.Fprintln(stderr, "infer: interrupted")
		return exitFailure
	}
	return code
}

// topDigits returns the k most probable digits, best first.
func topDigits(probs []float64, k int) []ranked {
	all := make([]ranked, len(probs))
	for d, p := range probs {
		all[d] = ranked{Digit: d, Confidence: p}
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].Confidence > all[b].Confidence })
	return all[:k]
}

// printResult writes one result line.
func printResult(w io.Writer, r fileResult, o options) {
	if o.json {
		b, _ := json.Marshal(r)
		fmt.Fprintln(w, string(b))
		return
	}
	if o.top <= 1 {
		text := fmt.Sprint(r.Digit)
		if r.Rejected {
			text = "?"
		}
		fmt.Fprintf(w, "%s\t%s\t%.4f\n", r.File, text, r.Confidence)
		return
	}
	parts := []string{r.File}
	for _, t := range r.Top {
		parts = append(parts, fmt.Sprintf("%d\t%.4f", t.Digit, t.Confidence))
	}
	fmt.Fprintln(w, strings.Join(parts, "\t"))
}
