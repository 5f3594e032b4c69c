package read

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"github.com/lenet5-go/lenet5/modelfile"
)

// MetaCalibration is the model-file metadata key that holds a model's
// Calibration, as JSON (scripts/calibrate writes it).
const MetaCalibration = "calibration"

// MaxCalibrationJSON bounds the size of the JSON CalibrationOf accepts: the
// metadata comes from a file, and a Calibration is a few hundred bytes.
const MaxCalibrationJSON = 16 << 10

// MaxCoefficient bounds the magnitude of every number of a Calibration
// (fitted ones are below 100), so that no sum of them and of finite
// distances overflows into a NaN confidence.
const MaxCoefficient = 1e6

// Calibration turns a model's outputs into confidences that mean the
// probability of being right, fitted on a validation split (never the test
// set) by scripts/calibrate.
//
// For one piece with RBF distances y, the smallest y(1) and the second
// smallest y(2), whether it is a digit at all and which digit it is are
// calibrated apart, so that neither the non-digits bend the digits'
// probabilities nor the reverse: a logistic map z of the two smallest
// distances for "no digit", and a softmax at temperature T for the digit:
//
//	z       = NoneA + NoneB y(1) + NoneLogMin ln(1 + y(1)) + NoneLogSecond ln(1 + y(2))
//	P(none) = 1 / (1 + e^-z)
//	P(d)    = (1 - P(none)) * e^(-y_d/T) / sum_i e^(-y_i/T)
//
// NoneB, NoneLogMin and NoneLogSecond are not negative, so that a piece
// farther from the digits is never more likely one. P(none) depends on how
// common non-digits are among the pieces: the map is fitted for a share
// NonePrior of them (recorded; NoneA holds it).
//
// For a whole reading of digits d_1..d_n: a logistic map, fitted on
// validation strings, which takes in what the pieces cannot see (a wrong
// segmentation of confident pieces):
//
//	P(reading right) = 1 / (1 + e^-(A + B * sum_k ln P(d_k) + PerNone * sum_k ln(1 - 1/(1 + e^-(z_k + NoneShift)))
//	                              + PerDigit * n + PerCut * cuts + PerMerge * merges + PerRival * gap))
//
// where z_k is piece k's z, cuts counts the boundaries between the
// reading's digits that lie on a cut through ink (touching digits), and
// merges the digits made of more than one segment, and gap the graph's
// RivalGap (how much dearer a path of another length is). The PerNone term is the
// reading's own view of each digit's doubt of being one: P(none) at another
// prior (NoneShift is the difference of the two priors' log-odds), fitted
// with the rest of the map, so that the pieces' P(none) can assume few
// non-digits while the reading still weighs a doubtful piece strongly.
//
// A calibration without PerRival (files before the path took P(none)) has
// no gap term. A calibration without the newer fields (NoneLogMin,
// NoneLogSecond, PerNone: all zero) is the older map, of the smallest distance and of the
// digits' probabilities alone.
//
// Threshold is the default rejection threshold chosen on validation.
type Calibration struct {
	Temperature   float64 `json:"temperature"`
	NoneA         float64 `json:"none_a"`
	NoneB         float64 `json:"none_b"`
	NoneLogMin    float64 `json:"none_log_min,omitempty"`
	NoneLogSecond float64 `json:"none_log_second,omitempty"`
	// NonePrior is the share of non-digits among the pieces the P(none)
	// map was fitted for, for the record (0: not recorded).
	NonePrior float64 `json:"none_prior,omitempty"`
	A         float64 `json:"a"`
	B         float64 `json:"b"`
	PerNone   float64 `json:"per_none,omitempty"`
	NoneShift float64 `json:"none_shift,omitempty"`
	PerDigit  float64 `json:"per_digit"`
	PerCut    float64 `json:"per_cut"`
	PerMerge  float64 `json:"per_merge"`
	PerRival  float64 `json:"per_rival,omitempty"`
	// Isotonic, when not empty, maps the logistic's output p on to the
	// reading's confidence: knots [p, confidence], p increasing,
	// confidence not decreasing, linear between them and flat beyond,
	// fitted on the validation strings after the logistic (pool adjacent
	// violators over bins of equal count). It corrects what a logistic
	// cannot: the path chooses the pieces that look least like
	// non-digits, so its features look better than the reading is.
	Isotonic [][2]float64 `json:"isotonic,omitempty"`
	// DigitThreshold is the top P(d) below which a whole image taken as
	// one digit (infer -digit with this model) is rejected: the largest
	// that rejects at most 1% of the validation digits (0: none).
	DigitThreshold float64 `json:"digit_threshold,omitempty"`
	Threshold      float64 `json:"threshold"`
	// The SDNN as a second reader (NewWithSDNN): a reading whose
	// confidence is below SDNNBelow is read again by the SDNN network
	// whose weights have the fingerprint SDNNNetwork (NetworkFingerprint).
	// The SDNN's reading is taken when it differs and its own calibrated
	// confidence is the higher, with SDNNIsotonic's map of that
	// confidence; when the SDNN reads the same text, the reading keeps its
	// own with SDNNAgreeIsotonic's map of its confidence, and otherwise
	// with SDNNKeptIsotonic's (each fitted on the validation strings of
	// its case; an empty map leaves the confidence as it is). SDNNBelow
	// 0: no second reader. SDNNBelow applies to the lines whose
	// segmentation cut touching digits (Touching), SDNNShortBelow to
	// those it read as one or two digits without such cuts, where two
	// digits touching so closely that they were not cut were read as one
	// (SDNNAsks; 0: such lines are not read again).
	SDNNBelow         float64      `json:"sdnn_below,omitempty"`
	SDNNShortBelow    float64      `json:"sdnn_short_below,omitempty"`
	SDNNIsotonic      [][2]float64 `json:"sdnn_isotonic,omitempty"`
	SDNNAgreeIsotonic [][2]float64 `json:"sdnn_agree_isotonic,omitempty"`
	SDNNKeptIsotonic  [][2]float64 `json:"sdnn_kept_isotonic,omitempty"`
	SDNNNetwork       string       `json:"sdnn_network,omitempty"`
	// Fit says what it was fitted on, for the record.
	Fit string `json:"fit,omitempty"`
}

// CalibrationOf returns the calibration in m's metadata; ok is false when
// it has none. The metadata must be at most MaxCalibrationJSON bytes.
func CalibrationOf(m *modelfile.Model) (c Calibration, ok bool, err error) {
	return metaCalibration[Calibration](m, MetaCalibration)
}

// metaCalibration returns the T in m's metadata under key; ok is false
// when there is none.
func metaCalibration[T interface{ Validate() error }](m *modelfile.Model, key string) (c T, ok bool, err error) {
	s, ok := m.Meta[key]
	if !ok {
		return c, false, nil
	}
	if c, err = parseValidated[T](s); err != nil {
		var zero T
		return zero, false, fmt.Errorf("read: %s: metadata %q: %w", m.File, key, err)
	}
	return c, true, nil
}

// ParseCalibration parses and validates a calibration's JSON, at most
// MaxCalibrationJSON bytes.
func ParseCalibration(s string) (Calibration, error) {
	return parseValidated[Calibration](s)
}

// parseValidated parses JSON of at most MaxCalibrationJSON bytes into a T
// and validates it.
func parseValidated[T interface{ Validate() error }](s string) (T, error) {
	var c, zero T
	if len(s) > MaxCalibrationJSON {
		return zero, fmt.Errorf("%d bytes, more than %d", len(s), MaxCalibrationJSON)
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return zero, err
	}
	if err := c.Validate(); err != nil {
		return zero, err
	}
	return c, nil
}

// Validate checks that the calibration can be used.
func (c Calibration) Validate() error {
	bounded := func(vs ...float64) bool {
		for _, v := range vs {
			if !(math.Abs(v) <= MaxCoefficient) { // NaN too
				return false
			}
		}
		return true
	}
	switch {
	case !(c.Temperature > 0) || !bounded(c.Temperature):
		return fmt.Errorf("temperature %v must be positive and at most %g", c.Temperature, MaxCoefficient)
	case !bounded(c.NoneA, c.NoneB, c.NoneLogMin, c.NoneLogSecond) || c.NoneB < 0 || c.NoneLogMin < 0 || c.NoneLogSecond < 0:
		return fmt.Errorf("no-digit map none_a=%v, none_b=%v, none_log_min=%v, none_log_second=%v: each at most %g in magnitude, the last three not negative",
			c.NoneA, c.NoneB, c.NoneLogMin, c.NoneLogSecond, MaxCoefficient)
	case !(c.NonePrior >= 0 && c.NonePrior < 1):
		return fmt.Errorf("none_prior %v outside [0, 1)", c.NonePrior)
	case !bounded(c.A, c.B, c.PerNone, c.NoneShift, c.PerDigit, c.PerCut, c.PerMerge, c.PerRival) || c.B < 0 || c.PerNone < 0 || c.PerRival < 0:
		return fmt.Errorf("reading map a=%v, b=%v, per_none=%v, none_shift=%v, per_digit=%v, per_cut=%v, per_merge=%v, per_rival=%v: each at most %g in magnitude, b, per_none and per_rival not negative",
			c.A, c.B, c.PerNone, c.NoneShift, c.PerDigit, c.PerCut, c.PerMerge, c.PerRival, MaxCoefficient)
	case !isotonicOK(c.Isotonic):
		return fmt.Errorf("isotonic map %v: at most %d knots in [0, 1], the first coordinates increasing, the second not decreasing", c.Isotonic, MaxIsotonicKnots)
	case !(c.Threshold >= 0 && c.Threshold <= 1):
		return fmt.Errorf("threshold %v outside [0, 1]", c.Threshold)
	case !(c.DigitThreshold >= 0 && c.DigitThreshold <= 1):
		return fmt.Errorf("digit_threshold %v outside [0, 1]", c.DigitThreshold)
	case !(c.SDNNShortBelow >= 0 && c.SDNNShortBelow <= 1) || (c.SDNNShortBelow > 0 && c.SDNNBelow == 0):
		return fmt.Errorf("sdnn_short_below %v: in [0, 1], and 0 without sdnn_below", c.SDNNShortBelow)
	case !(c.SDNNBelow >= 0 && c.SDNNBelow <= 1) || !isotonicOK(c.SDNNIsotonic) || !isotonicOK(c.SDNNAgreeIsotonic) ||
		!isotonicOK(c.SDNNKeptIsotonic) || len(c.SDNNNetwork) > 128 || (c.SDNNBelow > 0) != (c.SDNNNetwork != "" && len(c.SDNNIsotonic) > 0):
		return fmt.Errorf("second reader sdnn_below=%v, sdnn_network=%.140q and its isotonic maps: sdnn_below in [0, 1], valid maps, a fingerprint of at most 128 bytes; sdnn_below, sdnn_isotonic and sdnn_network all set or none", c.SDNNBelow, c.SDNNNetwork)
	}
	return nil
}

// isotonicOK reports whether knots make a valid Isotonic map.
func isotonicOK(knots [][2]float64) bool {
	if len(knots) > MaxIsotonicKnots {
		return false
	}
	for i, k := range knots {
		if !(k[0] >= 0 && k[0] <= 1 && k[1] >= 0 && k[1] <= 1) {
			return false
		}
		if i > 0 && !(k[0] > knots[i-1][0] && k[1] >= knots[i-1][1]) {
			return false
		}
	}
	return true
}

// JSON returns the calibration as the metadata value.
func (c Calibration) JSON() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// twoSmallest returns the smallest and the second smallest of y (the
// smallest twice if y has one value).
func twoSmallest(y []float64) (m1, m2 float64) {
	m1, m2 = math.Inf(1), math.Inf(1)
	for _, v := range y {
		switch {
		case v < m1:
			m1, m2 = v, m1
		case v < m2:
			m2 = v
		}
	}
	if len(y) == 1 {
		m2 = m1
	}
	return m1, m2
}

// NoneLogit returns z, the log-odds that a piece with RBF distances y is no
// digit (see Calibration).
func (c Calibration) NoneLogit(y []float64) float64 {
	m1, m2 := twoSmallest(y)
	z := c.NoneA + c.NoneB*m1
	// The newer terms only when set, so that an older calibration gives
	// exactly what it gave.
	if c.NoneLogMin != 0 {
		z += c.NoneLogMin * math.Log1p(max(m1, 0))
	}
	if c.NoneLogSecond != 0 {
		z += c.NoneLogSecond * math.Log1p(max(m2, 0))
	}
	return z
}

// Scores returns the calibrated Scores of one piece with RBF distances y.
func (c Calibration) Scores(y []float64) Scores {
	var s Scores
	m := math.Inf(1)
	for _, v := range y {
		m = math.Min(m, v)
	}
	s.None = 1 / (1 + math.Exp(-c.NoneLogit(y)))
	den := 0.0
	for d, v := range y {
		s.Cost[d] = max(v, 0)
		s.Prob[d] = math.Exp((m - v) / c.Temperature)
		den += s.Prob[d]
	}
	for d := range s.Prob {
		s.Prob[d] *= (1 - s.None) / den
	}
	s.MaxProb = 1
	return s
}

// logOneMinusSigmoid returns ln(1 - 1/(1 + e^-z)) = -ln(1 + e^z), without
// overflow.
func logOneMinusSigmoid(z float64) float64 {
	return -(max(z, 0) + math.Log1p(math.Exp(-math.Abs(z))))
}

// ReadingFeatures are what the reading map takes of a reading.
type ReadingFeatures struct {
	// LogProb is the sum of the digits' ln P(d).
	LogProb float64
	// LogNotNone is the sum of the digits' ln(1 - P(none)) at the
	// reading's prior (z + NoneShift).
	LogNotNone float64
	// Digits, Cuts and Merges count the digits, the boundaries between
	// them on cuts through ink, and the digits of more than one segment.
	Digits, Cuts, Merges int
	// RivalGap is the graph's (Graph.RivalGap).
	RivalGap float64
}

// Features returns the reading map's features of the reading along g's
// path, from its pieces' distances (Scores.Cost, the RBF distances).
func (c Calibration) Features(g *Graph) ReadingFeatures {
	var f ReadingFeatures
	f.Cuts, f.Merges = PathCounts(g)
	f.RivalGap = min(max(g.RivalGap, 0), MaxRivalGap)
	for _, k := range g.Path {
		p := &g.Pieces[k]
		s := c.Scores(p.Scores.Cost[:])
		f.LogProb += math.Log(max(s.Prob[p.Digit], 1e-300))
		f.LogNotNone += logOneMinusSigmoid(c.NoneLogit(p.Scores.Cost[:]) + c.NoneShift)
		f.Digits++
	}
	return f
}

// Confidence returns the reading map's P(reading right) of features f.
func (c Calibration) Confidence(f ReadingFeatures) float64 {
	z := c.A + c.B*f.LogProb + c.PerDigit*float64(f.Digits) + c.PerCut*float64(f.Cuts) + c.PerMerge*float64(f.Merges)
	if c.PerNone != 0 {
		z += c.PerNone * f.LogNotNone
	}
	z += c.PerRival * f.RivalGap // 0 for calibrations without it: the gap is finite
	return c.AfterLogistic(1 / (1 + math.Exp(-z)))
}

// MaxIsotonicKnots bounds Calibration.Isotonic.
const MaxIsotonicKnots = 64

// AfterLogistic applies the Isotonic map to the logistic's output p (p
// itself without one).
func (c Calibration) AfterLogistic(p float64) float64 {
	k := c.Isotonic
	switch {
	case len(k) == 0:
		return p
	case p <= k[0][0]:
		return k[0][1]
	case p >= k[len(k)-1][0]:
		return k[len(k)-1][1]
	}
	i := sort.Search(len(k), func(i int) bool { return k[i][0] >= p }) // k[i-1][0] < p <= k[i][0]
	a, b := k[i-1], k[i]
	return a[1] + (b[1]-a[1])*(p-a[0])/(b[0]-a[0])
}

// Digit returns the digit a whole image taken as one digit holds, from its
// calibrated Scores s, its probability P(d) and whether DigitThreshold
// rejects it.
func (c Calibration) Digit(s Scores) (digit int, p float64, rejected bool) {
	d := s.Best()
	return d, s.Prob[d], s.Prob[d] < c.DigitThreshold
}

// Reading returns the calibrated confidence of the reading along g's path:
// Confidence(Features(g)). The pieces' Scores.Cost must be the RBF
// distances (what a ModelScorer gives for an RBF model).
func (c Calibration) Reading(g *Graph) float64 {
	return c.Confidence(c.Features(g))
}

// PathCounts returns what Reading needs of a reading's path besides its
// digits: the boundaries between its digits that lie on a cut through ink,
// and its digits made of more than one segment.
func PathCounts(g *Graph) (cuts, merges int) {
	for k, i := range g.Path {
		p := g.Pieces[i]
		if p.To-p.From > 1 {
			merges++
		}
		if k > 0 && p.From < len(g.Segments) && g.Segments[p.From].Cut {
			cuts++
		}
	}
	return cuts, merges
}
