package read

import (
	"math"
	"strings"
	"testing"
)

// oldCalibration is the calibration the reader's model shipped with before
// the second-distance and reading-prior terms (2026-12-04, commit a6dbbdd).
const oldCalibration = `{"temperature":5.941454813648363,"none_a":-8.679687680045795,"none_b":0.4037132123839708,"a":2.156494618719077,"b":0.9840345022819379,"per_digit":0.5649133373437112,"per_cut":-0.650633289786814,"per_merge":-0.9184482415956456,"threshold":0.6850220649093414,"fit":"validation split (cmd/train -validation 10000, seed 1): 10000 digits, 5000 synth non-digits (seed 220001), 3000 synth strings (seed 220003)"}`

// newCalibration has every field.
const newCalibration = `{"temperature":5.75,"none_a":-32.9,"none_b":0,"none_log_min":8.34,"none_log_second":1.32,"none_prior":0.05,"a":2.37,"b":0.61,"per_none":0.58,"none_shift":5.89,"per_digit":0.87,"per_cut":-1,"per_merge":-0.83,"threshold":0.4}`

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// testDistances are RBF distances of a few pieces: clear digits, doubtful
// ones, a non-digit.
var testDistances = [][]float64{
	{3, 60, 70, 80, 90, 100, 110, 120, 130, 140},
	{20, 25, 70, 80, 90, 100, 110, 120, 130, 140},
	{45, 50, 52, 60, 70, 75, 80, 90, 95, 99},
	{0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	{150, 160, 170, 180, 190, 200, 210, 220, 230, 240},
}

// graphOf returns a graph whose path is one piece per distances, with the
// cuts and merges given.
func graphOf(ys [][]float64, cutBefore []bool, span []int) *Graph {
	g := &Graph{}
	seg := 0
	for k, y := range ys {
		var p Piece
		copy(p.Scores.Cost[:], y)
		p.Digit = p.Scores.Best()
		p.From, p.To = seg, seg+span[k]
		for s := seg; s < p.To; s++ {
			g.Segments = append(g.Segments, Segment{Cut: s == seg && cutBefore[k]})
		}
		seg = p.To
		g.Pieces = append(g.Pieces, p)
		g.Path = append(g.Path, k)
	}
	return g
}

// A calibration without the newer fields gives what its formulas gave:
// P(none) of the smallest distance, the reading of the digits' log
// probabilities, their number, cuts and merges.
func TestOldCalibrationUnchanged(t *testing.T) {
	c, err := ParseCalibration(oldCalibration)
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range testDistances {
		s := c.Scores(y)
		m := y[0]
		for _, v := range y {
			m = math.Min(m, v)
		}
		none := sigmoid(c.NoneA + c.NoneB*m)
		if math.Abs(s.None-none) > 1e-15 {
			t.Errorf("%v: P(none) %v, want %v", y, s.None, none)
		}
		sum := s.None
		for _, p := range s.Prob {
			sum += p
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("%v: probabilities add up to %v", y, sum)
		}
	}
	g := graphOf(testDistances[:3], []bool{false, true, false}, []int{1, 1, 2})
	logs := 0.0
	for _, k := range g.Path {
		p := g.Pieces[k]
		logs += math.Log(c.Scores(p.Scores.Cost[:]).Prob[p.Digit])
	}
	want := sigmoid(c.A + c.B*logs + c.PerDigit*3 + c.PerCut*1 + c.PerMerge*1)
	if got := c.Reading(g); math.Abs(got-want) > 1e-14 {
		t.Errorf("reading %v, want %v", got, want)
	}
}

// The newer fields: P(none) of the two smallest distances and their
// logarithms, and the reading's own prior of non-digits.
func TestCalibrationFormulas(t *testing.T) {
	c, err := ParseCalibration(newCalibration)
	if err != nil {
		t.Fatal(err)
	}
	if c.JSON() == "" || c.NonePrior != 0.05 {
		t.Fatalf("parsed %+v", c)
	}
	z := func(y []float64) float64 {
		m1, m2 := math.Inf(1), math.Inf(1)
		for _, v := range y {
			if v < m1 {
				m1, m2 = v, m1
			} else if v < m2 {
				m2 = v
			}
		}
		return c.NoneA + c.NoneB*m1 + c.NoneLogMin*math.Log(1+m1) + c.NoneLogSecond*math.Log(1+m2)
	}
	for _, y := range testDistances {
		if got, want := c.NoneLogit(y), z(y); math.Abs(got-want) > 1e-9 {
			t.Errorf("%v: z %v, want %v", y, got, want)
		}
	}
	g := graphOf(testDistances[1:4], []bool{false, false, true}, []int{2, 1, 1})
	var logs, notNone float64
	for _, k := range g.Path {
		p := g.Pieces[k]
		logs += math.Log(c.Scores(p.Scores.Cost[:]).Prob[p.Digit])
		notNone += math.Log(1 - sigmoid(z(p.Scores.Cost[:])+c.NoneShift))
	}
	f := c.Features(g)
	if f.Digits != 3 || f.Cuts != 1 || f.Merges != 1 || math.Abs(f.LogProb-logs) > 1e-9 || math.Abs(f.LogNotNone-notNone) > 1e-9 {
		t.Errorf("features %+v, want 3 digits, 1 cut, 1 merge, log P %v, log not none %v", f, logs, notNone)
	}
	want := sigmoid(c.A + c.B*logs + c.PerNone*notNone + c.PerDigit*3 + c.PerCut + c.PerMerge)
	if got := c.Reading(g); math.Abs(got-want) > 1e-12 {
		t.Errorf("reading %v, want %v", got, want)
	}
	// A piece far from every digit is no digit, and the reading that holds
	// it is not trusted.
	if s := c.Scores(testDistances[4]); s.None < 0.99 {
		t.Errorf("P(none) of a far piece %v", s.None)
	}
	if r := c.Reading(graphOf(testDistances[:1], []bool{false}, []int{1})); !(r > c.Threshold) {
		t.Errorf("a clear digit's reading %v, below the threshold %v", r, c.Threshold)
	}
	if r := c.Reading(graphOf(testDistances[4:], []bool{false}, []int{1})); !(r < c.Threshold) {
		t.Errorf("a non-digit's reading %v, above the threshold %v", r, c.Threshold)
	}
}

// The rival gap adds PerRival per unit to the logistic's argument, and
// the isotonic map bends its output: flat outside its knots, linear
// between them, a calibration without knots unchanged.
func TestCalibrationRivalAndIsotonic(t *testing.T) {
	c, err := ParseCalibration(newCalibration)
	if err != nil {
		t.Fatal(err)
	}
	g := graphOf(testDistances[1:3], []bool{false, true}, []int{1, 1})
	base := c.Reading(g)
	c.PerRival, g.RivalGap = 0.5, 2
	logit := func(p float64) float64 { return math.Log(p / (1 - p)) }
	if got := logit(c.Reading(g)) - logit(base); math.Abs(got-1) > 1e-9 {
		t.Errorf("a rival gap of 2 at 0.5 a unit moved the logit by %v, want 1", got)
	}
	g.RivalGap = 50 // capped at MaxRivalGap
	if got := logit(c.Reading(g)) - logit(base); math.Abs(got-0.5*MaxRivalGap) > 1e-9 {
		t.Errorf("a rival gap of 50 moved the logit by %v, want %v", got, 0.5*MaxRivalGap)
	}
	c.Isotonic = [][2]float64{{0.1, 0.05}, {0.5, 0.3}, {0.9, 0.95}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ p, want float64 }{
		{0, 0.05}, {0.1, 0.05}, {0.3, 0.175}, {0.5, 0.3}, {0.7, 0.625}, {0.9, 0.95}, {1, 0.95},
	} {
		if got := c.AfterLogistic(tc.p); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("AfterLogistic(%v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	c.Isotonic = nil
	if got := c.AfterLogistic(0.37); got != 0.37 {
		t.Errorf("without knots AfterLogistic(0.37) = %v", got)
	}
}

func TestParseCalibrationRejects(t *testing.T) {
	for _, s := range []string{
		``,
		`[]`,
		`{"temperature":0}`,
		`{"temperature":-1}`,
		`{"temperature":1,"none_prior":1}`,
		`{"temperature":1,"none_prior":-0.1}`,
		`{"temperature":1,"b":-1}`,
		`{"temperature":1,"per_none":-1}`,
		`{"temperature":1,"threshold":1.5}`,
		`{"temperature":1,"none_log_min":1e400}`,
		`{"temperature":1,"none_log_second":2e6}`,
		`{"temperature":1,"none_b":-0.1}`,
		`{"temperature":1,"none_log_min":-0.1}`,
		`{"temperature":1,"none_log_second":-0.1}`,
		`{"temperature":1e7}`,
		`{"temperature":1,"per_rival":-0.1}`,
		`{"temperature":1,"digit_threshold":1.5}`,
		`{"temperature":1,"digit_threshold":-0.5}`,
		`{"temperature":1,"isotonic":[[0.5,0.4],[0.4,0.6]]}`,
		`{"temperature":1,"isotonic":[[0.4,0.6],[0.5,0.4]]}`,
		`{"temperature":1,"isotonic":[[0.4,1.2]]}`,
		`{"temperature":1,"isotonic":[[-0.1,0.2]]}`,
		`{"temperature":1,"isotonic":[` + strings.Repeat(`[0.5,0.5],`, MaxIsotonicKnots) + `[0.6,0.6]]}`,
		`{"temperature":1,"fit":"` + strings.Repeat("x", MaxCalibrationJSON) + `"}`,
		`{"temperature":1,"sdnn_below":0.5}`,
		`{"temperature":1,"sdnn_below":0.5,"sdnn_network":"ab"}`,
		`{"temperature":1,"sdnn_below":1.5,"sdnn_network":"ab","sdnn_isotonic":[[0.1,0.2]]}`,
		`{"temperature":1,"sdnn_network":"ab","sdnn_isotonic":[[0.1,0.2]]}`,
		`{"temperature":1,"sdnn_below":0.5,"sdnn_network":"ab","sdnn_isotonic":[[0.1,0.2],[0.05,0.3]]}`,
		`{"temperature":1,"sdnn_below":0.5,"sdnn_network":"ab","sdnn_isotonic":[[0.1,0.2]],"sdnn_agree_isotonic":[[0.1,1.2]]}`,
		`{"temperature":1,"sdnn_below":0.5,"sdnn_network":"ab","sdnn_isotonic":[[0.1,0.2]],"sdnn_kept_isotonic":[[0.1,0.3],[0.2,0.1]]}`,
		`{"temperature":1,"sdnn_below":0.5,"sdnn_network":"` + strings.Repeat("a", 129) + `","sdnn_isotonic":[[0.1,0.2]]}`,
		`{"temperature":1,"sdnn_below":0.5,"sdnn_short_below":1.5,"sdnn_network":"ab","sdnn_isotonic":[[0.1,0.2]]}`,
		`{"temperature":1,"sdnn_short_below":0.5}`,
	} {
		if c, err := ParseCalibration(s); err == nil {
			t.Errorf("%.80q: parsed as %+v, want an error", s, c)
		}
	}
	if _, err := ParseCalibration(`{"temperature":1}`); err != nil {
		t.Errorf("the least calibration: %v", err)
	}
	if _, err := ParseCalibration(`{"temperature":1,"sdnn_below":0.5,"sdnn_network":"ab","sdnn_isotonic":[[0.1,0.2]]}`); err != nil {
		t.Errorf("the least calibration with a second reader: %v", err)
	}
	if _, err := ParseCalibration(`{"temperature":1,"sdnn_below":0.5,"sdnn_short_below":0.9,"sdnn_network":"ab","sdnn_isotonic":[[0.1,0.2]]}`); err != nil {
		t.Errorf("a second reader for short lines too: %v", err)
	}
}

// FuzzParseCalibration parses the fuzzer's JSON: it must not panic, and a
// calibration it accepts must give probabilities (P(none) and P(d) adding
// up to 1) and a reading's confidence in [0, 1], never NaN.
func FuzzParseCalibration(f *testing.F) {
	f.Add(oldCalibration)
	f.Add(newCalibration)
	f.Add(`{"temperature":1e-300,"none_a":-1e6,"none_log_min":1e6,"b":1e6,"per_none":1e6,"none_shift":-1e6}`)
	f.Add(`{"temperature":1e6,"none_b":1e6,"none_log_second":1e6,"a":-1e6,"per_digit":1e6}`)
	f.Add(`{"temperature":6.5,"per_rival":0.12,"isotonic":[[0.001,0.01],[0.3,0.25],[0.99,0.98]],"digit_threshold":0.71}`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCalibration(s)
		if err != nil {
			return
		}
		for _, y := range testDistances {
			sc := c.Scores(y)
			sum := sc.None
			for _, p := range sc.Prob {
				if !(p >= 0 && p <= 1) {
					t.Fatalf("%s: %v: P(d) %v", s, y, p)
				}
				sum += p
			}
			if !(sc.None >= 0 && sc.None <= 1) || !(math.Abs(sum-1) < 1e-9) {
				t.Fatalf("%s: %v: P(none) %v, sum %v", s, y, sc.None, sum)
			}
		}
		g := graphOf(testDistances, make([]bool, len(testDistances)), []int{1, 1, 1, 1, 1})
		for _, gap := range []float64{0, 3, MaxRivalGap} {
			g.RivalGap = gap
			if r := c.Reading(g); !(r >= 0 && r <= 1) {
				t.Fatalf("%s: reading %v with rival gap %v", s, r, gap)
			}
		}
		if d, p, _ := c.Digit(c.Scores(testDistances[0])); d != 0 || !(p >= 0 && p <= 1) {
			t.Fatalf("%s: Digit %d, P %v", s, d, p)
		}
	})
}
