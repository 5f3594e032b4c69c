package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/internal/demo"
)

// readJSON is the JSON body of a drawing to read.
func readJSON(w, h int, pixels []uint8) []byte {
	v := make([]int, len(pixels))
	for i, p := range pixels {
		v[i] = int(p)
	}
	b, _ := json.Marshal(map[string]any{"width": w, "height": h, "pixels": v})
	return b
}

// line draws MNIST test digits 0, 1 and 2 side by side, 0 background and
// 255 ink, with a margin: width x height pixels.
func line(m *data.MNIST) (width, height int, pixels []uint8) {
	width, height = 3*40+20, 48
	pixels = make([]uint8, width*height)
	for k := range 3 {
		img := m.Test.Image(k)
		for y := range data.Side {
			copy(pixels[(10+y)*width+10+40*k:], img[y*data.Side:(y+1)*data.Side])
		}
	}
	return width, height, pixels
}

// readAnswer is /api/read's answer, as a client reads it.
type readAnswer struct {
	Width      int     `json:"width"`
	Height     int     `json:"height"`
	Text       string  `json:"text"`
	Confidence float64 `json:"confidence"`
	Rejected   bool    `json:"rejected"`
	Digits     []struct {
		Digit      int     `json:"digit"`
		Confidence float64 `json:"confidence"`
		Box        [4]int  `json:"box"`
		Piece      []int   `json:"piece"`
	} `json:"digits"`
	Error string `json:"error"`
}

// A drawn number is read as package demo reads it (the page's one
// function), and each digit's piece, sent back as a drawing, gets that
// digit's layers.
func TestReadNumber(t *testing.T) {
	mod, m := setup(t)
	s := newServer(t, Config{Workers: 2}, nil)
	w, h, pixels := line(m)
	resp := call(s, "POST", "/api/read", "application/json; charset=utf-8", readJSON(w, h, pixels))
	if resp.Code != 200 || resp.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s", resp.Code, resp.Body.String())
	}
	var a readAnswer
	dec := json.NewDecoder(bytes.NewReader(resp.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprint(m.Test.Label(0), m.Test.Label(1), m.Test.Label(2))
	if a.Text != strings.ReplaceAll(want, " ", "") || len(a.Digits) != 3 || a.Width != w || a.Height != h {
		t.Fatalf("read %+v, want %s", a, want)
	}
	p, err := demo.NewPredictor(mod, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	r, err := p.Read(w, h, pixels)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := r.AppendJSON(nil)
	if resp.Body.String() != string(b)+"\n" {
		t.Fatalf("the server's answer differs from package demo's:\n%.300s\n%.300s", resp.Body.String(), b)
	}
	for k, d := range a.Digits {
		piece := make([]uint8, len(d.Piece))
		for i, v := range d.Piece {
			piece[i] = uint8(v)
		}
		pw := call(s, "POST", "/api/predict", "application/json", pixelsJSON(piece))
		pa := decodeAnswer(t, pw)
		if pw.Code != 200 || pa.Digit != d.Digit {
			t.Fatalf("digit %d's piece: %d, digit %d, want %d (%s)", k, pw.Code, pa.Digit, d.Digit, pa.Error)
		}
		checkAnswer(t, pa)
	}
}

// Every bad drawing to read is answered with its status and a JSON error
// saying what is wrong.
func TestReadBadRequests(t *testing.T) {
	_, m := setup(t)
	s := newServer(t, Config{Workers: 1, MaxBodyBytes: 1 << 20}, nil)
	w, h, pixels := line(m)
	valid := string(readJSON(w, h, pixels))
	tests := []struct {
		name, method, ctype string
		body                string
		status              int
		want                string
	}{
		{"GET", "GET", "", "", 405, "use POST with {\"width\""},
		{"image", "POST", "image/png", "x", 415, `Content-Type "image/png": send application/json {"width": W`},
		{"no content type", "POST", "", valid, 415, `Content-Type ""`},
		{"oversized", "POST", "application/json", `{"width": 10, "height": 10, "pixels": [` + strings.Repeat(" ", 1<<20) + `]}`, 413, "larger than 1048576 bytes"},
		{"blank", "POST", "application/json", string(readJSON(30, 20, make([]uint8, 600))), 400, "pixels: read: "},
		{"empty", "POST", "application/json", "", 400, "JSON: unexpected EOF"},
		{"array", "POST", "application/json", "[]", 400, `want an object {"width": W, "height": H, "pixels": [W*H numbers]}, got "["`},
		{"unknown field", "POST", "application/json", `{"width": 1, "colour": 2}`, 400, `unknown field "colour"`},
		{"width twice", "POST", "application/json", `{"width": 1, "width": 2}`, 400, `"width" given twice`},
		{"no height", "POST", "application/json", `{"width": 1, "pixels": [0]}`, 400, `no "height" field`},
		{"no pixels", "POST", "application/json", `{"width": 1, "height": 1}`, 400, `no "pixels" field`},
		{"width 0", "POST", "application/json", `{"width": 0}`, 400, `"width" is 0: want a whole number of pixels, at least 1`},
		{"width 1.5", "POST", "application/json", `{"width": 1.5}`, 400, `"width" is 1.5`},
		{"height string", "POST", "application/json", `{"height": "7"}`, 400, `"height" is the string "7"`},
		{"width 4097", "POST", "application/json", `{"width": 4097}`, 413, `"width" is 4097: over this server's limit of 4096 pixels a side`},
		{"height 1e300", "POST", "application/json", `{"height": 1e300}`, 413, `over this server's limit`},
		{"2000x1000", "POST", "application/json", `{"width": 2000, "height": 1000, "pixels": []}`, 413, "a 2000x1000 drawing is over this server's limit of 1000000 pixels, at most 4096 a side"},
		{"2000x1000 after the pixels", "POST", "application/json", `{"pixels": [], "width": 2000, "height": 1000}`, 413, "a 2000x1000 drawing is over"},
		{"too few pixels", "POST", "application/json", `{"width": 2, "height": 2, "pixels": [0, 0, 0]}`, 400, `"pixels" has 3 values, want 4 (a 2x2 drawing, row-major)`},
		{"too many pixels", "POST", "application/json", `{"width": 2, "height": 2, "pixels": [0, 0, 0, 0, 0]}`, 400, `"pixels" has more than 4 values, width times height`},
		{"pixels first, too few", "POST", "application/json", `{"pixels": [0, 0, 0], "width": 2, "height": 2}`, 400, `"pixels" has 3 values, want 4`},
		{"pixels not a list", "POST", "application/json", `{"width": 1, "height": 1, "pixels": {}}`, 400, `"pixels" must be an array of numbers 0..255, got "{"`},
		{"pixel 256", "POST", "application/json", `{"width": 2, "height": 1, "pixels": [0, 256]}`, 400, "pixel 1 is 256: want a number from 0 to 255"},
		{"pixel null", "POST", "application/json", `{"width": 2, "height": 1, "pixels": [null, 0]}`, 400, "pixel 0 is null"},
		{"data after", "POST", "application/json", valid + "{}", 400, "data after the object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := call(s, tc.method, "/api/read", tc.ctype, []byte(tc.body))
			if resp.Code != tc.status {
				t.Errorf("status %d, want %d (body %q)", resp.Code, tc.status, resp.Body.String())
			}
			var a readAnswer
			if err := json.Unmarshal(resp.Body.Bytes(), &a); err != nil || !strings.Contains(a.Error, tc.want) || a.Digits != nil {
				t.Errorf("answer %q, want an error saying %q and nothing else", resp.Body.String(), tc.want)
			}
		})
	}
	if resp := call(s, "POST", "/api/read", "application/json", []byte(valid)); resp.Code != 200 {
		t.Fatalf("a good request after the bad ones: %d %s", resp.Code, resp.Body.String())
	}
}

// More pixels than the server's limit, before the sizes are known, are
// refused at the first one too many.
func TestReadPixelsOverTheLimitFirst(t *testing.T) {
	body := `{"pixels": [` + strings.TrimSuffix(strings.Repeat("0,", demo.MaxReadPixels+1), ",") + `]}`
	_, err := decodeReadRequest(strings.NewReader(body))
	var se *statusError
	if !errors.As(err, &se) || se.status != http.StatusRequestEntityTooLarge || !strings.Contains(err.Error(), `"pixels" has more than 1000000 values, this server's limit`) {
		t.Fatalf("%v, want 413", err)
	}
}

// FuzzDecodeReadRequest: any bytes give either a drawing whose pixels are
// width*height, within the limits, or a 400 or 413 error, never a panic;
// the pixels are the JSON's numbers, rounded.
//
//	go test -run XXX -fuzz=FuzzDecodeReadRequest -fuzztime=60s ./cmd/infer/internal/serve/
func FuzzDecodeReadRequest(f *testing.F) {
	f.Add(readJSON(3, 2, []uint8{0, 1, 2, 253, 254, 255}))
	f.Add([]byte(`{"pixels": [0.4, 254.6], "height": 1, "width": 2}`))
	f.Add([]byte(`{"width": 2, "height": 1, "pixels": [0, 0, 0]}`))
	f.Add([]byte(`{"width": 4096, "height": 245, "pixels": []}`))
	f.Add([]byte(`{"width": 1e400}`))
	f.Add([]byte(`{"width": -1, "height": 1, "pixels": []}`))
	f.Add([]byte(`{"width": 1, "height": 1, "pixels": null}`))
	f.Add([]byte(`{"width": 1, "height": 1, "pixels": [[]]}`))
	f.Add([]byte(`{"a": {"pixels": []}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := decodeReadRequest(bytes.NewReader(b))
		if err != nil {
			var se *statusError
			if !errors.As(err, &se) || (se.status != http.StatusBadRequest && se.status != http.StatusRequestEntityTooLarge) || q.pixels != nil {
				t.Fatalf("error %v (%T), want a 400 or 413 statusError and no pixels", err, err)
			}
			return
		}
		if q.width < 1 || q.height < 1 || q.width > demo.MaxReadSide || q.height > demo.MaxReadSide ||
			q.width*q.height > demo.MaxReadPixels || len(q.pixels) != q.width*q.height {
			t.Fatalf("accepted a %dx%d drawing of %d pixels", q.width, q.height, len(q.pixels))
		}
		var doc struct{ Pixels []float64 }
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("accepted what encoding/json refuses: %v", err)
		}
		for i, v := range doc.Pixels {
			if d := float64(q.pixels[i]) - v; d > 0.5 || d < -0.5 {
				t.Fatalf("pixel %d is %d, the JSON says %v", i, q.pixels[i], v)
			}
		}
		again, err := decodeReadRequest(bytes.NewReader(readJSON(q.width, q.height, q.pixels)))
		if err != nil || !bytes.Equal(again.pixels, q.pixels) || again.width != q.width {
			t.Fatalf("written again: %v", err)
		}
	})
}
