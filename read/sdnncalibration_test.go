package read

import (
	"image"
	"math"
	"strings"
	"testing"
)

// sdnnReadingOf makes an SDNN reading of digits ds, each the peak of its
// run at window peaks[k] with RBF distance y[k], on a line of windows
// windows whose labels cost cost in all; unsure windows have their top
// label below 0.9.
func sdnnReadingOf(ds []int, conf, y []float64, windows int, cost float64, unsure int) *Reading {
	g := &Graph{Pieces: make([]Piece, windows), Cost: cost, Agree: 2}
	for t := range g.Pieces {
		g.Pieces[t].Scores.None = 1
		if t < unsure {
			g.Pieces[t].Scores.None = 0.6
		}
	}
	r := &Reading{Graph: g}
	for k, d := range ds {
		peak := windows - 1 - k // away from the unsure ones
		g.Pieces[peak].Scores.Cost[d] = y[k]
		g.Path = append(g.Path, peak)
		r.Digits = append(r.Digits, Digit{Digit: d, Confidence: conf[k], Box: image.Rect(k, 0, k+1, 1)})
	}
	return r
}

// SDNNFeatures and the map: the features of a made reading, the logistic
// of their weighted sum, the isotonic map after it, 0 for no digits.
func TestSDNNCalibration(t *testing.T) {
	r := sdnnReadingOf([]int{4, 2}, []float64{0.9, 0.5}, []float64{3, 8}, 20, 10, 3)
	x := SDNNFeatures(r)
	want := []float64{1, math.Log(0.9) + math.Log(0.5), 2, math.Log(4) + math.Log(9), 0.5, 3, 2.0 / 3}
	for i := range want {
		if math.Abs(x[i]-want[i]) > 1e-12 {
			t.Fatalf("features %v, want %v", x, want)
		}
	}
	c := SDNNCalibration{Weights: []float64{0.5, 1, 0.2, -0.1, -0.3, -0.05, 0.7}}
	z := 0.0
	for i := range want {
		z += c.Weights[i] * want[i]
	}
	if got, p := c.Confidence(r), 1/(1+math.Exp(-z)); math.Abs(got-p) > 1e-12 {
		t.Errorf("confidence %v, want the logistic %v", got, p)
	}
	c.Isotonic = [][2]float64{{0, 0.1}, {1, 0.3}}
	if got, p := c.Confidence(r), 0.1+0.2/(1+math.Exp(-z)); math.Abs(got-p) > 1e-12 {
		t.Errorf("with the isotonic map: confidence %v, want %v", got, p)
	}
	if got := c.Confidence(&Reading{Graph: &Graph{}}); got != 0 {
		t.Errorf("no digits: confidence %v, want 0", got)
	}
}

func TestParseSDNNCalibrationRejects(t *testing.T) {
	for _, s := range []string{
		``,
		`[]`,
		`{}`,
		`{"weights":[1,2,3]}`,
		`{"weights":[1,2,3,4,5,6]}`, // before the scales' agreement
		`{"weights":[1,2,3,4,5,6,7,8]}`,
		`{"weights":[1,2,3,4,5,6,2e6]}`,
		`{"weights":[1,2,3,4,5,6,7],"threshold":1.5}`,
		`{"weights":[1,2,3,4,5,6,7],"threshold":-0.1}`,
		`{"weights":[1,2,3,4,5,6,7],"isotonic":[[0.5,0.4],[0.4,0.6]]}`,
		`{"weights":[1,2,3,4,5,6,7],"isotonic":[[0.4,0.6],[0.5,0.4]]}`,
		`{"weights":[1,2,3,4,5,6,7],"fit":"` + strings.Repeat("x", MaxCalibrationJSON) + `"}`,
	} {
		if c, err := ParseSDNNCalibration(s); err == nil {
			t.Errorf("%.80q: parsed as %+v, want an error", s, c)
		}
	}
	if _, err := ParseSDNNCalibration(`{"weights":[0,0,0,0,0,0,0]}`); err != nil {
		t.Errorf("the least calibration: %v", err)
	}
}

// FuzzParseSDNNCalibration parses the fuzzer's JSON: it must not panic, and
// a calibration it accepts must give confidences in [0, 1], never NaN.
func FuzzParseSDNNCalibration(f *testing.F) {
	f.Add(`{"weights":[2.5,16.4,1.06,-0.6,-1.7,-0.3,1.2],"isotonic":[[0.09,0.16],[0.5,0.45],[0.99,0.98]],"threshold":0.5}`)
	f.Add(`{"weights":[1e6,-1e6,1e6,-1e6,1e6,-1e6,1e6]}`)
	readings := []*Reading{
		sdnnReadingOf([]int{1}, []float64{1}, []float64{0}, 1, 0, 0),
		sdnnReadingOf([]int{0, 9, 5}, []float64{1e-320, 0.5, 1}, []float64{1e9, 0, 3}, 400, 1e6, 400),
		{Graph: &Graph{}},
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseSDNNCalibration(s)
		if err != nil {
			return
		}
		for _, r := range readings {
			if v := c.Confidence(r); !(v >= 0 && v <= 1) {
				t.Fatalf("%s: confidence %v", s, v)
			}
		}
	})
}
