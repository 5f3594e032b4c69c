// Command calibrate fits a model's read.Calibration on the validation
// split and writes the model with it in its metadata (issue 22: "a
// confidence that means the probability of being right"). Nothing of the
// MNIST test set is used to fit or choose; the test figures printed at the
// end are reports.
//
//	go run ./scripts/calibrate -model models/lenet5.safetensors -out models/lenet5.safetensors
//
// The fit, all on the 10,000 held-out training digits (synth.Split, the
// split cmd/train -validation 10000 makes) and things made from them:
//
//  1. The temperature T of the digits' softmax, by maximum likelihood over
//     the validation digits (Newton's method on the convex negative
//     log-likelihood in 1/T); and the no-digit map NoneA, NoneB, by
//     logistic regression of "not a digit" on the smallest distance over
//     the validation digits and 5,000 validation non-digits
//     (internal/synth).
//  2. The reading map A, B, PerDigit, by logistic regression of "the
//     reading is right" on the sum of the digits' log probabilities and
//     their number, over 3,000 validation strings (synth.Strings, all
//     spacings and looks).
//  3. The threshold: the largest at which at most 1% of the validation
//     digits, each read as a one-digit image, are rejected.
//
// It prints the expected calibration errors (ECE, 10 equal-width bins) of
// the single digits and of the strings, the reliability tables, and the
// rejection of non-digits at the threshold.
package main

import (
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"slices"
	"sort"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/internal/synth"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
	"github.com/lenet5-go/lenet5/read"
)

// Fixed seeds of the fit's generated data, apart from readbench's.
const (
	nonDigitSeed     = 22_0001
	testNonDigitSeed = 22_0002
	stringSeed       = 22_0003
	nonDigits        = 5000
	strings          = 3000
)

func main() {
	modelPath := flag.String("model", "", "model file to calibrate (default: the shipped model)")
	out := flag.String("out", "", "write the calibrated model to this `FILE` (default: only print)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: calibrate [-model FILE] [-out FILE]")
		os.Exit(2)
	}
	if err := run(*modelPath, *out, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "calibrate:", err)
		os.Exit(1)
	}
}

func run(modelPath, out string, w io.Writer) error {
	m, err := loadModel(modelPath)
	if err != nil {
		return err
	}
	if m.Head != graph.RBF {
		return fmt.Errorf("%s: the %v head; calibration is for the RBF head", m.File, m.Head)
	}
	delete(m.Meta, read.MetaCalibration) // score with the raw distances
	mnist, err := data.Load("")
	if err != nil {
		return err
	}
	_, validation, test, err := synth.Split(mnist)
	if err != nil {
		return err
	}
	raw, err := read.NewModelScorer(m)
	if err != nil {
		return err
	}
	defer raw.Close()

	// 1. T and R on validation digits and non-digits.
	valDigits, err := distances(raw, pixelsOf(validation))
	if err != nil {
		return err
	}
	nd, err := synth.NonDigits(validation, nonDigits, nonDigitSeed)
	if err != nil {
		return err
	}
	valNon, err := distances(raw, nonDigitPixels(nd))
	if err != nil {
		return err
	}
	var samples []sample
	for i, y := range valDigits {
		samples = append(samples, sample{y: y, label: int(validation[i].Label)})
	}
	c := read.Calibration{Temperature: fitTemperature(samples)}
	var xs [][]float64
	var isNone []bool
	for _, y := range valDigits {
		xs, isNone = append(xs, []float64{1, slices.Min(y)}), append(isNone, false)
	}
	for _, y := range valNon {
		xs, isNone = append(xs, []float64{1, slices.Min(y)}), append(isNone, true)
	}
	wts := fitLogistic(xs, isNone)
	c.NoneA, c.NoneB = wts[0], wts[1]
	fmt.Fprintf(w, "pieces: temperature %.4f on %d validation digits; P(none) = sigmoid(%.4f %+.4f * min distance) on them and %d validation non-digits\n",
		c.Temperature, len(valDigits), c.NoneA, c.NoneB, len(valNon))
	digitConf, digitRight := singleDigits(c, valDigits, validation)
	given := c
	given.NoneA, given.NoneB = -1000, 0 // P(none) = 0: the digit's probability given that it is one
	givenConf, _ := singleDigits(given, valDigits, validation)
	fmt.Fprintf(w, "single validation digits: ECE %.2f%% of P(digit), %.2f%% of P(digit | a digit)\n\n", 100*ece(digitConf, digitRight, 10), 100*ece(givenConf, digitRight, 10))
	reliability(w, "single validation digits", digitConf, digitRight)

	// 2. The reading map on validation strings.
	c.A, c.B, c.PerDigit = 0, 1, 0 // the product, while fitting
	m.Meta[read.MetaCalibration] = c.JSON()
	readings, right, err := readStrings(m, validation)
	if err != nil {
		return err
	}
	feats := make([][]float64, len(readings))
	for i, g := range readings {
		feats[i] = features(g)
	}
	wts = fitLogistic(feats, right)
	c.A, c.B, c.PerDigit, c.PerCut, c.PerMerge = wts[0], max(wts[1], 0), wts[2], wts[3], wts[4]
	m.Meta[read.MetaCalibration] = c.JSON()
	readings, right, err = readStrings(m, validation)
	if err != nil {
		return err
	}
	conf := make([]float64, len(readings))
	for i, g := range readings {
		conf[i] = g.Confidence
	}
	fmt.Fprintf(w, "readings: P(right) = sigmoid(%.4f %+.4f * sum log P(digit) %+.4f * digits %+.4f * cuts %+.4f * merges), fitted on %d validation strings; ECE %.2f%%\n\n",
		c.A, c.B, c.PerDigit, c.PerCut, c.PerMerge, len(feats), 100*ece(conf, right, 10))
	reliability(w, "validation strings", conf, right)

	// 3. The threshold: at most 1% of validation digits rejected, each read
	// as a one-digit image.
	m.Meta[read.MetaCalibration] = c.JSON()
	digitReadings, err := readSingles(m, pixelsOf(validation))
	if err != nil {
		return err
	}
	c.Threshold = quantileBelow(digitReadings, 0.01)
	c.Fit = fmt.Sprintf("validation split (cmd/train -validation %d, seed %d): %d digits, %d synth non-digits (seed %d), %d synth strings (seed %d)",
		synth.ValidationCount, synth.ValidationSeed, len(valDigits), len(valNon), nonDigitSeed, len(feats), stringSeed)
	m.Meta[read.MetaCalibration] = c.JSON()
	nonReadings, err := readSingles(m, nonDigitPixels(nd))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "threshold %.4f: rejects %.2f%% of validation digits and %.2f%% of validation non-digits (each read as an image)\n",
		c.Threshold, 100*rejected(digitReadings, c.Threshold), 100*rejected(nonReadings, c.Threshold))

	// Reports on the test split (not used above).
	testReadings, err := readSingles(m, pixelsOf(test))
	if err != nil {
		return err
	}
	testND, err := synth.NonDigits(test, nonDigits, testNonDigitSeed)
	if err != nil {
		return err
	}
	testNon, err := readSingles(m, nonDigitPixels(testND))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "report, test split: the threshold rejects %.2f%% of the 10,000 MNIST test digits and %.2f%% of %d test non-digits (synth from test digits, seed %d)\n",
		100*rejected(testReadings, c.Threshold), 100*rejected(testNon, c.Threshold), len(testND), testNonDigitSeed)
	fmt.Fprintf(w, "\ncalibration: %s\n", c.JSON())
	if out == "" {
		return nil
	}
	if err := modelfile.Write(out, m); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s\n", out)
	return nil
}

func loadModel(path string) (*modelfile.Model, error) {
	if path == "" {
		return models.Default()
	}
	return modelfile.Read(path)
}

// sample is one digit's distances and its label.
type sample struct {
	y     []float64
	label int
}

func pixelsOf(ds []synth.Digit) [][]uint8 {
	out := make([][]uint8, len(ds))
	for i, d := range ds {
		out[i] = d.Pixels
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

// fitTemperature fits the digits' softmax temperature T by Newton's
// method on the negative log-likelihood in a = 1/T, where it is convex.
func fitTemperature(samples []sample) float64 {
	a := 1.0
	nll := func(a float64) float64 {
		total := 0.0
		for _, s := range samples {
			z := logits(s.y, a)
			total += logSumExp(z) - z[s.label]
		}
		return total
	}
	cur := nll(a)
	for iter := 0; iter < 100; iter++ {
		var g, h float64
		for _, s := range samples {
			z := logits(s.y, a)
			lse := logSumExp(z)
			var e, e2 float64 // E_p of the feature -y_k and of its square
			for k, v := range z {
				p := math.Exp(v - lse)
				e += p * -s.y[k]
				e2 += p * s.y[k] * s.y[k]
			}
			g += e - -s.y[s.label]
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

func logits(y []float64, a float64) []float64 {
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

// singleDigits returns each digit's calibrated confidence in its predicted
// class and whether that class is its label.
func singleDigits(c read.Calibration, ys [][]float64, ds []synth.Digit) (conf []float64, right []bool) {
	for i, y := range ys {
		s := c.Scores(y)
		d := s.Best()
		conf = append(conf, s.Prob[d])
		right = append(right, d == int(ds[i].Label))
	}
	return conf, right
}

// readStrings reads the validation strings with m (its calibration as it
// stands) and returns each reading and whether it is right; a string with
// nothing read is left out.
func readStrings(m *modelfile.Model, validation []synth.Digit) (got []*read.Reading, right []bool, err error) {
	samples, err := synth.Strings(validation, strings, stringSeed)
	if err != nil {
		return nil, nil, err
	}
	r, err := read.New(m, read.Options{})
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	for _, s := range samples {
		g, err := r.Read(s.Image)
		if errors.Is(err, data.ErrNoDigit) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("string %q: %w", s.Text, err)
		}
		got, right = append(got, g), append(right, g.Text == s.Text)
	}
	return got, right, nil
}

// features returns the reading map's features of a reading: 1, the sum of
// the digits' log probabilities, their number.
func features(got *read.Reading) []float64 {
	sum := 0.0
	for _, d := range got.Digits {
		sum += math.Log(max(d.Confidence, 1e-300))
	}
	cuts, merges := read.PathCounts(got.Graph)
	return []float64{1, sum, float64(len(got.Digits)), float64(cuts), float64(merges)}
}

// readSingles reads each 28x28 image (white ink on black, as MNIST) as a
// picture and returns the readings' confidences; an image with nothing
// read counts as confidence 0.
func readSingles(m *modelfile.Model, imgs [][]uint8) ([]float64, error) {
	r, err := read.New(m, read.Options{})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := make([]float64, len(imgs))
	for i, px := range imgs {
		g := image.NewGray(image.Rect(0, 0, data.Side, data.Side))
		copy(g.Pix, px)
		got, err := r.Read(g)
		switch {
		case errors.Is(err, data.ErrNoDigit):
			out[i] = 0
		case err != nil:
			return nil, err
		default:
			out[i] = got.Confidence
		}
	}
	return out, nil
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

// fitLogistic fits P(right) = sigmoid(w . x) by Newton's method with
// step halving on the log-likelihood, so that it cannot run away; each x
// holds the features, the first of them 1.
func fitLogistic(xs [][]float64, y []bool) []float64 {
	k := len(xs[0])
	ll := func(w []float64) float64 {
		total := 0.0
		for i, x := range xs {
			z := dot(w, x)
			if !y[i] {
				z = -z
			}
			total -= math.Log1p(math.Exp(-math.Abs(z))) + math.Max(-z, 0) // log sigmoid(z)
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
			for r := range k {
				g[r] += (p - t) * x[r]
				for c := range k {
					h[r][c] += p * (1 - p) * x[r] * x[c]
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

// ece is the expected calibration error over equal-width bins.
func ece(conf []float64, right []bool, bins int) float64 {
	count := make([]float64, bins)
	sumConf := make([]float64, bins)
	sumRight := make([]float64, bins)
	for i, c := range conf {
		b := min(int(c*float64(bins)), bins-1)
		count[b]++
		sumConf[b] += c
		if right[i] {
			sumRight[b]++
		}
	}
	e := 0.0
	for b := range bins {
		e += math.Abs(sumRight[b]-sumConf[b]) / float64(len(conf))
	}
	return e
}

// reliability prints the reliability table.
func reliability(w io.Writer, what string, conf []float64, right []bool) {
	const bins = 10
	type bin struct {
		n           int
		conf, right float64
	}
	var bs [bins]bin
	for i, c := range conf {
		k := min(int(c*bins), bins-1)
		bs[k].n++
		bs[k].conf += c
		if right[i] {
			bs[k].right++
		}
	}
	fmt.Fprintf(w, "| confidence (%s) | count | mean confidence | accuracy |\n|---|---:|---:|---:|\n", what)
	keys := make([]int, 0, bins)
	for k := range bs {
		if bs[k].n > 0 {
			keys = append(keys, k)
		}
	}
	sort.Ints(keys)
	for _, k := range keys {
		b := bs[k]
		fmt.Fprintf(w, "| %.1f-%.1f | %d | %.4f | %.4f |\n", float64(k)/bins, float64(k+1)/bins, b.n, b.conf/float64(b.n), b.right/float64(b.n))
	}
	fmt.Fprintln(w)
}
