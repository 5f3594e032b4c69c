// Command readbench is the number reader's benchmark (issue 22): lines of
// 1 to 8 handwritten digits made by internal/synth from MNIST digits, in
// three spacings (apart, close, touching) and many looks (paper and ink
// colours, lighting, ruled paper, noise, JPEG), read by package read with a
// model: by default the shipped reader as infer reads, its model with the
// shipped SDNN as the second reader (read.NewWithSDNN); with -model FILE,
// read.New's reader of that file alone.
//
//	go run ./scripts/readbench                   # the 10,000 test strings (MNIST test digits)
//	go run ./scripts/readbench -set validation   # the validation strings (held-out training digits)
//
// It prints, per spacing and in all: string accuracy (the text read is the
// true number), the digit error rate (edit distance over true digits), the
// rejection curve's point for 0.5% string error (the smallest share of the
// least confident readings to set aside), and the calibration of the
// reading's confidence: the expected calibration error (ECE, 10 equal-width
// bins) and the reliability table. Settings are chosen on the validation
// set; the test set only reports. -write DIR also saves every string as a
// PNG with labels.tsv, for other tools.
package main

import (
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/internal/atomicfile"
	"github.com/lenet5-go/lenet5/internal/synth"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
	"github.com/lenet5-go/lenet5/read"
)

// The sets' seeds: fixed, so that every run reads the same strings.
const (
	testSeed       = 22_2026
	validationSeed = 22_1998
)

func main() {
	set := flag.String("set", "test", "`test` (strings of MNIST test digits) or validation (of the held-out training digits)")
	n := flag.Int("n", 10_000, "strings to read")
	modelPath := flag.String("model", "", "model file (default: the shipped reader's, models.Reader)")
	threshold := flag.Float64("threshold", 0, "reject readings below this confidence (0: the reader's default)")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "readers run at once")
	write := flag.String("write", "", "also write the strings as PNG files and labels.tsv into this `DIR`")
	show := flag.Int("show", -1, "print the segmentation graph of string `I` (its segments, every piece with its digit and cost, the path) and stop")
	failures := flag.String("failures", "", "write the strings read wrong into this `DIR`: each as a PNG (the string, and below it, 3x, the pieces read in alternating colours with the segments' edges) and failures.tsv (file, truth, text read, spacing, confidence)")
	trueLength := flag.Bool("true-length", false, "read every string at its true number of digits (read.Options.Length, infer's -length), as a user who knows it would: how far counting the digits limits the reader")
	flag.Float64Var(&matchIoU, "iou", 0.6, "a piece matches a true digit when their boxes' intersection over union is at least this (for -failures)")
	flag.Parse()
	if flag.NArg() > 0 || *n < 1 || *workers < 1 || (*set != "test" && *set != "validation") {
		fmt.Fprintln(os.Stderr, "usage: readbench [-set test|validation] [-n N] [-model FILE] [-threshold T] [-workers N] [-write DIR] [-failures DIR]")
		os.Exit(2)
	}
	if *show >= 0 {
		if err := showGraph(*set, *show, *modelPath, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "readbench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*set, *n, *modelPath, *threshold, *trueLength, *workers, *write, *failures, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "readbench:", err)
		os.Exit(1)
	}
}

// outcome is one string's reading.
type outcome struct {
	spacing    synth.Spacing
	truth      string
	text       string
	confidence float64
	rejected   bool
	err        error
	graph      *read.Graph
}

// setup loads the model and the set's digits, with the set's seed.
func setup(set, modelPath string) (m *modelfile.Model, src []synth.Digit, seed uint64, err error) {
	if m, err = loadModel(modelPath); err != nil {
		return nil, nil, 0, err
	}
	mnist, err := data.Load("")
	if err != nil {
		return nil, nil, 0, err
	}
	_, validation, test, err := synth.Split(mnist)
	if err != nil {
		return nil, nil, 0, err
	}
	if set == "validation" {
		return m, validation, validationSeed, nil
	}
	return m, test, testSeed, nil
}

func run(set string, n int, modelPath string, threshold float64, trueLength bool, workers int, write, failures string, out io.Writer) error {
	m, src, seed, err := setup(set, modelPath)
	if err != nil {
		return err
	}
	start := time.Now()
	samples, err := synth.Strings(src, n, seed)
	if err != nil {
		return err
	}
	made := time.Since(start)
	if write != "" {
		if err := writeSet(write, samples); err != nil {
			return err
		}
	}
	outcomes := make([]outcome, len(samples))
	jobs := make(chan int)
	var wg sync.WaitGroup
	start = time.Now()
	for range workers {
		// One reader a length asked (only 0, the free reading, without
		// -true-length), made when first needed.
		readers := map[int]*read.Reader{}
		readerFor := func(length int) (*read.Reader, error) {
			if r, ok := readers[length]; ok {
				return r, nil
			}
			r, err := newReader(m, modelPath, read.Options{Threshold: threshold, Length: length})
			if err != nil {
				return nil, err
			}
			readers[length] = r
			return r, nil
		}
		if _, err := readerFor(0); err != nil { // the model's errors, before any string
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				for _, r := range readers {
					r.Close()
				}
			}()
			for i := range jobs {
				s := samples[i]
				o := outcome{spacing: s.Spacing, truth: s.Text}
				length := 0
				if trueLength {
					length = len(s.Text)
				}
				r, err := readerFor(length)
				if err != nil {
					o.err = err
					outcomes[i] = o
					continue
				}
				got, err := r.Read(s.Image)
				switch {
				case err == nil:
					o.text, o.confidence, o.rejected = got.Text, got.Confidence, got.Rejected
					if failures != "" && got.Text != s.Text {
						o.graph = got.Graph
					}
				case errors.Is(err, data.ErrNoDigit), errors.Is(err, read.ErrLength):
					o.rejected = true // nothing read: an empty reading
				default:
					o.err = err
				}
				outcomes[i] = o
			}
		}()
	}
	for i := range samples {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	took := time.Since(start)
	for _, o := range outcomes {
		if o.err != nil {
			return fmt.Errorf("string %q: %w", o.truth, o.err)
		}
	}
	if failures != "" {
		if err := writeFailures(failures, samples, outcomes); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "%s set: %d strings of 1-8 digits (seed %d), made in %.1f s, read in %.1f s by %d readers (%.2f ms a string)\n\n",
		set, len(samples), seed, made.Seconds(), took.Seconds(), workers, took.Seconds()*1000*float64(workers)/float64(len(samples)))
	fmt.Fprintln(out, "| spacing | strings | string accuracy | digit error rate | rejected at the threshold | error after it | rejection for 0.5% string error | ECE |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, sp := range synth.Spacings {
		report(out, sp.String(), filter(outcomes, func(o outcome) bool { return o.spacing == sp }))
	}
	report(out, "**all**", outcomes)
	fmt.Fprintln(out)
	equalNeighbours(out, outcomes)
	fmt.Fprintln(out)
	reliability(out, outcomes)
	if failures != "" {
		fmt.Fprintln(out)
		fmt.Fprintln(out, "Wrong readings by cause (the lattice lacks the true segmentation / has it but the network misreads a digit / has it read right but the path goes elsewhere):")
		fmt.Fprintln(out)
		for _, sp := range synth.Spacings {
			var count [4]int
			for i, o := range outcomes {
				if o.spacing == sp && o.graph != nil {
					count[diagnose(samples[i], o.graph)]++
				}
			}
			fmt.Fprintf(out, "- %s: %d / %d / %d\n", sp, count[noSegmenting], count[misread], count[misrouted])
		}
	}
	return nil
}

// showGraph prints the graph of string i of the set.
func showGraph(set string, i int, modelPath string, out io.Writer) error {
	m, src, seed, err := setup(set, modelPath)
	if err != nil {
		return err
	}
	samples, err := synth.Strings(src, i+1, seed)
	if err != nil {
		return err
	}
	s := samples[i]
	r, err := newReader(m, modelPath, read.Options{})
	if err != nil {
		return err
	}
	defer r.Close()
	got, err := r.Read(s.Image)
	if err != nil {
		return err
	}
	g := got.Graph
	fmt.Fprintf(out, "string %d: %q (%s), read %q, cost %.3f\ntrue boxes:", i, s.Text, s.Spacing, got.Text, g.Cost)
	for _, b := range s.Boxes {
		fmt.Fprintf(out, " %v", b)
	}
	fmt.Fprintln(out)
	for k, sg := range g.Segments {
		fmt.Fprintf(out, "segment %d: %v cut=%v\n", k, sg.Box, sg.Cut)
	}
	for k, p := range g.Pieces {
		mark := " "
		if slices.Contains(g.Path, k) {
			mark = "*"
		}
		fmt.Fprintf(out, "%s piece %d [%d,%d) %v: %d cost %.3f (second %d %.3f)\n", mark, k, p.From, p.To, p.Box, p.Digit, p.Scores.Cost[p.Digit], second(p.Scores.Cost), p.Scores.Cost[second(p.Scores.Cost)])
	}
	return nil
}

func second(c [10]float64) int {
	best, next := 0, 1
	if c[1] < c[0] {
		best, next = 1, 0
	}
	for d := 2; d < 10; d++ {
		if c[d] < c[best] {
			best, next = d, best
		} else if c[d] < c[next] {
			next = d
		}
	}
	return next
}

// newReader returns the reader of model m read from modelPath: with the
// shipped SDNN as the second reader when modelPath is "" (the shipped
// reader's model), m's alone otherwise.
func newReader(m *modelfile.Model, modelPath string, opts read.Options) (*read.Reader, error) {
	if modelPath != "" {
		return read.New(m, opts)
	}
	sdnn, err := models.SDNN()
	if err != nil {
		return nil, err
	}
	return read.NewWithSDNN(m, sdnn, opts)
}

func loadModel(path string) (*modelfile.Model, error) {
	if path == "" {
		return models.Reader()
	}
	return modelfile.Read(path)
}

func filter(os []outcome, keep func(outcome) bool) []outcome {
	var out []outcome
	for _, o := range os {
		if keep(o) {
			out = append(out, o)
		}
	}
	return out
}

// equalNeighbours prints the touching strings' rows again, split by
// whether two equal digits stand side by side: one run of windows is one
// digit, so the SDNN reads two touching equal digits as two only if some
// window between them reads as none.
func equalNeighbours(w io.Writer, os []outcome) {
	touching := filter(os, func(o outcome) bool { return o.spacing == synth.Touching })
	fmt.Fprintln(w, "Touching strings with and without two equal digits side by side:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| touching strings | strings | string accuracy | digit error rate | rejected at the threshold | error after it | rejection for 0.5% string error | ECE |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	report(w, "touching, equal neighbours", filter(touching, func(o outcome) bool { return hasEqualNeighbours(o.truth) }))
	report(w, "touching, none", filter(touching, func(o outcome) bool { return !hasEqualNeighbours(o.truth) }))
}

// hasEqualNeighbours reports whether two equal digits of text stand side
// by side, as in "1998".
func hasEqualNeighbours(text string) bool {
	for i := 1; i < len(text); i++ {
		if text[i] == text[i-1] {
			return true
		}
	}
	return false
}

// report prints one row of the table.
func report(w io.Writer, name string, os []outcome) {
	if len(os) == 0 {
		fmt.Fprintf(w, "| %s | 0 | - | - | - | - | - | - |\n", name)
		return
	}
	right, digits, edits, rejected, wrongKept := 0, 0, 0, 0, 0
	for _, o := range os {
		if o.text == o.truth {
			right++
		}
		digits += len(o.truth)
		edits += editDistance(o.text, o.truth)
		if o.rejected {
			rejected++
		} else if o.text != o.truth {
			wrongKept++
		}
	}
	n := float64(len(os))
	kept := n - float64(rejected)
	afterRate := 0.0
	if kept > 0 {
		afterRate = float64(wrongKept) / kept
	}
	fmt.Fprintf(w, "| %s | %d | %.2f%% | %.2f%% | %.2f%% | %.2f%% | %s | %.2f%% |\n", name, len(os),
		100*float64(right)/n, 100*float64(edits)/float64(digits), 100*float64(rejected)/n, 100*afterRate, rejectFor(os, 0.005), 100*ece(os, 10))
}

// rejectFor returns the smallest share of the least confident readings
// that must be set aside for the error on the rest to be at most target.
func rejectFor(os []outcome, target float64) string {
	sorted := slices.Clone(os)
	sort.SliceStable(sorted, func(a, b int) bool { return sorted[a].confidence < sorted[b].confidence })
	wrong := 0
	for _, o := range sorted {
		if o.text != o.truth {
			wrong++
		}
	}
	for k := range len(sorted) + 1 {
		if kept := len(sorted) - k; kept == 0 || float64(wrong)/float64(kept) <= target {
			return fmt.Sprintf("%.2f%%", 100*float64(k)/float64(len(sorted)))
		}
		if sorted[k].text != sorted[k].truth {
			wrong--
		}
	}
	return "-"
}

// ece is the expected calibration error of the readings' confidence:
// the mean over equal-width bins, weighted by their counts, of
// |accuracy - mean confidence|.
func ece(os []outcome, bins int) float64 {
	count := make([]int, bins)
	conf := make([]float64, bins)
	acc := make([]float64, bins)
	for _, o := range os {
		b := min(int(o.confidence*float64(bins)), bins-1)
		count[b]++
		conf[b] += o.confidence
		if o.text == o.truth {
			acc[b]++
		}
	}
	e := 0.0
	for b := range bins {
		if count[b] > 0 {
			e += abs(acc[b]-conf[b]) / float64(len(os))
		}
	}
	return e
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// reliability prints the reliability table of all readings.
func reliability(w io.Writer, os []outcome) {
	const bins = 10
	fmt.Fprintln(w, "Reliability of the reading's confidence (all strings):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| confidence | strings | mean confidence | accuracy |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	for b := range bins {
		var n, right int
		var conf float64
		for _, o := range os {
			if min(int(o.confidence*bins), bins-1) == b {
				n++
				conf += o.confidence
				if o.text == o.truth {
					right++
				}
			}
		}
		if n == 0 {
			continue
		}
		fmt.Fprintf(w, "| %.1f-%.1f | %d | %.3f | %.3f |\n", float64(b)/bins, float64(b+1)/bins, n, conf/float64(n), float64(right)/float64(n))
	}
}

// editDistance is the Levenshtein distance between two digit strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// writeSet writes every string as a PNG and labels.tsv (file, text,
// spacing, boxes as x0,y0,x1,y1;...).
func writeSet(dir string, samples []synth.Sample) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var labels strings.Builder
	labels.WriteString("file\ttext\tspacing\tboxes\n")
	for i, s := range samples {
		name := fmt.Sprintf("%05d.png", i)
		if err := atomicfile.Write(filepath.Join(dir, name), func(w io.Writer) error { return png.Encode(w, s.Image) }); err != nil {
			return err
		}
		var boxes []string
		for _, b := range s.Boxes {
			boxes = append(boxes, rect(b))
		}
		fmt.Fprintf(&labels, "%s\t%s\t%s\t%s\n", name, s.Text, s.Spacing, strings.Join(boxes, ";"))
	}
	return atomicfile.Write(filepath.Join(dir, "labels.tsv"), func(w io.Writer) error {
		_, err := io.WriteString(w, labels.String())
		return err
	})
}

func rect(r image.Rectangle) string {
	return fmt.Sprintf("%d,%d,%d,%d", r.Min.X, r.Min.Y, r.Max.X, r.Max.Y)
}
