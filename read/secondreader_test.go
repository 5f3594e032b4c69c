package read

import (
	"errors"
	"image"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
)

// secondFloors are the least shares of TestReadLines' lines the shipped
// reader with the SDNN as its second reader reads right (it read 48, 48
// and 46 of 50 on 2026-12-07 with the SDNN trained on whole numbers, 43
// with session 13's; the segmenting reader alone 48, 48 and 25).
var secondFloors = map[string]float64{"apart": 0.9, "close": 0.9, "touching": 0.88}

// The shipped reader with the shipped SDNN as its second reader reads
// TestReadLines' lines; on the touching ones it reads at least as many right
// as the segmenting reader alone. Every reading is well formed, and one
// the SDNN gave had to come from a line the calibration asks it about.
func TestSecondReaderLines(t *testing.T) {
	set, alone := fixture(t)
	r, m := shippedReader(t)
	c := m2calib(t, m)
	right, rightAlone, bySDNN := map[string]int{}, map[string]int{}, map[string]int{}
	readLines(t, set, secondFloors, func(t *testing.T, sp string, img *image.Gray, want string) bool {
		got, err := r.Read(img)
		if err != nil {
			t.Fatalf("%q: %v", want, err)
		}
		first, err := alone.Read(img)
		if err != nil {
			t.Fatalf("%q, the segmenting reader alone: %v", want, err)
		}
		if !(got.Confidence >= 0 && got.Confidence <= 1) || got.Rejected != (got.Confidence < r.opts.Threshold) ||
			len(got.Digits) != len(got.Text) {
			t.Fatalf("%q read %q: confidence %v, rejected %v, %d digits", want, got.Text, got.Confidence, got.Rejected, len(got.Digits))
		}
		if got.SDNN {
			bySDNN[sp]++
			if !c.SDNNAsks(first) || got.Text == first.Text || len(got.Text) < len(first.Text) {
				t.Errorf("%q: the SDNN's reading %q taken over %q (confidence %v, touching %v)", want, got.Text, first.Text, first.Confidence, Touching(first.Graph))
			}
		} else if got.Text != first.Text {
			t.Errorf("%q: read %q, not the SDNN's, but the segmenting reader read %q", want, got.Text, first.Text)
		}
		if first.Text == want {
			rightAlone[sp]++
		}
		if got.Text == want {
			right[sp]++
		}
		return got.Text == want
	})
	for _, sp := range spacings {
		t.Logf("%s: the segmenting reader alone read %d right, with the SDNN %d; %d readings are the SDNN's", sp.name, rightAlone[sp.name], right[sp.name], bySDNN[sp.name])
	}
	if right["touching"] < rightAlone["touching"] {
		t.Errorf("touching: %d lines read right with the SDNN, %d without", right["touching"], rightAlone["touching"])
	}
}

// shippedReader returns the reader as infer reads (the shipped reader's
// model with the shipped SDNN as its second reader), closed when the test
// ends, and the reader's model.
func shippedReader(tb testing.TB) (*Reader, *modelfile.Model) {
	tb.Helper()
	m, err := models.Reader()
	if err != nil {
		tb.Fatal(err)
	}
	sdnn, err := models.SDNN()
	if err != nil {
		tb.Fatal(err)
	}
	r, err := NewWithSDNN(m, sdnn, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(r.Close)
	return r, m
}

// m2calib returns m's calibration.
func m2calib(t *testing.T, m *modelfile.Model) Calibration {
	t.Helper()
	c, ok, err := CalibrationOf(m)
	if err != nil || !ok {
		t.Fatalf("calibration of %s: %v, %v", m.File, ok, err)
	}
	return c
}

// NewWithSDNN refuses pairs it cannot read with, saying why.
func TestNewWithSDNNRefuses(t *testing.T) {
	reader, err := models.Reader()
	if err != nil {
		t.Fatal(err)
	}
	sdnn, err := models.SDNN()
	if err != nil {
		t.Fatal(err)
	}
	single, err := models.Default()
	if err != nil {
		t.Fatal(err)
	}
	uncalibrated := *sdnn
	uncalibrated.Meta = maps.Clone(sdnn.Meta)
	delete(uncalibrated.Meta, MetaSDNNCalibration)
	for _, tc := range []struct {
		name        string
		first, sdnn *modelfile.Model
		want        string
	}{
		{"the single-digit model first", single, sdnn, "no calibration for a second reader"},
		{"the SDNN first", sdnn, sdnn, "trained on windows"},
		{"another network second", reader, single, "not the one"},
		{"no SDNN", reader, nil, "no SDNN model"},
		{"the SDNN uncalibrated", reader, &uncalibrated, "no calibration of its readings"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewWithSDNN(tc.first, tc.sdnn, Options{})
			if err == nil {
				r.Close()
				t.Fatalf("no error, want one saying %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v, want it to say %q", err, tc.want)
			}
		})
	}
}

// Touching asks for a component the segmentation cut wider than sdnnWide
// reference heights; SDNNTakes for a different, no shorter and more
// confident reading.
func TestSecondReaderRules(t *testing.T) {
	seg := func(x0, x1 int, cut bool) Segment { return Segment{Box: image.Rect(x0, 0, x1, 20), Cut: cut} }
	for _, tt := range []struct {
		name string
		segs []Segment
		want bool
	}{
		{"digits apart", []Segment{seg(0, 12, false), seg(20, 32, false), seg(40, 52, false)}, false},
		{"one wide digit cut", []Segment{seg(0, 12, false), seg(12, 24, true)}, false},
		{"two touching digits cut", []Segment{seg(0, 14, false), seg(14, 30, true)}, true},
		{"wide but never cut", []Segment{seg(0, 40, false)}, false},
		{"a cut component after one apart", []Segment{seg(0, 12, false), seg(20, 30, false), seg(30, 38, true), seg(38, 48, true)}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Touching(&Graph{Segments: tt.segs, Ref: 20}); got != tt.want {
				t.Errorf("Touching = %v, want %v", got, tt.want)
			}
		})
	}
	first := &Reading{Text: "123", Confidence: 0.2}
	for _, tt := range []struct {
		other *Reading
		want  bool
	}{
		{&Reading{Text: "128", Confidence: 0.3}, true},
		{&Reading{Text: "1238", Confidence: 0.3}, true},
		{&Reading{Text: "18", Confidence: 0.9}, false},
		{&Reading{Text: "128", Confidence: 0.1}, false},
		{&Reading{Text: "123", Confidence: 0.9}, false},
		{&Reading{Text: "", Confidence: 0.9}, false},
	} {
		if got := SDNNTakes(first, tt.other); got != tt.want {
			t.Errorf("SDNNTakes(%q, %q at %v) = %v, want %v", first.Text, tt.other.Text, tt.other.Confidence, got, tt.want)
		}
	}
}

// SDNNAsks asks about a line cut as touching below SDNNBelow, and about
// one of one or two digits without such cuts below SDNNShortBelow.
func TestSDNNAsks(t *testing.T) {
	seg := func(x0, x1 int, cut bool) Segment { return Segment{Box: image.Rect(x0, 0, x1, 20), Cut: cut} }
	touching := &Graph{Segments: []Segment{seg(0, 14, false), seg(14, 30, true)}, Ref: 20}
	apart := &Graph{Segments: []Segment{seg(0, 12, false), seg(20, 32, false)}, Ref: 20}
	c := Calibration{SDNNBelow: 0.7, SDNNShortBelow: 0.9}
	for _, tt := range []struct {
		name string
		g    *Graph
		text string
		conf float64
		want bool
	}{
		{"touching, unsure", touching, "1234", 0.6, true},
		{"touching, sure", touching, "1234", 0.8, false},
		{"touching, two digits between the levels", touching, "12", 0.8, false},
		{"one digit, unsure", apart, "1", 0.8, true},
		{"two digits, unsure", apart, "12", 0.8, true},
		{"two digits, sure", apart, "12", 0.95, false},
		{"three digits, unsure", apart, "123", 0.1, false},
		{"nothing read", apart, "", 0.1, false},
		{"no graph", nil, "1", 0.1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.SDNNAsks(&Reading{Text: tt.text, Confidence: tt.conf, Graph: tt.g}); got != tt.want {
				t.Errorf("SDNNAsks = %v, want %v", got, tt.want)
			}
		})
	}
	if (Calibration{SDNNBelow: 1}).SDNNAsks(&Reading{Text: "1", Confidence: 0.1, Graph: apart}) {
		t.Error("a calibration without sdnn_short_below asks about a short line")
	}
}

// SDNNReplaces takes what SDNNTakes takes on a touching line, and on a
// short one only a longer reading at least as confident as the threshold,
// unless every scale gave the SDNN's reading: then a more confident one
// that differs, on a touching line even a shorter one.
func TestSDNNReplaces(t *testing.T) {
	seg := func(x0, x1 int, cut bool) Segment { return Segment{Box: image.Rect(x0, 0, x1, 20), Cut: cut} }
	touching := &Graph{Segments: []Segment{seg(0, 14, false), seg(14, 30, true)}, Ref: 20}
	apart := &Graph{Segments: []Segment{seg(0, 12, false)}, Ref: 20}
	c := Calibration{Threshold: 0.45}
	for _, tt := range []struct {
		name         string
		g            *Graph
		first, other string
		firstConf    float64
		conf         float64
		agree        int // of the SDNN's three scales
		want         bool
	}{
		{"touching, more confident", touching, "1", "12", 0.2, 0.3, 0, true},
		{"touching, less confident", touching, "1", "12", 0.4, 0.3, 0, false},
		{"short, more confident, over the threshold", apart, "1", "12", 0.2, 0.5, 0, true},
		{"short, as many digits", apart, "1", "7", 0.2, 0.9, 0, false},
		{"short, more confident, under the threshold", apart, "1", "12", 0.2, 0.3, 0, false},
		{"short, fewer digits", apart, "1", "", 0.2, 0.9, 0, false},
		{"short, unanimous, as many digits", apart, "1", "7", 0.2, 0.3, 3, true},
		{"short, unanimous, less confident", apart, "1", "12", 0.4, 0.3, 3, false},
		{"short, two scales of three, as many digits", apart, "1", "7", 0.2, 0.9, 2, false},
		{"short, unanimous, fewer digits", apart, "15", "5", 0.2, 0.9, 3, false},
		{"touching, unanimous, a digit fewer", touching, "15", "5", 0.2, 0.3, 3, true},
		{"touching, two scales, a digit fewer", touching, "15", "5", 0.2, 0.3, 2, false},
		{"touching, unanimous, a digit fewer, less confident", touching, "15", "5", 0.4, 0.3, 3, false},
		{"touching, unanimous, no digits", touching, "1", "", 0.2, 0.9, 3, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			first := &Reading{Text: tt.first, Confidence: tt.firstConf, Graph: tt.g}
			other := &Reading{Text: tt.other, Confidence: tt.conf, Graph: &Graph{Agree: tt.agree}}
			if got := c.SDNNReplaces(first, other); got != tt.want {
				t.Errorf("SDNNReplaces = %v, want %v", got, tt.want)
			}
		})
	}
}

// NewWithSDNNFunc reads as NewWithSDNN does, loading the SDNN only when a
// line needs it, once; a failed load, or a network the calibration was not
// fitted with, is the error of the Read that needed it.
func TestNewWithSDNNFunc(t *testing.T) {
	set, alone := fixture(t)
	eager, m := shippedReader(t)
	rng := rand.New(rand.NewPCG(2026, 12))
	apart, _ := composeLine(set, randomLine(set, 5, rng), apart, rng)
	var line *image.Gray
	for range 50 { // a line the segmentation cuts, which the SDNN reads again
		img, _ := composeLine(set, randomLine(set, 4, rng), touching, rng)
		first, err := alone.Read(img)
		if err != nil {
			t.Fatal(err)
		}
		if m2calib(t, m).SDNNAsks(first) && len(first.Text) > sdnnShortDigits {
			line = img
			break
		}
	}
	if line == nil {
		t.Fatal("no touching line of 50 goes to the second reader")
	}
	single, err := models.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		load func() (*modelfile.Model, error)
		want string // the touching line's error; "" = none
	}{
		{"the shipped SDNN", models.SDNN, ""},
		{"a failed load", func() (*modelfile.Model, error) { return nil, errors.New("disk on fire") }, "loading the SDNN model: disk on fire"},
		{"another network", func() (*modelfile.Model, error) { return single, nil }, "not the one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loads := 0
			r, err := NewWithSDNNFunc(m, func() (*modelfile.Model, error) { loads++; return tc.load() }, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got, err := r.Read(apart)
			if err != nil {
				t.Fatalf("the apart line: %v", err)
			}
			want, err := eager.Read(apart)
			if err != nil {
				t.Fatal(err)
			}
			if got.Text != want.Text || got.Confidence != want.Confidence || loads != 0 {
				t.Errorf("the apart line: %q at %v with %d loads, want %q at %v with none", got.Text, got.Confidence, loads, want.Text, want.Confidence)
			}
			for range 2 {
				got, err = r.Read(line)
				switch {
				case tc.want == "" && err != nil:
					t.Fatalf("the touching line: %v", err)
				case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
					t.Fatalf("the touching line: error %v, want one saying %q", err, tc.want)
				}
			}
			if loads != 1 {
				t.Errorf("%d loads for two touching lines, want 1", loads)
			}
			if tc.want != "" {
				return
			}
			if want, err = eager.Read(line); err != nil {
				t.Fatal(err)
			}
			if got.Text != want.Text || got.Confidence != want.Confidence || got.SDNN != want.SDNN {
				t.Errorf("the touching line: %q at %v (SDNN %v), NewWithSDNN's %q at %v (SDNN %v)", got.Text, got.Confidence, got.SDNN, want.Text, want.Confidence, want.SDNN)
			}
		})
	}
	if _, err := NewWithSDNNFunc(m, nil, Options{}); err == nil || !strings.Contains(err.Error(), "no function") {
		t.Errorf("no loader: error %v", err)
	}
	if _, err := NewWithSDNNFunc(single, models.SDNN, Options{}); err == nil || !strings.Contains(err.Error(), "no calibration for a second reader") {
		t.Errorf("the single-digit model first: error %v", err)
	}
}
