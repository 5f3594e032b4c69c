package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"sync"

	"github.com/lenet5-go/lenet5/data/imagefile"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
	"github.com/lenet5-go/lenet5/read"
)

// readingResult is the outcome of reading one file as a number.
type readingResult struct {
	File       string        `json:"file"`
	Text       string        `json:"text"`
	Confidence float64       `json:"confidence"`
	Rejected   bool          `json:"rejected"`
	Digits     []digitResult `json:"digits"`
	// SDNN is true when the SDNN read the number (the second reader,
	// more confident than the segmentation on a line it had to cut).
	SDNN bool `json:"sdnn,omitempty"`
	// Digit and Probabilities keep -json's keys of single digits when the
	// reading is exactly one digit, so that scripts written for them work.
	Digit         *int      `json:"digit,omitempty"`
	Probabilities []float64 `json:"probabilities,omitempty"`

	reading *read.Reading
	img     image.Image
	err     error
}

// digitResult is one digit of a reading, its box in the image's pixels.
type digitResult struct {
	Digit      int     `json:"digit"`
	Confidence float64 `json:"confidence"`
	Box        [4]int  `json:"box"`
}

// readOptions are the reader's options from the flags.
func readOptions(o options) read.Options {
	return read.Options{Length: o.length, Threshold: o.threshold}
}

// readerMaker returns what makes infer's number readers of model m: with
// the shipped SDNN as the second reader when m is the shipped reader's
// model (no -model), read.New's reader of m alone otherwise.
func readerMaker(o options, m *modelfile.Model) (func() (*read.Reader, error), error) {
	if o.model != "" {
		return func() (*read.Reader, error) { return read.New(m, readOptions(o)) }, nil
	}
	// The SDNN reads again only lines with touching digits: loaded when
	// the first such line comes, once for all the readers, so that a run
	// on digits apart does not decode it (docs/infer.md).
	sdnn := sync.OnceValues(models.SDNN)
	return func() (*read.Reader, error) { return read.NewWithSDNNFunc(m, sdnn, readOptions(o)) }, nil
}

// decodeFile reads and decodes an image file, or standard input for "-".
func decodeFile(file string, stdin io.Reader) (image.Image, error) {
	if file == "-" {
		return imagefile.Decode(stdin, "-")
	}
	return imagefile.Load(file)
}

// readFile reads the number in one image file.
func readFile(r *read.Reader, file string, stdin io.Reader) readingResult {
	res := readingResult{File: file}
	img, err := decodeFile(file, stdin)
	if err != nil {
		res.err = err
		return res
	}
	got, err := r.Read(img)
	if err != nil {
		res.err = fmt.Errorf("%s: %w", file, err)
		return res
	}
	res.reading, res.img = got, img
	res.Text, res.Confidence, res.Rejected, res.SDNN = got.Text, got.Confidence, got.Rejected, got.SDNN
	res.Digits = make([]digitResult, len(got.Digits))
	for k, d := range got.Digits {
		b := d.Box
		res.Digits[k] = digitResult{Digit: d.Digit, Confidence: d.Confidence, Box: [4]int{b.Min.X, b.Min.Y, b.Max.X, b.Max.Y}}
	}
	if len(got.Digits) == 1 {
		d := got.Digits[0].Digit
		res.Digit = &d
		p := got.Graph.Pieces[got.Graph.Path[0]]
		res.Probabilities = p.Scores.Prob[:]
	}
	return res
}

// readFiles reads the number in every file with a pool of workers and
// prints the results in the order given; failures go to stderr.
func readFiles(ctx context.Context, o options, m *modelfile.Model, stdin io.Reader, stdout, stderr io.Writer) int {
	newReader, err := readerMaker(o, m)
	if err != nil {
		fmt.Fprintln(stderr, "infer:", err)
		return exitFailure
	}
	results, reached, stopped, err := eachFile(ctx, o.files, o.workers, newReader,
		(*read.Reader).Close,
		func(r *read.Reader, file string) readingResult { return readFile(r, file, stdin) })
	if err != nil {
		fmt.Fprintln(stderr, "infer:", err)
		return exitFailure
	}
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
		printReading(stdout, r, o.json)
	}
	if stopped {
		fmt.Fprintln(stderr, "infer: interrupted")
		return exitFailure
	}
	return code
}

// printReading writes one result line: FILE<TAB>TEXT<TAB>CONFIDENCE, the
// text "?" for a rejected reading; or its JSON.
func printReading(w io.Writer, r readingResult, asJSON bool) {
	if asJSON {
		b, _ := json.Marshal(r)
		fmt.Fprintln(w, string(b))
		return
	}
	text := r.Text
	if r.Rejected {
		text = "?"
	}
	fmt.Fprintf(w, "%s\t%s\t%.4f\n", r.File, text, r.Confidence)
}
