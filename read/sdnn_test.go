package read

import (
	"errors"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
)

// frames turns a script into window scores: one character a window, a
// digit for a window sure of that digit, '.' for a window sure of none.
func scriptFrames(script string) []Scores {
	out := make([]Scores, len(script))
	for t, ch := range script {
		s := &out[t]
		if ch == '.' {
			s.None = 0.98
		} else {
			s.None = 0.01
		}
		for d := range graph.Classes {
			s.Prob[d] = 0.01 / graph.Classes
			s.Cost[d] = 50
		}
		if ch != '.' {
			s.Prob[ch-'0'] = 0.98
			s.Cost[ch-'0'] = 0.1
		}
	}
	return out
}

// The SDNN's character model on scripted windows: a run is one digit, two
// equal digits need a none between them, a length is a constraint.
func TestFrameLabels(t *testing.T) {
	tests := []struct {
		name, script string
		length       int
		want         string
		err          error
	}{
		{"one digit over three windows", "..333..", 0, "3", nil},
		{"two equal digits apart", ".33.33.", 0, "33", nil},
		{"two digits touching", ".3355.", 0, "35", nil},
		{"a one-window flicker is a digit", "..7..", 0, "7", nil},
		{"nothing", ".....", 0, "", nil},
		{"length asks for a second digit", ".3333.", 2, "33", nil},
		{"length 1 merges", ".33.55.", 1, "", nil}, // either digit: checked below
		{"length too long", "...", 3, "", ErrLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			labels, _, err := frameLabels(scriptFrames(tt.script), tt.length, charCosts{digit: sdnnDigitCost, change: sdnnSwitchCost})
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("error %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := labelText(labels)
			if tt.length > 0 && len(got) != tt.length {
				t.Fatalf("read %q from %q, want %d digits", got, tt.script, tt.length)
			}
			if tt.length == 0 && got != tt.want || tt.want != "" && got != tt.want {
				t.Fatalf("read %q from %q, want %q", got, tt.script, tt.want)
			}
		})
	}
}

// Windows: one every tenth of a digit's height across the ink, centred,
// the ink bright; a blank page is ErrNoDigit.
func TestWindows(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 120, 50))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for _, x := range []int{20, 60, 90} { // three bars 30 px tall
		draw.Draw(img, image.Rect(x, 10, x+4, 40), image.NewUniform(color.Black), image.Point{}, draw.Src)
	}
	f, err := Windows(img)
	if err != nil {
		t.Fatal(err)
	}
	if f.Ref != 30 || f.Ink != image.Rect(20, 10, 94, 40) {
		t.Fatalf("reference height %v, ink %v; want 30 and (20,10)-(94,40)", f.Ref, f.Ink)
	}
	if want := 74/3 + 1; len(f.X) != want || f.X[0] != 20 || f.X[1] != 23 {
		t.Fatalf("%d windows from %v, want %d from 20 every 3", len(f.X), f.X[:2], want)
	}
	// The window on the first bar's middle column has it as a 20-pixel
	// bar, a little over 2 pixels wide, in its middle.
	w := f.Windows[1] // x = 23
	tall := 0
	for y := range data.Side {
		if w[y*data.Side+data.Side/2] > 128 {
			tall++
		}
	}
	if tall < 19 || tall > 21 || w[data.Side/2*data.Side+data.Side/2+4] != 0 {
		t.Fatalf("the bar is %d pixels tall in its window (want 20), and %d four pixels to its right (want 0)", tall, w[data.Side/2*data.Side+data.Side/2+4])
	}
	if _, err := Windows(image.NewGray(image.Rect(0, 0, 20, 20))); !errors.Is(err, data.ErrNoDigit) {
		t.Fatalf("blank page: %v, want ErrNoDigit", err)
	}
}

// sdnnFloors are the least shares of TestReadLines' lines that the SDNN
// with the shipped window network reads right (it read 37 / 42 / 47 of
// 50 on 2026-12-07, session 14, trained on touching numbers, the lines
// the default reader asks it about; session 12's network 27 / 37 / 40).
var sdnnFloors = map[string]float64{"apart": 0.6, "close": 0.7, "touching": 0.88}

// The SDNN with the network trained on windows (models.SDNN) reads
// TestReadLines' lines: New picks it from the model's metadata.
func TestSDNNLines(t *testing.T) {
	set, _ := fixture(t)
	r := sdnnReader(t)
	if !r.sdnn {
		t.Fatal("New did not give the SDNN reader for a model trained on windows")
	}
	if r.sdnnCalib == nil || r.opts.Threshold != r.sdnnCalib.Threshold {
		t.Fatalf("the shipped SDNN network's calibration %+v, threshold %v: want its calibration's", r.sdnnCalib, r.opts.Threshold)
	}
	readLines(t, set, sdnnFloors, func(t *testing.T, _ string, img *image.Gray, want string) bool {
		got, err := r.Read(img)
		if err != nil {
			t.Fatalf("%q: %v", want, err)
		}
		for i, d := range got.Digits {
			if int(got.Text[i]-'0') != d.Digit || d.Box.Empty() || !d.Box.In(img.Bounds()) ||
				i > 0 && d.Box.Min.X < got.Digits[i-1].Box.Min.X {
				t.Fatalf("%q read %q: digit %d is %+v", want, got.Text, i, d)
			}
		}
		conf := r.sdnnCalib.Confidence(got)
		if len(got.Digits) != len(got.Text) || math.Abs(conf-got.Confidence) > 1e-12 ||
			got.Rejected != (got.Confidence < r.opts.Threshold) {
			t.Fatalf("%q read %q: %d digits, confidence %v (the calibration's %v), rejected %v", want, got.Text, len(got.Digits), got.Confidence, conf, got.Rejected)
		}
		return got.Text == want
	})
	if _, err := NewSDNN(mustReader(t), Options{}); err == nil || !strings.Contains(err.Error(), "not trained on windows") {
		t.Errorf("NewSDNN of the reader's model: %v, want an error saying it was not trained on windows", err)
	}
}

// sdnnReader returns a reader of the shipped SDNN network, made by New
// (which must pick the SDNN from the model's metadata); it is closed when
// the test ends.
func sdnnReader(tb testing.TB) *Reader {
	tb.Helper()
	m, err := models.SDNN()
	if err != nil {
		tb.Fatal(err)
	}
	r, err := New(m, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(r.Close)
	return r
}

func mustReader(t *testing.T) *modelfile.Model {
	m, err := models.Reader()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The costs the SDNN's scales are compared by: a labelling's cost is the
// one frameLabels minimises, the least over the labellings that read a
// text, and +Inf for a text no labelling reads; under the network's own
// costs and under a context head's (the shipped head's are 0 and 0).
func TestTextCost(t *testing.T) {
	tests := []struct {
		name, script string
		costs        charCosts
	}{
		{"one digit", "..333..", charCosts{digit: 3, change: 8}},
		{"two equal digits", ".33.33.", charCosts{digit: 3, change: 8}},
		{"touching", ".3355.", charCosts{digit: 3, change: 8}},
		{"nothing", ".....", charCosts{digit: 3, change: 8}},
		{"flicker", "..7..", charCosts{digit: 3, change: 8}},
		{"touching, no costs", ".3355.", charCosts{}},
		{"touching with a gap, no costs", ".33.55.", charCosts{}},
		{"two equal digits, no costs", ".33.33.", charCosts{}},
	}
	for _, tt := range tests {
		costs := tt.costs
		t.Run(tt.name, func(t *testing.T) {
			sc := scriptFrames(tt.script)
			labels, cost, err := frameLabels(sc, 0, costs)
			if err != nil {
				t.Fatal(err)
			}
			if got := labelsCost(sc, labels, costs); math.Abs(got-cost) > 1e-9 {
				t.Errorf("labelsCost %v, frameLabels' cost %v", got, cost)
			}
			text := labelText(labels)
			if got := textCost(sc, text, costs); math.Abs(got-cost) > 1e-9 {
				t.Errorf("textCost(%q) %v, want the best path's %v", text, got, cost)
			}
			// Any other reading costs more.
			for _, other := range []string{"", "1", "35", "333"} {
				if other == text {
					continue
				}
				if got := textCost(sc, other, costs); !(got > cost) {
					t.Errorf("textCost(%q) %v, not more than the best path's %v (%q)", other, got, cost, text)
				}
			}
		})
	}
	if got := textCost(scriptFrames("..."), "3333", charCosts{digit: 3, change: 8}); !math.IsInf(got, 1) {
		t.Errorf("four digits on three windows: cost %v, want +Inf", got)
	}
}
