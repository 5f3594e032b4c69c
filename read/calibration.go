package read

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/lenet5-go/lenet5/modelfile"
)

// MetaCalibration is the model-file metadata key that holds a model's
// Calibration, as JSON (scripts/calibrate writes it).
const MetaCalibration = "calibration"

// Calibration turns a model's outputs into confidences that mean the
// probability of being right, fitted on a validation split (never the test
// set) by scripts/calibrate.
//
// For one piece with RBF distances y, whether it is a digit at all and
// which digit it is are calibrated apart, so that neither the non-digits
// bend the digits' probabilities nor the reverse: a logistic map of the
// smallest distance for "no digit", and a softmax at temperature T for the
// digit:
//
//	P(none) = 1 / (1 + e^-(NoneA + NoneB * min_i y_i))
//	P(d)    = (1 - P(none)) * e^(-y_d/T) / sum_i e^(-y_i/T)
//
// For a whole reading of digits d_1..d_n: a logistic map, fitted on
// validation strings, of the sum of the digits' log probabilities and of
// their number, which takes in what the pieces cannot see (a wrong
// segmentation of confident pieces):
//
//	P(reading right) = 1 / (1 + e^-(A + B * sum_k log P(d_k) + PerDigit * n + PerCut * cuts + PerMerge * merges))
//
// where cuts counts the boundaries between the reading's digits that lie on
// a cut through ink (touching digits), and merges the digits made of more
// than one segment.
//
// (Capping it at the least digit-like piece's 1 - P(none), so that a lone
// piece that is probably no digit is not trusted, was tried: the strings'
// ECE went from 2.6% to 6.9% with the shipped reader's model.)
//
// Threshold is the default rejection threshold chosen on validation.
type Calibration struct {
	Temperature float64 `json:"temperature"`
	NoneA       float64 `json:"none_a"`
	NoneB       float64 `json:"none_b"`
	A           float64 `json:"a"`
	B           float64 `json:"b"`
	PerDigit    float64 `json:"per_digit"`
	PerCut      float64 `json:"per_cut"`
	PerMerge    float64 `json:"per_merge"`
	Threshold   float64 `json:"threshold"`
	// Fit says what it was fitted on, for the record.
	Fit string `json:"fit,omitempty"`
}

// CalibrationOf returns the calibration in m's metadata; ok is false when
// it has none.
func CalibrationOf(m *modelfile.Model) (c Calibration, ok bool, err error) {
	s, ok := m.Meta[MetaCalibration]
	if !ok {
		return Calibration{}, false, nil
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return Calibration{}, false, fmt.Errorf("read: %s: metadata %q: %w", m.File, MetaCalibration, err)
	}
	if err := c.Validate(); err != nil {
		return Calibration{}, false, fmt.Errorf("read: %s: metadata %q: %w", m.File, MetaCalibration, err)
	}
	return c, true, nil
}

// Validate checks that the calibration can be used.
func (c Calibration) Validate() error {
	switch {
	case !(c.Temperature > 0) || math.IsInf(c.Temperature, 0):
		return fmt.Errorf("temperature %v must be positive and finite", c.Temperature)
	case math.IsNaN(c.NoneA) || math.IsInf(c.NoneA, 0) || math.IsNaN(c.NoneB) || math.IsInf(c.NoneB, 0):
		return fmt.Errorf("no-digit map none_a=%v, none_b=%v: both must be finite", c.NoneA, c.NoneB)
	case math.IsNaN(c.A) || math.IsInf(c.A, 0) || !(c.B >= 0) || math.IsInf(c.B, 0) || math.IsNaN(c.PerDigit) || math.IsInf(c.PerDigit, 0) ||
		math.IsNaN(c.PerCut) || math.IsInf(c.PerCut, 0) || math.IsNaN(c.PerMerge) || math.IsInf(c.PerMerge, 0):
		return fmt.Errorf("reading map a=%v, b=%v, per_digit=%v, per_cut=%v, per_merge=%v: all finite, b not negative", c.A, c.B, c.PerDigit, c.PerCut, c.PerMerge)
	case !(c.Threshold >= 0 && c.Threshold <= 1):
		return fmt.Errorf("threshold %v outside [0, 1]", c.Threshold)
	}
	return nil
}

// JSON returns the calibration as the metadata value.
func (c Calibration) JSON() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// Scores returns the calibrated Scores of one piece with RBF distances y.
func (c Calibration) Scores(y []float64) Scores {
	var s Scores
	m := math.Inf(1)
	for _, v := range y {
		m = math.Min(m, v)
	}
	s.None = 1 / (1 + math.Exp(-(c.NoneA + c.NoneB*m)))
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

// Reading returns the calibrated confidence of a reading whose digits have
// the calibrated probabilities p, with cuts boundaries between them on cuts
// through ink and merges digits of more than one segment.
func (c Calibration) Reading(p []float64, cuts, merges int) float64 {
	var logs float64
	for _, v := range p {
		logs += math.Log(max(v, 1e-300))
	}
	return 1 / (1 + math.Exp(-(c.A + c.B*logs + c.PerDigit*float64(len(p)) + c.PerCut*float64(cuts) + c.PerMerge*float64(merges))))
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
