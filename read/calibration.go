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
// For one piece with RBF distances y, the digits and the rubbish class are
// a softmax at temperature T, the rubbish class at a fixed distance R (the
// MAP loss's j, refitted):
//
//	P(d) = e^(-y_d/T) / (e^(-R/T) + sum_i e^(-y_i/T)),   P(none) = e^(-R/T) / (the same sum)
//
// For a whole reading of digits d_1..d_n, a logistic map of the sum of
// their log probabilities, which also takes in what the pieces cannot see
// (a wrong segmentation of confident pieces):
//
//	P(reading right) = 1 / (1 + e^-(A + B * sum_k log P(d_k) + PerDigit * n))
//
// Threshold is the default rejection threshold chosen on validation.
type Calibration struct {
	Temperature float64 `json:"temperature"`
	Rubbish     float64 `json:"rubbish"`
	A           float64 `json:"a"`
	B           float64 `json:"b"`
	PerDigit    float64 `json:"per_digit"`
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
	case math.IsNaN(c.Rubbish) || math.IsInf(c.Rubbish, 0):
		return fmt.Errorf("rubbish distance %v must be finite", c.Rubbish)
	case math.IsNaN(c.A) || math.IsInf(c.A, 0) || !(c.B >= 0) || math.IsInf(c.B, 0) || math.IsNaN(c.PerDigit) || math.IsInf(c.PerDigit, 0):
		return fmt.Errorf("reading map a=%v, b=%v, per_digit=%v: all finite, b not negative", c.A, c.B, c.PerDigit)
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
	m := c.Rubbish
	for _, v := range y {
		m = math.Min(m, v)
	}
	den := math.Exp((m - c.Rubbish) / c.Temperature)
	for d, v := range y {
		s.Cost[d] = max(v, 0)
		s.Prob[d] = math.Exp((m - v) / c.Temperature)
		den += s.Prob[d]
	}
	for d := range s.Prob {
		s.Prob[d] /= den
	}
	s.None = math.Exp((m-c.Rubbish)/c.Temperature) / den
	s.MaxProb = 1
	return s
}

// Reading returns the calibrated confidence of a reading whose digits have
// the calibrated probabilities p.
func (c Calibration) Reading(p []float64) float64 {
	var logs float64
	for _, v := range p {
		logs += math.Log(max(v, 1e-300))
	}
	return 1 / (1 + math.Exp(-(c.A + c.B*logs + c.PerDigit*float64(len(p)))))
}
