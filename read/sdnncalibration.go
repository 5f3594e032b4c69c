package read

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/lenet5-go/lenet5/modelfile"
)

// MetaSDNNCalibration is the model-file metadata key that holds an SDNN
// network's SDNNCalibration, as JSON (scripts/calibrate writes it).
const MetaSDNNCalibration = "sdnn_calibration"

// SDNNCalibration maps an SDNN reading (NewSDNN) to the probability that it
// is right, fitted on validation strings by scripts/calibrate: a logistic
// map of the reading's SDNNFeatures x, then an isotonic map:
//
//	P(reading right) = Isotonic(1 / (1 + e^-(Weights . x)))
//
// and 0 for a reading of no digits. The digits' own confidences stay the
// network's posteriors: only the reading's is calibrated. Threshold is the
// default rejection threshold chosen on validation.
type SDNNCalibration struct {
	Weights []float64 `json:"weights"`
	// Isotonic maps the logistic's output as Calibration.Isotonic does.
	Isotonic  [][2]float64 `json:"isotonic,omitempty"`
	Threshold float64      `json:"threshold"`
	// Fit says what it was fitted on, for the record.
	Fit string `json:"fit,omitempty"`
}

// SDNNFeatureCount is the length of SDNNFeatures' vector.
const SDNNFeatureCount = 7

// sdnnUnsure is the probability below which a window's most probable
// label counts as unsure (SDNNFeatures).
const sdnnUnsure = 0.9

// SDNNFeatures returns what the SDNN's reading map takes of reading r:
// 1; the sum of its digits' ln Digit.Confidence (each at least 1e-300);
// their number; the sum of ln(1 + y_k), y_k the RBF distance of digit k's
// peak window to that digit; the labels' cost per window (Graph.Cost over
// the windows); and how many windows' most probable label, a digit or
// none, has a probability below 0.9; and the share of the scales the line
// was read at whose own best reading it is (Graph.Agree of 3). r must be an
// SDNN reading (its Graph's pieces the windows, its Path the digits' peak
// windows).
func SDNNFeatures(r *Reading) []float64 {
	x := make([]float64, SDNNFeatureCount)
	x[0] = 1
	g := r.Graph
	for k, d := range r.Digits {
		x[1] += math.Log(max(d.Confidence, 1e-300))
		if g != nil && k < len(g.Path) && g.Path[k] < len(g.Pieces) {
			x[3] += math.Log1p(max(g.Pieces[g.Path[k]].Scores.Cost[d.Digit], 0))
		}
	}
	x[2] = float64(len(r.Digits))
	if g != nil && len(g.Pieces) > 0 {
		x[4] = g.Cost / float64(len(g.Pieces))
		for _, p := range g.Pieces {
			top := p.Scores.None
			for _, v := range p.Scores.Prob {
				top = max(top, v)
			}
			if top < sdnnUnsure {
				x[5]++
			}
		}
		x[6] = float64(g.Agree) / float64(len(sdnnScales))
	}
	return x
}

// SDNNCalibrationOf returns the SDNN calibration in m's metadata; ok is
// false when it has none. The metadata must be at most
// MaxCalibrationJSON bytes.
func SDNNCalibrationOf(m *modelfile.Model) (c SDNNCalibration, ok bool, err error) {
	return metaCalibration[SDNNCalibration](m, MetaSDNNCalibration)
}

// ParseSDNNCalibration parses and validates an SDNN calibration's JSON, at
// most MaxCalibrationJSON bytes.
func ParseSDNNCalibration(s string) (SDNNCalibration, error) {
	return parseValidated[SDNNCalibration](s)
}

// Validate checks that the calibration can be used.
func (c SDNNCalibration) Validate() error {
	if len(c.Weights) != SDNNFeatureCount {
		return fmt.Errorf("%d weights, want %d", len(c.Weights), SDNNFeatureCount)
	}
	for _, v := range c.Weights {
		if !(math.Abs(v) <= MaxCoefficient) {
			return fmt.Errorf("weights %v: each at most %g in magnitude", c.Weights, MaxCoefficient)
		}
	}
	switch {
	case !isotonicOK(c.Isotonic):
		return fmt.Errorf("isotonic map %v: at most %d knots in [0, 1], the first coordinates increasing, the second not decreasing", c.Isotonic, MaxIsotonicKnots)
	case !(c.Threshold >= 0 && c.Threshold <= 1):
		return fmt.Errorf("threshold %v outside [0, 1]", c.Threshold)
	}
	return nil
}

// JSON returns the calibration as the metadata value.
func (c SDNNCalibration) JSON() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// Logistic returns the logistic map's output for features x (of
// SDNNFeatures), before the isotonic map.
func (c SDNNCalibration) Logistic(x []float64) float64 {
	z := 0.0
	for i, v := range x {
		z += c.Weights[i] * v
	}
	return 1 / (1 + math.Exp(-z))
}

// FromFeatures returns the calibrated probability that a reading with
// features x (of SDNNFeatures) is right; 0 for no digits.
func (c SDNNCalibration) FromFeatures(x []float64) float64 {
	if x[2] == 0 {
		return 0
	}
	return Calibration{Isotonic: c.Isotonic}.AfterLogistic(c.Logistic(x))
}

// Confidence returns the calibrated probability that the SDNN reading r is
// right; 0 for no digits.
func (c SDNNCalibration) Confidence(r *Reading) float64 {
	return c.FromFeatures(SDNNFeatures(r))
}
