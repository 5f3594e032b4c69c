package main

import (
	"errors"
	"fmt"
	"image"
	"io"
	"slices"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/internal/synth"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/read"
)

// The SDNN's network (a model trained on windows, train -windows) gets a
// read.SDNNCalibration instead: the reading map alone, since the SDNN's
// windows keep the network's own posteriors (its character model's costs
// were chosen with them). On the same fit and check parts of the
// validation split:
//
//  1. the logistic map of read.SDNNFeatures, over the fit strings read by
//     the SDNN that read some digit and, as wrong readings, the fit
//     non-digits it reads as some digit (but pairs of digits, which a
//     number reader may read right), together weighing sdnnNonDigitWeight
//     of the strings; then the isotonic map over isotonicBins bins, on
//     the strings alone, so that their confidences stay calibrated;
//  2. the threshold: sdnnThreshold, since the segmenting reader's rule (at
//     most safeShare(1%, n) of the n fit digits, each read as an image,
//     rejected) gives 0: the SDNN reads more than 1% of single digits as
//     no digit at all.
//
// It prints the readings' ECE and reliability on both parts and what the
// threshold rejects of the check part's digits and non-digits.

// sdnnThreshold is the SDNN's default threshold: a reading is rejected
// when its calibrated confidence says it is more likely wrong than right.
const sdnnThreshold = 0.5

// sdnnNonDigitWeight is the weight of the fit non-digits in the SDNN's
// logistic map, as a share of the fit strings': without them the SDNN was
// sure of letters read as 1 or 11 (350 of 571 fit letters, median
// confidence 0.88), and as the pair's second reader it took such readings
// from the segmenting reader, which had rejected them. Set once, not
// chosen on the check part.
const sdnnNonDigitWeight = 0.2

// sdnnReading is what the SDNN's calibration needs of one reading.
type sdnnReading struct {
	x     []float64 // read.SDNNFeatures; nil: nothing read
	right bool
	tag   string // the string's spacing or the non-digit's kind
}

// sdnnOf returns what the calibration needs of reading got (nil: nothing
// read) whose truth is want ("": none, a non-digit).
func sdnnOf(got *read.Reading, want, tag string) sdnnReading {
	if got == nil {
		return sdnnReading{tag: tag}
	}
	return sdnnReading{x: read.SDNNFeatures(got), right: want != "" && got.Text == want, tag: tag}
}

// readSDNN reads img with r; a blank image is nothing read, not an error.
func readSDNN(r *read.Reader, img image.Image) (*read.Reading, error) {
	got, err := r.Read(img)
	if errors.Is(err, data.ErrNoDigit) {
		return nil, nil
	}
	return got, err
}

// sdnnStrings reads nStrings written numbers of ds, made with seed, with r.
func sdnnStrings(r *read.Reader, ds []synth.Digit, nStrings int, seed uint64) ([]sdnnReading, error) {
	samples, err := synth.Strings(ds, nStrings, seed)
	if err != nil {
		return nil, err
	}
	out := make([]sdnnReading, len(samples))
	for i, s := range samples {
		got, err := readSDNN(r, s.Image)
		if err != nil {
			return nil, fmt.Errorf("string %q: %w", s.Text, err)
		}
		out[i] = sdnnOf(got, s.Text, s.Spacing.String())
	}
	return out, nil
}

// readSome reports whether the reading read some digit.
func (s sdnnReading) readSome() bool { return s.x != nil && s.x[2] > 0 } // x[2]: the digits' number

// sdnnNonDigits makes nonDigits synth non-digits of ds with seed and reads
// each as an image with r.
func sdnnNonDigits(r *read.Reader, ds []synth.Digit, seed uint64) ([]sdnnReading, error) {
	nd, err := synth.NonDigits(ds, nonDigits, seed)
	if err != nil {
		return nil, err
	}
	return sdnnImages(r, nonDigitPixels(nd), nil, kinds(nd))
}

// sdnnImages reads each 28x28 image (white ink on black) as a picture with
// r; texts[i] is its truth (nil: non-digits), tags its kind.
func sdnnImages(r *read.Reader, imgs [][]uint8, texts, tags []string) ([]sdnnReading, error) {
	return readEach(r, imgs, texts, tags, sdnnOf)
}

// sdnnConfidences returns the readings' (those tagged tag, or all)
// confidences under c and whether each is right.
func sdnnConfidences(c read.SDNNCalibration, rs []sdnnReading, tag string) (conf []float64, right []bool) {
	return tagged(rs, tag, func(r sdnnReading) (string, float64, bool) {
		v := 0.0
		if r.x != nil {
			v = c.FromFeatures(r.x)
		}
		return r.tag, v, r.right
	})
}

// runSDNN fits and writes the SDNN network m's calibration.
func runSDNN(m *modelfile.Model, out string, nStrings int, w io.Writer) error {
	delete(m.Meta, read.MetaSDNNCalibration) // read with the raw confidences
	mnist, err := data.Load("")
	if err != nil {
		return err
	}
	fit, check, _, err := validationParts(mnist)
	if err != nil {
		return err
	}
	r, err := read.NewSDNN(m, read.Options{})
	if err != nil {
		return err
	}
	defer r.Close()
	fitStrings, err := sdnnStrings(r, fit.digits, nStrings, fitStringSeed)
	if err != nil {
		return err
	}
	checkStrings, err := sdnnStrings(r, check.digits, nStrings, checkStringSeed)
	if err != nil {
		return err
	}

	// 1. The reading map, on the fit strings that read some digit.
	var xs [][]float64
	var right []bool
	for _, s := range fitStrings {
		if s.readSome() {
			xs, right = append(xs, s.x), append(right, s.right)
		}
	}
	if len(xs) < 10*folds {
		return fmt.Errorf("%s: only %d of %d fit strings read any digit", m.File, len(xs), len(fitStrings))
	}
	fitND, err := sdnnNonDigits(r, fit.digits, fitNonDigitSeed)
	if err != nil {
		return err
	}
	var ndx [][]float64
	for _, s := range fitND {
		if s.readSome() && s.tag != synth.Pair.String() {
			ndx = append(ndx, s.x)
		}
	}
	wt := fitLogistic(withNonDigits(xs, right, ndx, sdnnNonDigitWeight))
	c := read.SDNNCalibration{Weights: wt}
	p := make([]float64, len(xs))
	for i, x := range xs {
		p[i] = c.Logistic(x)
	}
	c.Isotonic = isotonicKnots(p, right, isotonicBins)
	fmt.Fprintf(w, "SDNN readings: P(right) = isotonic(sigmoid(%.4f %+.4f * sum ln c_k %+.4f * digits %+.4f * sum ln(1 + y_k) %+.4f * cost per window %+.4f * unsure windows %+.4f * share of scales agreeing)), %d knots, on %d fit strings (%d read some digit) and %d fit non-digits read as some digit (weighing %g of the strings)\n\n",
		wt[0], wt[1], wt[2], wt[3], wt[4], wt[5], wt[6], len(c.Isotonic), len(fitStrings), len(xs), len(ndx), sdnnNonDigitWeight)
	eceBySpacing(w, "ECE of the SDNN's readings", func(isFit bool, tag string) ([]float64, []bool) {
		if isFit {
			return sdnnConfidences(c, fitStrings, tag)
		}
		return sdnnConfidences(c, checkStrings, tag)
	})
	fc, fr := sdnnConfidences(c, fitStrings, "")
	cc, cr := sdnnConfidences(c, checkStrings, "")
	reliability(w, "validation strings, the SDNN's P(reading right)", fc, fr, cc, cr)

	// 2. The threshold, on the fit digits each read as an image.
	fitDigits, err := sdnnImages(r, digitPixels(fit.digits), digitTexts(fit.digits), nil)
	if err != nil {
		return err
	}
	fd, fdRight := sdnnConfidences(c, fitDigits, "")
	c.Threshold = sdnnThreshold
	wrong := 0
	for i, v := range fd {
		if v == 0 && !fdRight[i] {
			wrong++
		}
	}
	fmt.Fprintf(w, "fit digits, each read as an image: %.2f%% read as no digit at all; the threshold that rejects at most %.2f%% of them would be %.4f\n",
		100*float64(wrong)/float64(len(fd)), 100*safeShare(maxDigitsRejected, len(fd)), quantileBelow(fd, safeShare(maxDigitsRejected, len(fd))))
	checkDigits, err := sdnnImages(r, digitPixels(check.digits), digitTexts(check.digits), nil)
	if err != nil {
		return err
	}
	checkND, err := sdnnNonDigits(r, check.digits, checkNonDigitSeed)
	if err != nil {
		return err
	}
	cd, _ := sdnnConfidences(c, checkDigits, "")
	cn, _ := sdnnConfidences(c, checkND, "")
	fs, _ := sdnnConfidences(c, fitStrings, "")
	cs, _ := sdnnConfidences(c, checkStrings, "")
	fmt.Fprintf(w, "threshold %.4f: rejects %.2f%% of the fit digits, %.2f%% of the check digits and %.2f%% of the check non-digits (each read as an image); %.2f%% of the fit strings, %.2f%% of the check strings\n",
		c.Threshold, 100*rejected(fd, c.Threshold), 100*rejected(cd, c.Threshold), 100*rejected(cn, c.Threshold), 100*rejected(fs, c.Threshold), 100*rejected(cs, c.Threshold))
	c.Fit = fmt.Sprintf("validation split (cmd/train -validation %d, seed %d), its even places: %d digits, %d synth strings (seed %d), read by the SDNN; %d synth non-digits (seed %d), pairs of digits left out, weighing %g of the strings in the logistic map",
		synth.ValidationCount, synth.ValidationSeed, len(fit.digits), len(fitStrings), fitStringSeed, len(fitND), fitNonDigitSeed, sdnnNonDigitWeight)
	return finish(w, m, out, read.MetaSDNNCalibration, c)
}

// withNonDigits returns the logistic fit's data: the strings' features xs
// and rightness, each weighing 1, and the non-digits' features nd, wrong,
// together weighing share of the strings.
func withNonDigits(xs [][]float64, right []bool, nd [][]float64, share float64) ([][]float64, []bool, []float64) {
	all := append(slices.Clone(xs), nd...)
	ok := append(slices.Clone(right), make([]bool, len(nd))...)
	wts := make([]float64, len(all))
	each := share * float64(len(xs)) / float64(max(len(nd), 1))
	for i := range wts {
		wts[i] = 1
		if i >= len(xs) {
			wts[i] = each
		}
	}
	return all, ok, wts
}
