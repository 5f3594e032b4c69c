package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"

	"github.com/lenet5-go/lenet5/internal/synth"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/read"
)

// The SDNN as a second reader (calibrate -sdnn FILE, read.NewWithSDNN):
// after the segmenting reader's calibration c, on the strings of both
// parts, each also read by the SDNN of FILE (with its own calibration):
//
//  1. the switch levels SDNNBelow and SDNNShortBelow, among secondBelows
//     and secondShortBelows, at which taking the SDNN's reading of a
//     string, when the calibration asks the SDNN (read.Calibration.SDNNAsks:
//     touching digits cut below the first level, or one or two digits
//     read without such cuts below the second) and its reading replaces
//     the segmenting one (read.Calibration.SDNNReplaces: it differs, is
//     more confident and, on a short line, longer and not below the
//     threshold, unless the SDNN's scales all gave it), reads the most fit
//     strings right (ties: the lowest second level, then the lowest first);
//  2. the isotonic maps of the three cases below it: SDNNIsotonic, from
//     the SDNN's confidence to the accuracy of the fit strings switched;
//     SDNNAgreeIsotonic and SDNNKeptIsotonic, from the segmenting
//     reading's confidence to the accuracy of those the SDNN read alike
//     and of the rest;
//
// and it prints, on the check strings, both readers together against the
// segmenting reader alone: the strings right and the ECE, in all and by
// spacing.

// secondBelows are the switch levels SDNNBelow is chosen from, and
// secondShortBelows SDNNShortBelow's.
var (
	secondBelows      = []float64{0.1, 0.2, 0.3, 0.5, 0.7, 1}
	secondShortBelows = []float64{0, 0.5, 0.7, 0.8, 0.9, 0.95, 1}
)

// pairReading is one string as both readers read it.
type pairReading struct {
	segConf, sdnnConf   float64
	segRight, sdnnRight bool
	sdnnText, segText   string
	tag                 string
	graph               *read.Graph // the segmenting reader's
	sdnnGraph           *read.Graph // the SDNN's (its Agree), nil when it read nothing
}

// The cases of a string: not asked about (above the switch levels), or
// asked and the SDNN's reading is taken, the SDNN agrees, or the
// segmenting reading is kept.
const (
	above = iota
	switched
	agreed
	kept
)

// caseAt returns p's case under the calibration c (its switch levels and
// threshold).
func (p pairReading) caseAt(c read.Calibration) int {
	first := &read.Reading{Text: p.segText, Confidence: p.segConf, Graph: p.graph}
	switch {
	case !c.SDNNAsks(first):
		return above
	case p.sdnnText == p.segText:
		return agreed
	case c.SDNNReplaces(first, &read.Reading{Text: p.sdnnText, Confidence: p.sdnnConf, Graph: p.sdnnGraph}):
		return switched
	}
	return kept
}

// switched reports whether the SDNN's reading of p is taken under c.
func (p pairReading) switched(c read.Calibration) bool { return p.caseAt(c) == switched }

// fitSecondReader fits c's second reader, the SDNN network of sdnnPath,
// on parts[0] (fit) and reports on parts[1] (check); seeds are the parts'
// strings' seeds.
func fitSecondReader(w io.Writer, c *read.Calibration, m *modelfile.Model, sdnnPath string, parts []*part, seeds []uint64, nStrings int) error {
	sdnn, err := modelfile.Read(sdnnPath)
	if err != nil {
		return err
	}
	r, err := read.NewSDNN(sdnn, read.Options{})
	if err != nil {
		return err
	}
	defer r.Close()
	switch _, ok, err := read.SDNNCalibrationOf(sdnn); {
	case err != nil:
		return err
	case !ok:
		return fmt.Errorf("%s: no calibration of the SDNN's readings (run calibrate -model %[1]s first)", sdnnPath)
	}
	pairs := make([][]pairReading, len(parts))
	for k, p := range parts {
		samples, err := synth.Strings(p.digits, nStrings, seeds[k])
		if err != nil {
			return err
		}
		for _, s := range p.strings {
			sample := samples[s.sample]
			got, err := r.Read(sample.Image)
			if err != nil && !errors.Is(err, read.ErrLength) {
				return fmt.Errorf("%s string %q, read by the SDNN: %w", p.name, sample.Text, err)
			}
			pr := pairReading{segConf: c.Reading(s.g), segRight: s.right, tag: s.tag}
			pr.segText, pr.graph = s.text, s.g
			if err == nil {
				pr.sdnnConf, pr.sdnnRight, pr.sdnnText, pr.sdnnGraph = got.Confidence, got.Text == sample.Text, got.Text, got.Graph
			}
			pairs[k] = append(pairs[k], pr)
		}
	}
	fit, check := pairs[0], pairs[1]
	right := func(ps []pairReading, cand read.Calibration, tag string) int {
		n := 0
		for _, p := range ps {
			if tag != "" && p.tag != tag {
				continue
			}
			if p.switched(cand) && p.sdnnRight || !p.switched(cand) && p.segRight {
				n++
			}
		}
		return n
	}
	fmt.Fprintf(w, "\nsecond reader, the SDNN of %s: fit strings right by switch levels (segmenting reader alone: %d of %d)\n\n| sdnn_short_below | sdnn_below | fit strings right | switched |\n|---:|---:|---:|---:|\n",
		sdnnPath, right(fit, read.Calibration{}, ""), len(fit))
	best, bestRight := *c, -1
	for _, short := range secondShortBelows {
		for _, below := range secondBelows {
			l := *c
			l.SDNNBelow, l.SDNNShortBelow = below, short
			n, sw := right(fit, l, ""), 0
			for _, p := range fit {
				if p.switched(l) {
					sw++
				}
			}
			fmt.Fprintf(w, "| %.2f | %.2f | %d | %d |\n", short, below, n, sw)
			if n > bestRight {
				best, bestRight = l, n
			}
		}
	}
	conf, ok := map[int][]float64{}, map[int][]bool{}
	for _, p := range fit {
		switch k := p.caseAt(best); k {
		case switched:
			conf[k], ok[k] = append(conf[k], p.sdnnConf), append(ok[k], p.sdnnRight)
		case agreed, kept:
			conf[k], ok[k] = append(conf[k], p.segConf), append(ok[k], p.segRight)
		}
	}
	if len(conf[switched]) < 2*secondMinPerKnot {
		return fmt.Errorf("%s: only %d fit strings switched at sdnn_below %.2f, sdnn_short_below %.2f, too few to calibrate", sdnnPath, len(conf[switched]), best.SDNNBelow, best.SDNNShortBelow)
	}
	knots := func(k int) [][2]float64 {
		if len(conf[k]) < 2*secondMinPerKnot {
			return nil // too few to map: the confidence stays
		}
		return isotonicKnots(conf[k], ok[k], min(isotonicBins, len(conf[k])/secondMinPerKnot))
	}
	c.SDNNBelow, c.SDNNShortBelow = best.SDNNBelow, best.SDNNShortBelow
	c.SDNNIsotonic, c.SDNNAgreeIsotonic, c.SDNNKeptIsotonic = knots(switched), knots(agreed), knots(kept)
	c.SDNNNetwork = read.NetworkFingerprint(sdnn)
	fmt.Fprintf(w, "\nsdnn_below %.2f, sdnn_short_below %.2f; of the fit strings the SDNN was asked about, %d switched, %d agreed, %d kept; isotonic maps of %d, %d and %d knots\n\n",
		best.SDNNBelow, best.SDNNShortBelow, len(conf[switched]), len(conf[agreed]), len(conf[kept]), len(c.SDNNIsotonic), len(c.SDNNAgreeIsotonic), len(c.SDNNKeptIsotonic))

	// The check part: both readers against the segmenting one alone.
	final := func(p pairReading) (float64, bool) {
		switch p.caseAt(best) {
		case switched:
			return read.Calibration{Isotonic: c.SDNNIsotonic}.AfterLogistic(p.sdnnConf), p.sdnnRight
		case agreed:
			return read.Calibration{Isotonic: c.SDNNAgreeIsotonic}.AfterLogistic(p.segConf), p.segRight
		case kept:
			return read.Calibration{Isotonic: c.SDNNKeptIsotonic}.AfterLogistic(p.segConf), p.segRight
		}
		return p.segConf, p.segRight
	}
	fmt.Fprintf(w, "| check strings | segmenting reader: right | ECE | both readers: right | ECE |\n|---|---:|---:|---:|---:|\n")
	for _, tag := range []string{"", "apart", "close", "touching"} {
		var sc, bc []float64
		var sr, br []bool
		for _, p := range check {
			if tag != "" && p.tag != tag {
				continue
			}
			sc, sr = append(sc, p.segConf), append(sr, p.segRight)
			v, good := final(p)
			bc, br = append(bc, v), append(br, good)
		}
		name := tag
		if tag == "" {
			name = "all"
		}
		fmt.Fprintf(w, "| %s (%d) | %.2f%% | %.2f%% | %.2f%% | %.2f%% |\n", name, len(sc), 100*share(sr), 100*ece(sc, sr, nil), 100*share(br), 100*ece(bc, br, nil))
	}
	fmt.Fprintln(w)
	var fc, cc []float64
	var fr, cr []bool
	for _, p := range fit {
		v, good := final(p)
		fc, fr = append(fc, v), append(fr, good)
	}
	for _, p := range check {
		v, good := final(p)
		cc, cr = append(cc, v), append(cr, good)
	}
	reliability(w, "validation strings, both readers: P(reading right)", fc, fr, cc, cr)

	// The whole reader as shipped, on the check part's digits and
	// non-digits each read as an image: what the threshold rejects now.
	withSecond := *m
	withSecond.Meta = maps.Clone(m.Meta)
	withSecond.Meta[read.MetaCalibration] = c.JSON()
	both, err := read.NewWithSDNN(&withSecond, sdnn, read.Options{})
	if err != nil {
		return err
	}
	defer both.Close()
	check0 := parts[1]
	digits, err := readImages(both, digitPixels(check0.digits), digitTexts(check0.digits), nil)
	if err != nil {
		return err
	}
	nonDigits, err := readImages(both, nonDigitPixels(check0.nd), nil, kinds(check0.nd))
	if err != nil {
		return err
	}
	of := func(r reading) (string, float64, bool) { return r.tag, r.conf, r.right }
	dc, _ := tagged(digits, "", of)
	nc, _ := tagged(nonDigits, "", of)
	var kindsRejected []string
	for _, kind := range synth.Kinds {
		kc, _ := tagged(nonDigits, kind.String(), of)
		kindsRejected = append(kindsRejected, fmt.Sprintf("%s %.1f%%", kind, 100*rejected(kc, c.Threshold)))
	}
	fmt.Fprintf(w, "both readers, threshold %.4f: rejects %.2f%% of the check digits and %.2f%% of the check non-digits, each read as an image (by kind: %s)\n",
		c.Threshold, 100*rejected(dc, c.Threshold), 100*rejected(nc, c.Threshold), strings.Join(kindsRejected, ", "))
	return nil
}

// secondMinPerKnot is the least number of switched strings a knot of
// SDNNIsotonic stands for.
const secondMinPerKnot = 50

// share returns the share of true in b.
func share(b []bool) float64 {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return float64(n) / float64(max(len(b), 1))
}
