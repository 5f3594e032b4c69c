// Command calibrate fits a model's read.Calibration on the validation
// split and writes the model with it in its metadata (issue 22: "a
// confidence that means the probability of being right"). Nothing of the
// MNIST test set is used to fit or choose; the test figures printed at the
// end are reports.
//
//	go run ./scripts/calibrate -model models/runs/lenet5-nondigits-j20-more.safetensors -out models/lenet5-reader.safetensors
//
// The 10,000 held-out training digits (synth.Split, the split cmd/train
// -validation 10000 makes) are cut in two: the fit part (even places) and
// the check part (odd places). Everything is fitted and chosen on the fit
// part and on what internal/synth makes from it; the check part, and the
// non-digits and strings made from it, only report, so that each ECE is
// printed on data the fit saw and on validation data it did not see.
//
//  1. The temperature T of the digits' softmax, by maximum likelihood over
//     the fit digits (Newton's method on the convex negative
//     log-likelihood in 1/T); and the no-digit map (NoneA, NoneLogMin,
//     NoneLogSecond), by logistic regression of "not a digit" on the
//     logarithms ln(1 + y) of the two smallest distances, over the fit
//     digits and 10,000 non-digits made from them, weighted
//     so that non-digits are a share -none-prior of the pieces (0.05 by
//     default: P(none) assumes 1 piece in 20 is no digit).
//  2. The reading map (A, B, PerNone, PerDigit, PerCut, PerMerge), by
//     logistic regression of "the reading is right" over -strings strings
//     made from the fit digits (synth.Strings, all spacings and looks);
//     the reading's prior of non-digits (NoneShift) is the one of a few
//     with the least 5-fold cross-validated log loss on those strings.
//  3. The thresholds (the reading's, and the digit's for a whole image
//     taken as one digit): the largest at which at most a share
//     safeShare(1%, n) of the n fit digits, each read as a one-digit
//     image, are rejected: the share below 1% whose one-sided 95% upper
//     bound is 1% (0.79% of 5,000), so that the threshold rejects at most
//     1% of the digits it was not chosen on, not 1% give or take the
//     sample's noise.
//
// It prints the expected calibration errors (ECE, 10 equal-width bins) on
// both parts, the reliability tables, how the digits' ECE depends on the
// prior of non-digits, the rejection of digits and non-digits at the
// threshold, and, as reports, the rejection curves of the check part and
// of the test split: each image read as a number (its reading's
// confidence) and the whole image as one digit (its top P(d)).
package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/internal/synth"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
	"github.com/lenet5-go/lenet5/read"
)

// Fixed seeds of the generated data, apart from readbench's and
// nondigitbench's.
const (
	fitNonDigitSeed   = 22_0001
	testNonDigitSeed  = 22_0002
	fitStringSeed     = 22_0003
	checkNonDigitSeed = 22_0004
	checkStringSeed   = 22_0005
	nonDigits         = 10_000
	testNonDigits     = 5000
	folds             = 5
)

// readingPriors are the reading's priors of non-digits NoneShift is chosen
// from.
var readingPriors = []float64{0.5, 0.8, 0.9, 0.95, 0.99}

func main() {
	modelPath := flag.String("model", "", "model file to calibrate (default: the shipped model)")
	out := flag.String("out", "", "write the calibrated model to this `FILE` (default: only print)")
	prior := flag.Float64("none-prior", 0.05, "the share of non-digits among the pieces P(none) assumes")
	nStrings := flag.Int("strings", 8000, "strings to make from each part of the validation digits")
	sdnnPath := flag.String("sdnn", "", "also fit the SDNN of this calibrated network `FILE` (trained on windows) as the second reader (read.NewWithSDNN)")
	flag.Parse()
	if flag.NArg() > 0 || !(*prior > 0 && *prior < 1) || *nStrings < 10*folds {
		fmt.Fprintln(os.Stderr, "usage: calibrate [-model FILE] [-out FILE] [-none-prior P (0 < P < 1)] [-strings N (at least 50)] [-sdnn FILE]")
		os.Exit(2)
	}
	if err := run(*modelPath, *out, *prior, *nStrings, *sdnnPath, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "calibrate:", err)
		os.Exit(1)
	}
}

// part is one part of the validation digits and what is made from them.
type part struct {
	name      string
	digits    []synth.Digit
	y         [][]float64 // the digits' RBF distances
	nd        []synth.NonDigit
	ndY       [][]float64
	strings   []reading // read from strings made of the digits
	digitImgs []reading // the digits, each read as an image
	ndImgs    []reading // the non-digits, each read as an image
}

// reading is what the calibration needs of one reading: its path alone
// (a Graph whose pieces are the path's, with their distances), and
// whether its text is right. g is nil when nothing was read.
type reading struct {
	g     *read.Graph
	right bool
	tag   string // the string's spacing or the non-digit's kind
	// Of a string: the text read and the string's place among its part's
	// samples.
	text   string
	sample int
	// conf is the reader's own confidence when it was read.
	conf float64
}

func run(modelPath, out string, prior float64, nStrings int, sdnnPath string, w io.Writer) error {
	m, err := loadModel(modelPath)
	if err != nil {
		return err
	}
	if m.Head != graph.RBF {
		return fmt.Errorf("%s: the %v head; calibration is for the RBF head", m.File, m.Head)
	}
	if m.Meta[modelfile.KeyWindowsGenerator] != "" {
		if sdnnPath != "" {
			return fmt.Errorf("%s: -sdnn is for the segmenting reader's model, not a network trained on windows", m.File)
		}
		return runSDNN(m, out, nStrings, w)
	}
	delete(m.Meta, read.MetaCalibration) // score with the raw distances
	mnist, err := data.Load("")
	if err != nil {
		return err
	}
	fit, check, test, err := validationParts(mnist)
	if err != nil {
		return err
	}
	raw, err := read.NewModelScorer(m)
	if err != nil {
		return err
	}
	defer raw.Close()
	parts := []struct {
		p                   *part
		ndSeed, stringsSeed uint64
	}{{fit, fitNonDigitSeed, fitStringSeed}, {check, checkNonDigitSeed, checkStringSeed}}
	for _, p := range parts {
		if err := p.p.loadScores(raw, p.ndSeed); err != nil {
			return err
		}
	}

	// 1. The pieces.
	c := read.Calibration{Temperature: fitTemperature(fit.y, labels(fit.digits)), NonePrior: prior}
	fitNone(&c, fit, prior)
	if err := c.Validate(); err != nil {
		return fmt.Errorf("the pieces' calibration: %w", err)
	}
	// The strings and images are read with the pieces' calibration in
	// place: the path's cost takes each piece's calibrated P(none).
	withPieces := *m
	withPieces.Meta = maps.Clone(m.Meta)
	withPieces.Meta[read.MetaCalibration] = c.JSON()
	r, err := read.New(&withPieces, read.Options{})
	if err != nil {
		return err
	}
	defer r.Close()
	for _, p := range parts {
		if err := p.p.loadReadings(r, p.stringsSeed, nStrings); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "pieces: temperature %.4f on %d fit digits; P(none) = sigmoid(%.4f %+.4f ln(1+y1) %+.4f ln(1+y2)) (y1, y2 the two smallest distances) on them and %d fit non-digits, weighted as %.3g of the pieces\n",
		c.Temperature, len(fit.y), c.NoneA, c.NoneLogMin, c.NoneLogSecond, len(fit.ndY), prior)
	fmt.Fprintf(w, "\n| ECE of the pieces' P(d) | fit part | check part |\n|---|---:|---:|\n")
	for _, row := range []struct {
		what string
		f    func(read.Calibration, *part) float64
	}{
		{"validation digits: P(d)", digitsECE},
		{"validation digits: P(d | a digit)", givenECE},
		{fmt.Sprintf("validation digits and non-digits, %.3g of them non-digits: P(d)", prior), mixedECE},
	} {
		fmt.Fprintf(w, "| %s | %.2f%% | %.2f%% |\n", row.what, 100*row.f(c, fit), 100*row.f(c, check))
	}
	fmt.Fprintf(w, "\nThe digits' ECE and the prior of non-digits P(none) is fitted for (each row a fit of its own):\n\n")
	fmt.Fprintf(w, "| prior | digits' ECE, fit | check | mean P(none) of the check digits | ECE of digits and non-digits at the prior, fit | check |\n|---:|---:|---:|---:|---:|---:|\n")
	for _, pr := range []float64{1.0 / 3, 0.2, 0.1, 0.05, 0.02, 0.01} {
		cc := c
		fitNone(&cc, fit, pr)
		cc.NonePrior = pr
		fmt.Fprintf(w, "| %.3g | %.2f%% | %.2f%% | %.2f%% | %.2f%% | %.2f%% |\n", pr, 100*digitsECE(cc, fit), 100*digitsECE(cc, check),
			100*meanNone(cc, check), 100*mixedECE(cc, fit), 100*mixedECE(cc, check))
	}
	fmt.Fprintln(w)
	fc, fr := digitConfidences(c, fit)
	cc, cr := digitConfidences(c, check)
	reliability(w, "single validation digits, P(d)", fc, fr, cc, cr)

	// 2. The reading map, its reading prior chosen by cross-validation.
	fmt.Fprintf(w, "readings: the reading's prior of non-digits, %d-fold cross-validated on the %d fit strings read:\n\n| reading prior | log loss | ECE |\n|---:|---:|---:|\n", folds, len(fit.strings))
	best, bestLoss := 0.0, math.Inf(1)
	for _, rho := range readingPriors {
		c.NoneShift = logit(rho) - logit(prior)
		loss, e := crossValidate(c, fit.strings)
		fmt.Fprintf(w, "| %.2f | %.4f | %.2f%% |\n", rho, loss, 100*e)
		if loss < bestLoss {
			best, bestLoss = rho, loss
		}
	}
	c.NoneShift = logit(best) - logit(prior)
	fitReadingMap(&c, fit.strings)
	c.Isotonic = fitIsotonic(c, fit.strings, isotonicBins)
	fmt.Fprintf(w, "\nreadings: P(right) = sigmoid(%.4f %+.4f * sum ln P(d) %+.4f * sum ln(1 - P(none) at reading prior %.2f, shift %+.4f) %+.4f * digits %+.4f * cuts %+.4f * merges %+.4f * rival gap)\n\n",
		c.A, c.B, c.PerNone, best, c.NoneShift, c.PerDigit, c.PerCut, c.PerMerge, c.PerRival)
	eceBySpacing(w, "ECE of the readings", func(isFit bool, tag string) ([]float64, []bool) {
		if isFit {
			return readingConfidences(c, fit.strings, tag)
		}
		return readingConfidences(c, check.strings, tag)
	})
	fc, fr = readingConfidences(c, fit.strings, "")
	cc, cr = readingConfidences(c, check.strings, "")
	reliability(w, "validation strings, P(reading right)", fc, fr, cc, cr)

	// 3. The thresholds: at most 1% of the digits rejected, each read as
	// a one-digit image, bound and all.
	fc, fr = readingConfidences(c, fit.digitImgs, "")
	c.Threshold = quantileBelow(fc, safeShare(maxDigitsRejected, len(fc)))
	c.Fit = fmt.Sprintf("validation split (cmd/train -validation %d, seed %d), its even places: %d digits, %d synth non-digits (seed %d) weighted as %.3g of the pieces, %d synth strings (seed %d)",
		synth.ValidationCount, synth.ValidationSeed, len(fit.y), len(fit.ndY), fitNonDigitSeed, prior, len(fit.strings), fitStringSeed)
	c.DigitThreshold = quantileBelow(topProbs(c, fit.y), safeShare(maxDigitsRejected, len(fit.y)))
	cc, cr = readingConfidences(c, check.digitImgs, "")
	fnc, _ := readingConfidences(c, fit.ndImgs, "")
	cnc, _ := readingConfidences(c, check.ndImgs, "")
	fmt.Fprintf(w, "threshold %.4f: rejects %.2f%% of the fit digits and %.2f%% of the fit non-digits; %.2f%% of the check digits and %.2f%% of the check non-digits (each read as an image)\n",
		c.Threshold, 100*rejected(fc, c.Threshold), 100*rejected(fnc, c.Threshold), 100*rejected(cc, c.Threshold), 100*rejected(cnc, c.Threshold))
	fmt.Fprintf(w, "check non-digits rejected, by kind: %s\n", byKind(c, check.ndImgs))
	fmt.Fprintf(w, "digits read as images, ECE of the reading's confidence: fit %.2f%%, check %.2f%%\n", 100*ece(fc, fr, nil), 100*ece(cc, cr, nil))

	// Reports on the test split (not used above).
	tp := &part{name: "test", digits: test}
	if tp.digitImgs, err = readImages(r, digitPixels(test), digitTexts(test), nil); err != nil {
		return err
	}
	if tp.nd, err = synth.NonDigits(test, testNonDigits, testNonDigitSeed); err != nil {
		return err
	}
	if tp.ndImgs, err = readImages(r, nonDigitPixels(tp.nd), nil, kinds(tp.nd)); err != nil {
		return err
	}
	tc, _ := readingConfidences(c, tp.digitImgs, "")
	tnc, _ := readingConfidences(c, tp.ndImgs, "")
	fmt.Fprintf(w, "report, test split: the threshold rejects %.2f%% of the 10,000 MNIST test digits and %.2f%% of %d test non-digits (synth from test digits, seed %d); by kind: %s\n",
		100*rejected(tc, c.Threshold), 100*rejected(tnc, c.Threshold), len(tp.nd), testNonDigitSeed, byKind(c, tp.ndImgs))

	// The rejection curves: how many non-digits each threshold rejects
	// for how many digits, on the check part and the test split.
	if tp.y, err = distances(raw, digitPixels(test)); err != nil {
		return err
	}
	if tp.ndY, err = distances(raw, nonDigitPixels(tp.nd)); err != nil {
		return err
	}
	fmt.Fprintf(w, "whole image as one digit, digit_threshold %.4f (at most %.2f%% of the fit digits): rejects %.2f%% of the fit digits, %.2f%% of the check digits and %.2f%% of the check non-digits (%s); report, test split: %.2f%% of the MNIST test digits and %.2f%% of the test non-digits (%s)\n",
		c.DigitThreshold, 100*safeShare(maxDigitsRejected, len(fit.y)), 100*rejected(topProbs(c, fit.y), c.DigitThreshold),
		100*rejected(topProbs(c, check.y), c.DigitThreshold), 100*rejected(topProbs(c, check.ndY), c.DigitThreshold), wholeByKind(c, check),
		100*rejected(topProbs(c, tp.y), c.DigitThreshold), 100*rejected(topProbs(c, tp.ndY), c.DigitThreshold), wholeByKind(c, tp))
	fmt.Fprintln(w)
	for _, p := range []*part{check, tp} {
		dc, _ := readingConfidences(c, p.digitImgs, "")
		nc, _ := readingConfidences(c, p.ndImgs, "")
		rejectionCurve(w, fmt.Sprintf("%s: each image read as a number, its reading's confidence", p.name), dc, nc, tagsOf(p.ndImgs), c.Threshold)
		rejectionCurve(w, fmt.Sprintf("%s: the whole image as one digit, its top P(d)", p.name), topProbs(c, p.y), topProbs(c, p.ndY), kinds(p.nd), 0)
	}
	if sdnnPath != "" {
		if err := fitSecondReader(w, &c, m, sdnnPath, []*part{fit, check}, []uint64{fitStringSeed, checkStringSeed}, nStrings); err != nil {
			return err
		}
	}
	return finish(w, m, out, read.MetaCalibration, c)
}

// finish checks the fitted calibration c, prints it, puts it in m's
// metadata under key and writes m to out (unless out is "").
func finish(w io.Writer, m *modelfile.Model, out, key string, c interface {
	Validate() error
	JSON() string
}) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("the fitted %s: %w", key, err)
	}
	m.Meta[key] = c.JSON()
	fmt.Fprintf(w, "\n%s: %s\n", key, c.JSON())
	if out == "" {
		return nil
	}
	if err := modelfile.Write(out, m); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s\n", out)
	return nil
}

// validationParts cuts the validation digits into the fit part (even
// places) and the check part (odd places), and returns the test digits.
func validationParts(mnist *data.MNIST) (fit, check *part, test []synth.Digit, err error) {
	_, validation, test, err := synth.Split(mnist)
	if err != nil {
		return nil, nil, nil, err
	}
	fit, check = &part{name: "fit"}, &part{name: "check"}
	for i, d := range validation {
		p := fit
		if i%2 == 1 {
			p = check
		}
		p.digits = append(p.digits, d)
	}
	return fit, check, test, nil
}

func loadModel(path string) (*modelfile.Model, error) {
	if path == "" {
		return models.Default()
	}
	return modelfile.Read(path)
}

// loadScores scores what the part's pieces' calibration is fitted on: its
// digits' distances and those of its non-digits (made with seed ndSeed).
func (p *part) loadScores(raw *read.ModelScorer, ndSeed uint64) error {
	var err error
	if p.y, err = distances(raw, digitPixels(p.digits)); err != nil {
		return err
	}
	if p.nd, err = synth.NonDigits(p.digits, nonDigits, ndSeed); err != nil {
		return err
	}
	p.ndY, err = distances(raw, nonDigitPixels(p.nd))
	return err
}

// loadReadings reads the part's digits and non-digits, each as an image,
// and nStrings written numbers of its digits, with r.
func (p *part) loadReadings(r *read.Reader, stringsSeed uint64, nStrings int) error {
	var err error
	if p.digitImgs, err = readImages(r, digitPixels(p.digits), digitTexts(p.digits), nil); err != nil {
		return err
	}
	if p.ndImgs, err = readImages(r, nonDigitPixels(p.nd), nil, kinds(p.nd)); err != nil {
		return err
	}
	samples, err := synth.Strings(p.digits, nStrings, stringsSeed)
	if err != nil {
		return err
	}
	for i, s := range samples {
		g, err := r.Read(s.Image)
		if errors.Is(err, data.ErrNoDigit) {
			continue // nothing read: left out
		}
		if err != nil {
			return fmt.Errorf("%s string %q: %w", p.name, s.Text, err)
		}
		p.strings = append(p.strings, reading{g: pathOnly(g.Graph), right: g.Text == s.Text, tag: s.Spacing.String(), text: g.Text, sample: i})
	}
	return nil
}

// pathOnly returns g with only the pieces of its path, which is all the
// reading map needs, to keep thousands of readings small.
func pathOnly(g *read.Graph) *read.Graph {
	out := &read.Graph{Segments: g.Segments, Cost: g.Cost, RivalGap: g.RivalGap}
	for k, i := range g.Path {
		out.Pieces = append(out.Pieces, g.Pieces[i])
		out.Path = append(out.Path, k)
	}
	return out
}

func digitPixels(ds []synth.Digit) [][]uint8 {
	out := make([][]uint8, len(ds))
	for i, d := range ds {
		out[i] = d.Pixels
	}
	return out
}

func digitTexts(ds []synth.Digit) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = string(rune('0' + d.Label))
	}
	return out
}

func labels(ds []synth.Digit) []int {
	out := make([]int, len(ds))
	for i, d := range ds {
		out[i] = int(d.Label)
	}
	return out
}

func nonDigitPixels(nd []synth.NonDigit) [][]uint8 {
	out := make([][]uint8, len(nd))
	for i, n := range nd {
		out[i] = n.Pixels
	}
	return out
}

func kinds(nd []synth.NonDigit) []string {
	out := make([]string, len(nd))
	for i, n := range nd {
		out[i] = n.Kind.String()
	}
	return out
}

// distances returns the RBF distances of each 28x28 image.
func distances(s *read.ModelScorer, imgs [][]uint8) ([][]float64, error) {
	scores, err := s.Score(imgs)
	if err != nil {
		return nil, err
	}
	out := make([][]float64, len(scores))
	for i, sc := range scores {
		out[i] = slices.Clone(sc.Cost[:])
	}
	return out, nil
}

// readImages reads each 28x28 image (white ink on black, as MNIST) as a
// picture. A reading is right when its text is texts[i] (never, when texts
// is nil: non-digits); tags label them. An image with nothing read has a
// nil graph.
func readImages(r *read.Reader, imgs [][]uint8, texts, tags []string) ([]reading, error) {
	return readEach(r, imgs, texts, tags, func(got *read.Reading, want, tag string) reading {
		out := reading{tag: tag}
		if got != nil {
			out.g, out.right, out.conf = pathOnly(got.Graph), want != "" && got.Text == want, got.Confidence
		}
		return out
	})
}

// readEach reads each 28x28 image (white ink on black, as MNIST) as a
// picture with r and keeps what keep makes of its reading (nil: nothing
// read, a blank image), its truth texts[i] ("" when texts is nil:
// non-digits) and its tag tags[i] ("" when tags is nil).
func readEach[R any](r *read.Reader, imgs [][]uint8, texts, tags []string, keep func(got *read.Reading, want, tag string) R) ([]R, error) {
	out := make([]R, len(imgs))
	for i, px := range imgs {
		got, err := r.Read(grayImage(px))
		switch {
		case errors.Is(err, data.ErrNoDigit):
			got = nil
		case err != nil:
			return nil, err
		}
		want, tag := "", ""
		if texts != nil {
			want = texts[i]
		}
		if tags != nil {
			tag = tags[i]
		}
		out[i] = keep(got, want, tag)
	}
	return out, nil
}

// readingConfidences returns the readings' (those tagged tag, or all)
// confidences under c and whether each is right; one with nothing read
// has confidence 0.
func readingConfidences(c read.Calibration, rs []reading, tag string) (conf []float64, right []bool) {
	return tagged(rs, tag, func(r reading) (string, float64, bool) {
		v := 0.0
		if r.g != nil {
			v = c.Reading(r.g)
		}
		return r.tag, v, r.right
	})
}

// tagged returns the confidence of each of rs tagged tag (or of all), and
// whether each is right: of gives a reading's tag, confidence and
// rightness.
func tagged[R any](rs []R, tag string, of func(R) (string, float64, bool)) (conf []float64, right []bool) {
	for _, r := range rs {
		t, v, ok := of(r)
		if tag != "" && t != tag {
			continue
		}
		conf, right = append(conf, v), append(right, ok)
	}
	return conf, right
}

// eceBySpacing prints the ECE of the fit and the check readings, in all and
// of each spacing, under the header what; confs gives a part's (fit or
// not) confidences and rightness of the readings tagged tag ("" for all).
func eceBySpacing(w io.Writer, what string, confs func(fit bool, tag string) ([]float64, []bool)) {
	fmt.Fprintf(w, "| %s | fit strings | check strings |\n|---|---:|---:|\n", what)
	for _, tag := range []string{"", "apart", "close", "touching"} {
		fc, fr := confs(true, tag)
		cc, cr := confs(false, tag)
		name := tag
		if tag == "" {
			name = "all"
		}
		fmt.Fprintf(w, "| %s (%d, %d strings) | %.2f%% | %.2f%% |\n", name, len(fc), len(cc), 100*ece(fc, fr, nil), 100*ece(cc, cr, nil))
	}
	fmt.Fprintln(w)
}

// grayImage returns a 28x28 image (white ink on black, as MNIST) as a
// picture.
func grayImage(px []uint8) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, data.Side, data.Side))
	copy(g.Pix, px)
	return g
}

// wholeByKind returns the share of p's non-digits of each kind that the
// digit threshold rejects, each taken whole as one digit.
func wholeByKind(c read.Calibration, p *part) string {
	conf, ks := topProbs(c, p.ndY), kinds(p.nd)
	s := ""
	for _, k := range synth.Kinds {
		var of []float64
		for i, v := range conf {
			if ks[i] == k.String() {
				of = append(of, v)
			}
		}
		s += fmt.Sprintf("%s %.1f%%, ", k, 100*rejected(of, c.DigitThreshold))
	}
	return s[:max(len(s)-2, 0)]
}

// byKind returns the share of rs rejected at c's threshold, by tag.
func byKind(c read.Calibration, rs []reading) string {
	var tags []string
	for _, r := range rs {
		if !slices.Contains(tags, r.tag) {
			tags = append(tags, r.tag)
		}
	}
	s := ""
	for _, t := range tags {
		conf, _ := readingConfidences(c, rs, t)
		s += fmt.Sprintf("%s %.1f%%, ", t, 100*rejected(conf, c.Threshold))
	}
	return s[:max(len(s)-2, 0)]
}

// noneFeatures returns the no-digit map's features of distances y: 1 and
// the logarithms ln(1 + y) of the two smallest (read.Calibration.NoneLogit).
func noneFeatures(y []float64) []float64 {
	s := slices.Sorted(slices.Values(y))
	return []float64{1, math.Log1p(s[0]), math.Log1p(s[1])}
}

// fitNone fits c's no-digit map on p's digits and non-digits, weighted so
// that the non-digits are a share prior of the pieces.
func fitNone(c *read.Calibration, p *part, prior float64) {
	var xs [][]float64
	var isNone []bool
	var wts []float64
	n := float64(len(p.y) + len(p.ndY))
	for _, y := range p.y {
		xs, isNone, wts = append(xs, noneFeatures(y)), append(isNone, false), append(wts, (1-prior)*n/float64(len(p.y)))
	}
	for _, y := range p.ndY {
		xs, isNone, wts = append(xs, noneFeatures(y)), append(isNone, true), append(wts, prior*n/float64(len(p.ndY)))
	}
	w := fitLogistic(xs, isNone, wts)
	if w[2] < 0 {
		// The map must not make a piece more of a digit as its second
		// distance grows (Calibration.Valid); when the fit would, the second
		// distance tells nothing the first does not, and it is left out.
		for i := range xs {
			xs[i] = xs[i][:2]
		}
		w = append(fitLogistic(xs, isNone, wts), 0)
	}
	c.NoneA, c.NoneB, c.NoneLogMin, c.NoneLogSecond = w[0], 0, w[1], w[2]
}

// digitConfidences returns each digit's calibrated P(d) of its top digit
// and whether that digit is its label.
func digitConfidences(c read.Calibration, p *part) (conf []float64, right []bool) {
	for i, y := range p.y {
		s := c.Scores(y)
		d := s.Best()
		conf, right = append(conf, s.Prob[d]), append(right, d == int(p.digits[i].Label))
	}
	return conf, right
}

func digitsECE(c read.Calibration, p *part) float64 {
	conf, right := digitConfidences(c, p)
	return ece(conf, right, nil)
}

// givenECE is the ECE of the digits' P(d | a digit): P(none) set to 0.
func givenECE(c read.Calibration, p *part) float64 {
	c.NoneA, c.NoneB, c.NoneLogMin, c.NoneLogSecond = -1000, 0, 0, 0
	return digitsECE(c, p)
}

// mixedECE is the ECE of P(d) on p's digits and non-digits weighted as c's
// prior share of non-digits; a non-digit is never right.
func mixedECE(c read.Calibration, p *part) float64 {
	conf, right := digitConfidences(c, p)
	wts := make([]float64, len(conf), len(conf)+len(p.ndY))
	for i := range wts {
		wts[i] = (1 - c.NonePrior) / float64(len(p.y))
	}
	for _, y := range p.ndY {
		s := c.Scores(y)
		conf, right, wts = append(conf, s.Prob[s.Best()]), append(right, false), append(wts, c.NonePrior/float64(len(p.ndY)))
	}
	return ece(conf, right, wts)
}

func meanNone(c read.Calibration, p *part) float64 {
	s := 0.0
	for _, y := range p.y {
		s += c.Scores(y).None
	}
	return s / float64(len(p.y))
}

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

// readingX returns the reading map's features of g under c: 1, sum ln
// P(d), sum ln(1 - P(none)) at the reading's prior, digits, cuts, merges.
func readingX(c read.Calibration, g *read.Graph) []float64 {
	f := c.Features(g)
	return []float64{1, f.LogProb, f.LogNotNone, float64(f.Digits), float64(f.Cuts), float64(f.Merges), f.RivalGap}
}

func readingData(c read.Calibration, rs []reading) (xs [][]float64, right []bool) {
	for _, r := range rs {
		xs, right = append(xs, readingX(c, r.g)), append(right, r.right)
	}
	return xs, right
}

// fitReadingMap fits c's reading map on the readings rs.
func fitReadingMap(c *read.Calibration, rs []reading) {
	xs, right := readingData(*c, rs)
	w := fitLogistic(xs, right, nil)
	c.A, c.B, c.PerNone, c.PerDigit, c.PerCut, c.PerMerge, c.PerRival = w[0], max(w[1], 0), max(w[2], 0), w[3], w[4], w[5], max(w[6], 0)
}

// isotonicBins is how many bins of equal count the isotonic map pools the
// fit strings into before the pool adjacent violators: 20 bins of 400
// strings keep each knot's accuracy within about 2 points.
const isotonicBins = 20

// fitIsotonic fits the map from the logistic's output to the reading's
// confidence on rs: the strings sorted by the logistic's output, cut into
// bins of equal count, each bin a knot (its mean output, its accuracy),
// adjacent knots pooled while their accuracies decrease.
func fitIsotonic(c read.Calibration, rs []reading, bins int) [][2]float64 {
	c.Isotonic = nil
	p, right := make([]float64, len(rs)), make([]bool, len(rs))
	for i, r := range rs {
		p[i], right[i] = c.Reading(r.g), r.right
	}
	return isotonicKnots(p, right, bins)
}

// isotonicKnots fits an isotonic map from outputs p to the accuracy of
// right: the points sorted by p, cut into bins of equal count, each bin a
// knot (its mean p, its accuracy), adjacent knots pooled while their
// accuracies decrease.
func isotonicKnots(p []float64, right []bool, bins int) [][2]float64 {
	type point struct {
		p     float64
		right bool
	}
	ps := make([]point, len(p))
	for i := range p {
		ps[i] = point{p[i], right[i]}
	}
	slices.SortFunc(ps, func(a, b point) int { return cmp.Compare(a.p, b.p) })
	type block struct{ sumP, sumRight, n float64 }
	var blocks []block
	for b := range bins {
		lo, hi := b*len(ps)/bins, (b+1)*len(ps)/bins
		var k block
		for _, p := range ps[lo:hi] {
			k.sumP += p.p
			k.n++
			if p.right {
				k.sumRight++
			}
		}
		if k.n == 0 {
			continue
		}
		blocks = append(blocks, k)
		for len(blocks) > 1 { // pool adjacent violators
			a, z := blocks[len(blocks)-2], blocks[len(blocks)-1]
			if a.sumRight/a.n < z.sumRight/z.n {
				break
			}
			blocks = append(blocks[:len(blocks)-2], block{a.sumP + z.sumP, a.sumRight + z.sumRight, a.n + z.n})
		}
	}
	var knots [][2]float64
	for _, k := range blocks {
		x, y := k.sumP/k.n, k.sumRight/k.n
		if len(knots) > 0 && x <= knots[len(knots)-1][0] {
			continue
		}
		knots = append(knots, [2]float64{x, y})
	}
	return knots
}

// crossValidate returns the k-fold cross-validated log loss and ECE of
// the reading map with c's NoneShift on rs (fold: place mod folds).
func crossValidate(c read.Calibration, rs []reading) (loss, e float64) {
	conf := make([]float64, len(rs))
	right := make([]bool, len(rs))
	for k := range folds {
		var train []reading
		for i, r := range rs {
			if i%folds != k {
				train = append(train, r)
			}
		}
		cc := c
		fitReadingMap(&cc, train)
		cc.Isotonic = fitIsotonic(cc, train, isotonicBins)
		for i, r := range rs {
			if i%folds == k {
				conf[i], right[i] = cc.Reading(r.g), r.right
			}
		}
	}
	for i, p := range conf {
		p = min(max(p, 1e-12), 1-1e-12)
		if right[i] {
			loss -= math.Log(p)
		} else {
			loss -= math.Log(1 - p)
		}
	}
	return loss / float64(len(rs)), ece(conf, right, nil)
}

// fitTemperature fits the digits' softmax temperature T by Newton's
// method on the negative log-likelihood in a = 1/T, where it is convex.
func fitTemperature(ys [][]float64, labels []int) float64 {
	a := 1.0
	nll := func(a float64) float64 {
		total := 0.0
		for i, y := range ys {
			z := scaled(y, a)
			total += logSumExp(z) - z[labels[i]]
		}
		return total
	}
	cur := nll(a)
	for iter := 0; iter < 100; iter++ {
		var g, h float64
		for i, y := range ys {
			z := scaled(y, a)
			lse := logSumExp(z)
			var e, e2 float64 // E_p of the feature -y_k and of its square
			for k, v := range z {
				p := math.Exp(v - lse)
				e += p * -y[k]
				e2 += p * y[k] * y[k]
			}
			g += e - -y[labels[i]]
			h += e2 - e*e
		}
		if !(h > 0) {
			break
		}
		d := g / h
		step := 1.0
		for ; step > 1e-8; step /= 2 {
			if na := a - step*d; na > 0 {
				if v := nll(na); v < cur {
					a, cur = na, v
					break
				}
			}
		}
		if step <= 1e-8 || math.Abs(d) < 1e-10 {
			break
		}
	}
	return 1 / a
}

// scaled returns -a y.
func scaled(y []float64, a float64) []float64 {
	z := make([]float64, len(y))
	for k, v := range y {
		z[k] = -a * v
	}
	return z
}

func logSumExp(z []float64) float64 {
	m := slices.Max(z)
	s := 0.0
	for _, v := range z {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}

// maxDigitsRejected is the most digits a threshold may reject (issue 22).
const maxDigitsRejected = 0.01

// safeShare returns the largest share r of n samples whose one-sided 95%
// upper bound, r + 1.645 sqrt(r(1-r)/n) (normal approximation), is at most
// limit: a threshold that rejects r of the samples it is chosen on
// rejects at most limit of others, 19 times in 20.
func safeShare(limit float64, n int) float64 {
	lo, hi := 0.0, limit
	for range 60 {
		r := (lo + hi) / 2
		if r+1.645*math.Sqrt(r*(1-r)/float64(n)) <= limit {
			lo = r
		} else {
			hi = r
		}
	}
	return lo
}

// quantileBelow returns the largest threshold t at which at most share of
// the confidences are below t.
func quantileBelow(conf []float64, share float64) float64 {
	s := slices.Sorted(slices.Values(conf))
	k := int(math.Floor(share * float64(len(s))))
	return s[k]
}

func rejected(conf []float64, t float64) float64 {
	n := 0
	for _, c := range conf {
		if c < t {
			n++
		}
	}
	return float64(n) / float64(len(conf))
}

// fitLogistic fits P(y) = sigmoid(w . x) by Newton's method with step
// halving on the (weighted, if wts is not nil) log-likelihood, so that it
// cannot run away; each x holds the features, the first of them 1.
func fitLogistic(xs [][]float64, y []bool, wts []float64) []float64 {
	k := len(xs[0])
	weight := func(i int) float64 {
		if wts == nil {
			return 1
		}
		return wts[i]
	}
	ll := func(w []float64) float64 {
		total := 0.0
		for i, x := range xs {
			z := dot(w, x)
			if !y[i] {
				z = -z
			}
			total -= weight(i) * (math.Log1p(math.Exp(-math.Abs(z))) + math.Max(-z, 0)) // log sigmoid(z)
		}
		return total
	}
	w := make([]float64, k)
	cur := ll(w)
	for iter := 0; iter < 200; iter++ {
		g := make([]float64, k)
		h := make([][]float64, k)
		for r := range h {
			h[r] = make([]float64, k)
		}
		for i, x := range xs {
			p := sigmoid(dot(w, x))
			t := 0.0
			if y[i] {
				t = 1
			}
			wi := weight(i)
			for r := range k {
				g[r] += wi * (p - t) * x[r]
				for c := range k {
					h[r][c] += wi * p * (1 - p) * x[r] * x[c]
				}
			}
		}
		d, ok := solve(h, g)
		if !ok {
			break
		}
		step := 1.0
		for ; step > 1e-8; step /= 2 {
			next := make([]float64, k)
			for r := range k {
				next[r] = w[r] - step*d[r]
			}
			if v := ll(next); v > cur {
				w, cur = next, v
				break
			}
		}
		if step <= 1e-8 {
			break
		}
	}
	return w
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// solve solves h d = g by Gaussian elimination with partial pivoting.
func solve(h [][]float64, g []float64) ([]float64, bool) {
	n := len(g)
	a := make([][]float64, n)
	for r := range n {
		a[r] = append(slices.Clone(h[r]), g[r])
	}
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if math.Abs(a[p][c]) < 1e-300 {
			return nil, false
		}
		a[c], a[p] = a[p], a[c]
		for r := c + 1; r < n; r++ {
			f := a[r][c] / a[c][c]
			for k := c; k <= n; k++ {
				a[r][k] -= f * a[c][k]
			}
		}
	}
	d := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := a[r][n]
		for k := r + 1; k < n; k++ {
			s -= a[r][k] * d[k]
		}
		d[r] = s / a[r][r]
	}
	return d, true
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// bins is the number of equal-width bins of the ECE and the tables.
const bins = 10

// ece is the expected calibration error over equal-width bins: the sum
// over bins of |right - confidence|, each weighted (by wts, or 1 each),
// over the total weight.
func ece(conf []float64, right []bool, wts []float64) float64 {
	sumConf := make([]float64, bins)
	sumRight := make([]float64, bins)
	total := 0.0
	for i, c := range conf {
		wi := 1.0
		if wts != nil {
			wi = wts[i]
		}
		b := min(int(c*bins), bins-1)
		sumConf[b] += wi * c
		if right[i] {
			sumRight[b] += wi
		}
		total += wi
	}
	e := 0.0
	for b := range bins {
		e += math.Abs(sumRight[b]-sumConf[b]) / total
	}
	return e
}

// tagsOf returns the readings' tags.
func tagsOf(rs []reading) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.tag
	}
	return out
}

// topProbs returns the calibrated P(d) of each piece's top digit.
func topProbs(c read.Calibration, ys [][]float64) []float64 {
	out := make([]float64, len(ys))
	for i, y := range ys {
		s := c.Scores(y)
		out[i] = s.Prob[s.Best()]
	}
	return out
}

// rejectionCurve prints, for thresholds that reject 0.5% to 5% of the
// digits (and for the default threshold, when not 0), the share of the
// non-digits rejected, in all and by kind; and the share of the digits a
// threshold must reject to reject 95% of the non-digits.
func rejectionCurve(w io.Writer, what string, digits, nonDigits []float64, kinds []string, threshold float64) {
	var names []string
	for _, k := range kinds {
		if !slices.Contains(names, k) {
			names = append(names, k)
		}
	}
	fmt.Fprintf(w, "| %s: digits rejected | threshold | non-digits rejected |", what)
	for _, k := range names {
		fmt.Fprintf(w, " %s |", k)
	}
	fmt.Fprintf(w, "\n|---|---:|---:|%s\n", strings.Repeat("---:|", len(names)))
	row := func(label string, t float64) {
		fmt.Fprintf(w, "| %s%.2f%% | %.4g | %.2f%% |", label, 100*rejected(digits, t), t, 100*rejected(nonDigits, t))
		for _, k := range names {
			var v []float64
			for i, c := range nonDigits {
				if kinds[i] == k {
					v = append(v, c)
				}
			}
			fmt.Fprintf(w, " %.1f%% |", 100*rejected(v, t))
		}
		fmt.Fprintln(w)
	}
	if threshold > 0 {
		row("default threshold: ", threshold)
	}
	for _, share := range []float64{0.005, 0.01, 0.02, 0.05} {
		row("", quantileBelow(digits, share))
	}
	row("for 95% of the non-digits: ", quantileBelow(nonDigits, 0.95))
	fmt.Fprintln(w)
}

// reliability prints the reliability table of the fit and the check part.
func reliability(w io.Writer, what string, fitConf []float64, fitRight []bool, checkConf []float64, checkRight []bool) {
	type bin struct {
		n           int
		conf, right float64
	}
	tally := func(conf []float64, right []bool) (bs [bins]bin) {
		for i, c := range conf {
			k := min(int(c*bins), bins-1)
			bs[k].n++
			bs[k].conf += c
			if right[i] {
				bs[k].right++
			}
		}
		return bs
	}
	f, c := tally(fitConf, fitRight), tally(checkConf, checkRight)
	fmt.Fprintf(w, "| %s | fit: count | mean confidence | accuracy | check: count | mean confidence | accuracy |\n|---|---:|---:|---:|---:|---:|---:|\n", what)
	cell := func(b bin) string {
		if b.n == 0 {
			return "0 | - | -"
		}
		return fmt.Sprintf("%d | %.4f | %.4f", b.n, b.conf/float64(b.n), b.right/float64(b.n))
	}
	for k := range bins {
		if f[k].n+c[k].n > 0 {
			fmt.Fprintf(w, "| %.1f-%.1f | %s | %s |\n", float64(k)/bins, float64(k+1)/bins, cell(f[k]), cell(c[k]))
		}
	}
	fmt.Fprintln(w)
}
