package main

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/lenet5-go/lenet5/internal/demo"
	"github.com/lenet5-go/lenet5/models"
)

var predictor struct {
	sync.Once
	p   *demo.Predictor
	err error
}

func shipped(t testing.TB) *demo.Predictor {
	predictor.Do(func() {
		m, err := models.Default()
		if err != nil {
			predictor.err = err
			return
		}
		predictor.p, predictor.err = demo.NewPredictor(m, nil, nil)
	})
	if predictor.err != nil {
		t.Fatal(predictor.err)
	}
	return predictor.p
}

// rgbaDigit is a w x h picture of a dark bar on white paper, as a
// canvas's getImageData gives it.
func rgbaDigit(w, h int) []byte {
	b := make([]byte, 4*w*h)
	for i := range w * h {
		x := i % w
		v := byte(255)
		if x >= w/2-w/10 && x <= w/2+w/10 {
			v = 20
		}
		b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = v, v, v, 255
	}
	return b
}

// picture answers a well-formed picture with the page's JSON, and refuses
// bad sizes, naming the file, before it reads the pixels.
func TestPicture(t *testing.T) {
	p := shipped(t)
	b, err := picture(p, rgbaDigit(40, 60), 40, 60, "bar.png")
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		Digit         int
		Probabilities []float64
		Layers        map[string]json.RawMessage
	}
	if err := json.Unmarshal(b, &a); err != nil || len(a.Probabilities) != 10 || len(a.Layers) != 9 {
		t.Fatalf("answer %.200s: %v", b, err)
	}
	if a.Digit != 1 {
		t.Errorf("a vertical bar reads as %d, want 1", a.Digit)
	}
	tests := []struct {
		name          string
		rgba          []byte
		width, height int
		want          string
	}{
		{"no pixels", nil, 0, 10, "x.png: image is 0x10 pixels, it has no pixels"},
		{"negative", nil, -3, 10, "x.png: image is -3x10 pixels, it has no pixels"},
		{"too many", nil, 1 << 13, 1 << 13, "more than the limit of 16777216"},
		{"short", make([]byte, 10), 2, 2, "x.png: 10 bytes of RGBA for 2x2 pixels, want 16"},
		{"blank", rgbaDigit(1, 1), 1, 1, "x.png: no digit found"},
	}
	for _, tc := range tests {
		if _, err := picture(p, tc.rgba, tc.width, tc.height, "x.png"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := drawing(p, make([]byte, 10)); err == nil || !strings.Contains(err.Error(), "pixels: 10 values, want 784") {
		t.Errorf("short drawing: %v", err)
	}
}

// FuzzPicture: any sizes and bytes the page could hand over give an
// answer or an error naming the file, never a panic.
func FuzzPicture(f *testing.F) {
	f.Add(rgbaDigit(8, 8), 8, 8)
	f.Add([]byte{0, 0, 0, 255}, 1, 1)
	f.Add([]byte{}, 0, 0)
	f.Add(make([]byte, 12), 3, -1)
	f.Fuzz(func(t *testing.T, rgba []byte, width, height int) {
		b, err := picture(shipped(t), rgba, width, height, "fuzz.png")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.png: ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if !json.Valid(b) {
			t.Fatalf("answer is not JSON: %.100s", b)
		}
	})
}

// readNumber answers a drawn number with the page's JSON, and refuses bad
// sizes.
func TestReadNumber(t *testing.T) {
	p := shipped(t)
	w, h := 60, 40
	pixels := make([]byte, w*h)
	for y := 8; y < 32; y++ {
		for x := 14; x < 18; x++ {
			pixels[y*w+x] = 255 // a 1
			pixels[y*w+x+26] = 255
		}
	}
	b, err := readNumber(p, pixels, w, h)
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		Text   string
		Digits []struct {
			Box   [4]int
			Piece []int
		}
	}
	if err := json.Unmarshal(b, &a); err != nil || len(a.Digits) != len(a.Text) || len(a.Digits) == 0 || len(a.Digits[0].Piece) != 784 {
		t.Fatalf("answer %.300s: %v", b, err)
	}
	if a.Text != "11" {
		t.Errorf("two bars read as %q, want 11", a.Text)
	}
	for _, tc := range []struct {
		w, h int
		want string
	}{{0, 5, "a 0x5 drawing has no pixels"}, {5000, 1, "over the limit"}, {2, 2, "0 values for a 2x2 drawing"}} {
		if _, err := readNumber(p, nil, tc.w, tc.h); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%dx%d: %v, want %q", tc.w, tc.h, err, tc.want)
		}
	}
}
