package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"log"
	"math"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/data/imagefile"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
	"github.com/lenet5-go/lenet5/train"
	xdraw "golang.org/x/image/draw"
)

var (
	setupOnce sync.Once
	model     *modelfile.Model
	mnist     *data.MNIST
	setupErr  error
)

// setup loads the shipped model and MNIST once for the package's tests.
func setup(t testing.TB) (*modelfile.Model, *data.MNIST) {
	t.Helper()
	setupOnce.Do(func() {
		if model, setupErr = models.Default(); setupErr != nil {
			return
		}
		mnist, setupErr = data.Load("")
	})
	if setupErr != nil {
		t.Fatal(setupErr)
	}
	return model, mnist
}

// newServer makes a server of the shipped model whose log goes to logs.
func newServer(t testing.TB, cfg Config, logs io.Writer) *Server {
	t.Helper()
	cfg.Model, _ = setup(t)
	if logs == nil {
		logs = io.Discard
	}
	cfg.Log = log.New(logs, "", 0)
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// call runs one request through the server's handler.
func call(s *Server, method, path, ctype string, body []byte) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, bytes.NewReader(body))
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	return w
}

// answer is the API's answer, as a client reads it.
type answer struct {
	Digit         int       `json:"digit"`
	Confidence    float64   `json:"confidence"`
	Probabilities []float64 `json:"probabilities"`
	Layers        map[string]struct {
		Name   string     `json:"name"`
		Shape  []int      `json:"shape"`
		Range  [2]float64 `json:"range"`
		Values []float64  `json:"values"`
	} `json:"layers"`
	Error string `json:"error"`
}

func decodeAnswer(t testing.TB, w *httptest.ResponseRecorder) answer {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json (body %q)", ct, w.Body.String())
	}
	var a answer
	dec := json.NewDecoder(w.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("answer is not the API's JSON: %v", err)
	}
	return a
}

// pixelsJSON is the JSON body of a drawing.
func pixelsJSON(pixels []uint8) []byte {
	v := make([]int, len(pixels))
	for i, p := range pixels {
		v[i] = int(p)
	}
	b, _ := json.Marshal(map[string]any{"pixels": v})
	return b
}

// zerosJSON is a JSON list of n zeros.
func zerosJSON(n int) string {
	return "[" + strings.TrimSuffix(strings.Repeat("0,", n), ",") + "]"
}

// grey returns 28x28 pixels as an image.
func grey(pixels []uint8) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, data.Side, data.Side))
	copy(g.Pix, pixels)
	return g
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hugePNG is a valid PNG header claiming w x h pixels, with no pixel data.
func hugePNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, payload []byte) {
		n := len(payload)
		b.Write([]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
		in := append([]byte(typ), payload...)
		b.Write(in)
		c := crc32.ChecksumIEEE(in)
		b.Write([]byte{byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)})
	}
	chunk("IHDR", []byte{byte(w >> 24), byte(w >> 16), byte(w >> 8), byte(w), byte(h >> 24), byte(h >> 16), byte(h >> 8), byte(h), 8, 0, 0, 0, 0})
	chunk("IEND", nil)
	return b.Bytes()
}

// multipartBody is a form with the given parts (name, file name, content).
func multipartBody(t testing.TB, parts ...[3]string) (ctype string, body []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p[1] == "" {
			w, err = mw.CreateFormField(p[0])
		} else {
			w, err = mw.CreateFormFile(p[0], p[1])
		}
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, p[2])
	}
	mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

// Every bad request is answered with its status and a JSON error saying
// what is wrong; none reaches the model.
func TestPredictBadRequests(t *testing.T) {
	_, m := setup(t)
	s := newServer(t, Config{Workers: 1, MaxBodyBytes: 1 << 20}, nil)
	digit := encodePNG(t, grey(m.Test.Image(0)))
	var jpg bytes.Buffer
	jpeg.Encode(&jpg, grey(m.Test.Image(1)), nil)
	corrupt := bytes.Clone(jpg.Bytes())
	for k := 200; k < len(corrupt)-2; k += 7 {
		corrupt[k] ^= 0xa5
	}
	white := make([]uint8, data.ImageSize)
	for i := range white {
		white[i] = 255
	}
	valid := string(pixelsJSON(m.Test.Image(0)))
	formType, noImageForm := multipartBody(t, [3]string{"comment", "", "hello"})
	_, oversizedForm := multipartBody(t, [3]string{"image", "big.png", strings.Repeat("x", 1<<20)})
	tests := []struct {
		name, method, ctype string
		body                []byte
		status              int
		want                string
	}{
		{"oversized image", "POST", "image/png", bytes.Repeat([]byte{1}, 1<<20+1), 413, "larger than 1048576 bytes"},
		{"oversized JSON", "POST", "application/json", []byte(`{"pixels": [` + strings.Repeat(" ", 1<<20) + `]}`), 413, "larger than 1048576 bytes"},
		{"oversized form", "POST", formType, oversizedForm, 413, "larger than 1048576 bytes"},
		{"image over the pixel limit", "POST", "image/png", hugePNG(5000, 5000), 413, "5000x5000 pixels, more than this server's limit"},
		{"image header of 10^10 pixels", "POST", "image/png", hugePNG(100000, 100000), 413, "more than this server's limit"},
		{"text/plain", "POST", "text/plain", digit, 415, `Content-Type "text/plain"`},
		{"form-urlencoded", "POST", "application/x-www-form-urlencoded", []byte("pixels=1"), 415, "send application/json"},
		{"no content type", "POST", "", digit, 415, "send application/json"},
		{"malformed content type", "POST", "image/png; =x", digit, 415, "Content-Type"},
		{"multipart without boundary", "POST", "multipart/form-data", digit, 400, "without a boundary"},
		{"form without image", "POST", formType, noImageForm, 400, "no image file"},
		{"empty image", "POST", "image/png", nil, 400, "image: empty file"},
		{"text as image", "POST", "image/png", []byte("not the pixels you are looking for"), 400, "not a PNG, JPEG, GIF, BMP, TIFF or WebP image"},
		{"truncated PNG", "POST", "image/png", digit[:len(digit)/2], 400, "truncated or corrupt image"},
		{"corrupt JPEG", "POST", "image/jpeg", corrupt, 400, "truncated or corrupt image"},
		{"blank drawing", "POST", "application/json", pixelsJSON(make([]uint8, data.ImageSize)), 400, "pixels: no digit found"},
		{"white drawing", "POST", "application/json", pixelsJSON(white), 400, "pixels: no digit found"},
		{"blank image", "POST", "image/png", encodePNG(t, grey(white)), 400, "image: no digit found"},
		{"empty JSON body", "POST", "application/json", nil, 400, "unexpected EOF"},
		{"malformed JSON", "POST", "application/json", []byte(`{"pixels": [0, 0,`), 400, "JSON: unexpected EOF"},
		{"bad JSON syntax", "POST", "application/json", []byte(`{"pixels": [0, 0 0]}`), 400, "JSON: invalid character"},
		{"JSON array", "POST", "application/json", []byte(zerosJSON(784)), 400, `want an object {"pixels": [...]}, got "["`},
		{"JSON no pixels", "POST", "application/json", []byte(`{}`), 400, `no "pixels" field`},
		{"JSON unknown field", "POST", "application/json", []byte(`{"pixels": ` + zerosJSON(784) + `, "colour": 1}`), 400, `unknown field "colour"`},
		{"JSON pixels twice", "POST", "application/json", []byte(`{"pixels": ` + zerosJSON(784) + `, "pixels": ` + zerosJSON(784) + `}`), 400, `given twice`},
		{"JSON pixels not a list", "POST", "application/json", []byte(`{"pixels": "0,0,0"}`), 400, `must be an array of 784 numbers, got the string "0,0,0"`},
		{"783 pixels", "POST", "application/json", []byte(`{"pixels": ` + zerosJSON(783) + `}`), 400, `"pixels" has 783 values, want 784`},
		{"785 pixels", "POST", "application/json", []byte(`{"pixels": ` + zerosJSON(785) + `}`), 400, `more than 784 values`},
		{"no pixels", "POST", "application/json", []byte(`{"pixels": []}`), 400, `"pixels" has 0 values, want 784`},
		{"pixel 256", "POST", "application/json", []byte(`{"pixels": [256` + zerosJSON(784)[2:] + `}`), 400, "pixel 0 is 256: want a number from 0 to 255"},
		{"pixel -1", "POST", "application/json", []byte(`{"pixels": [0,-1` + zerosJSON(784)[4:] + `}`), 400, "pixel 1 is -1"},
		{"pixel string", "POST", "application/json", []byte(`{"pixels": ["7"` + zerosJSON(784)[2:] + `}`), 400, `pixel 0 is the string "7"`},
		{"pixel null", "POST", "application/json", []byte(`{"pixels": [null` + zerosJSON(784)[2:] + `}`), 400, "pixel 0 is null"},
		{"pixel huge", "POST", "application/json", []byte(`{"pixels": [1e999` + zerosJSON(784)[2:] + `}`), 400, "JSON:"},
		{"data after the object", "POST", "application/json", []byte(valid + `{}`), 400, "data after the object"},
		{"GET", "GET", "", nil, 405, "use POST"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := call(s, tc.method, "/api/predict", tc.ctype, tc.body)
			if w.Code != tc.status {
				t.Errorf("status %d, want %d (body %q)", w.Code, tc.status, w.Body.String())
			}
			a := decodeAnswer(t, w)
			if !strings.Contains(a.Error, tc.want) || a.Layers != nil {
				t.Errorf("answer %q, want an error saying %q and nothing else", w.Body.String(), tc.want)
			}
		})
	}
	if w := call(s, "POST", "/api/predict", "application/json", []byte(valid)); w.Code != 200 {
		t.Fatalf("a good request after the bad ones: %d %s", w.Code, w.Body.String())
	}
}

// A body over the limit is refused while it is read, before it is all
// read, when it comes without a Content-Length (chunked).
func TestPredictChunkedOversized(t *testing.T) {
	s := newServer(t, Config{Workers: 1, MaxBodyBytes: 1 << 16}, nil)
	r := httptest.NewRequest("POST", "/api/predict", io.MultiReader(bytes.NewReader(hugePNG(20, 20)), strings.NewReader(strings.Repeat("x", 1<<20))))
	r.ContentLength = -1
	r.Header.Set("Content-Type", "image/png")
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	if a := decodeAnswer(t, w); w.Code != 413 || !strings.Contains(a.Error, "larger than 65536 bytes") {
		t.Fatalf("%d %q, want 413", w.Code, w.Body.String())
	}
}

// checkAnswer checks an answer's invariants: probabilities, confidence,
// the layers' shapes, ranges and sizes, and the code of the digit.
func checkAnswer(t *testing.T, a answer) {
	t.Helper()
	var total float64
	best := 0
	for d, p := range a.Probabilities {
		total += p
		if p > a.Probabilities[best] {
			best = d
		}
	}
	if len(a.Probabilities) != 10 || math.Abs(total-1) > 1e-9 || best != a.Digit || a.Confidence != a.Probabilities[a.Digit] {
		t.Fatalf("digit %d, confidence %v, probabilities %v", a.Digit, a.Confidence, a.Probabilities)
	}
	shapes := map[string][]int{
		"input": {1, 32, 32}, "C1": {6, 28, 28}, "S2": {6, 14, 14}, "C3": {16, 10, 10}, "S4": {16, 5, 5},
		"C5": {120}, "F6": {84}, "code": {84}, "output": {10},
	}
	if len(a.Layers) != len(shapes) {
		t.Fatalf("layers %d, want %d", len(a.Layers), len(shapes))
	}
	for name, shape := range shapes {
		l, ok := a.Layers[name]
		size := 1
		for _, n := range shape {
			size *= n
		}
		if !ok || fmt.Sprint(l.Shape) != fmt.Sprint(shape) || len(l.Values) != size || !(l.Range[0] < l.Range[1]) {
			t.Fatalf("layer %s: shape %v, %d values, range %v; want %v", name, l.Shape, len(l.Values), l.Range, shape)
		}
		for _, v := range l.Values {
			if v < l.Range[0]-1e-3 || v > l.Range[1]+1e-3 {
				t.Fatalf("layer %s: value %v outside %v", name, v, l.Range)
			}
		}
	}
	codes := graph.RBFCodes()
	for k, v := range a.Layers["code"].Values {
		if v != codes[a.Digit*graph.F6Units+k] {
			t.Fatalf("code is not digit %d's", a.Digit)
		}
	}
	out := a.Layers["output"]
	if out.Name != "RBF distance" || graph.Predict(graph.RBF, out.Values)[0] != a.Digit {
		t.Fatalf("output %q %v does not give digit %d", out.Name, out.Values, a.Digit)
	}
}

// MNIST test digits sent as JSON pixels, as a PNG and as a form are
// classified right, and the drawing and the image file of the same pixels
// get the same answer: they go through the same normalisation.
func TestPredictDigits(t *testing.T) {
	mod, m := setup(t)
	s := newServer(t, Config{Workers: 2}, nil)
	eval := train.NewEvaluator(mod, 0, 1)
	defer eval.Close()
	r, err := eval.Evaluate(m.Test, data.Range(40))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for i, p := range r.Predictions {
		if p != m.Test.Label(i) {
			continue // the reference: digits the model gets right from MNIST's own input
		}
		checked++
		pixels := m.Test.Image(i)
		file := encodePNG(t, grey(pixels))
		ftype, form := multipartBody(t, [3]string{"note", "", "x"}, [3]string{"image", "digit.png", string(file)})
		var bodies []string
		for _, req := range []struct {
			ctype string
			body  []byte
		}{{"application/json", pixelsJSON(pixels)}, {"image/png", file}, {ftype, form}, {"application/octet-stream", file}} {
			w := call(s, "POST", "/api/predict", req.ctype, req.body)
			a := decodeAnswer(t, w)
			if w.Code != 200 || a.Digit != m.Test.Label(i) {
				t.Fatalf("test image %d as %s: %d, digit %d, want %d (%s)", i, req.ctype, w.Code, a.Digit, m.Test.Label(i), a.Error)
			}
			checkAnswer(t, a)
			bodies = append(bodies, w.Body.String())
		}
		for k := 1; k < len(bodies); k++ {
			if bodies[k] != bodies[0] {
				t.Fatalf("test image %d: the answers to the drawing and to its image file differ", i)
			}
		}
		// The input layer is the digit as imagefile.ReadDigit and
		// data.Preprocess make it, as on the command line.
		raw, err := imagefile.ReadDigit(bytes.NewReader(file), "x")
		if err != nil {
			t.Fatal(err)
		}
		input := make([]float32, data.InputSize)
		data.Preprocess(input, raw)
		var a answer
		json.Unmarshal([]byte(bodies[0]), &a)
		for k, v := range a.Layers["input"].Values {
			if math.Abs(v-float64(input[k])) > 5e-4 {
				t.Fatalf("input value %d is %v, want %v", k, v, input[k])
			}
		}
	}
	if checked < 30 {
		t.Fatalf("only %d digits checked", checked)
	}
}

// A drawing off centre and small, as a person draws in a corner of the
// pad, is cropped, scaled to 20 pixels and centred by mass before the
// network sees it, as MNIST's digits were.
func TestDrawingIsNormalised(t *testing.T) {
	_, m := setup(t)
	s := newServer(t, Config{Workers: 1}, nil)
	right := 0
	for i := range 20 {
		src := grey(m.Test.Image(i))
		small := image.NewGray(image.Rect(0, 0, data.Side, data.Side))
		xdraw.CatmullRom.Scale(small, image.Rect(1, 2, 17, 18), src, src.Bounds(), xdraw.Src, nil)
		w := call(s, "POST", "/api/predict", "application/json", pixelsJSON(small.Pix))
		a := decodeAnswer(t, w)
		if w.Code != 200 {
			t.Fatalf("%d: %s", w.Code, a.Error)
		}
		// The ink of the input the network saw: its box is 20 pixels on
		// the longer side and its centre of mass is near the centre.
		in := a.Layers["input"].Values
		var mass, mx, my float64
		minX, minY, maxX, maxY := data.InputSide, data.InputSide, -1, -1
		for y := range data.InputSide {
			for x := range data.InputSide {
				v := in[y*data.InputSide+x] - data.Background
				if v > 0.2 {
					minX, minY, maxX, maxY = min(minX, x), min(minY, y), max(maxX, x), max(maxY, y)
				}
				mass += v
				mx += v * float64(x)
				my += v * float64(y)
			}
		}
		long := max(maxX-minX, maxY-minY) + 1
		cx, cy := mx/mass, my/mass
		if long < 19 || long > 21 || math.Abs(cx-16) > 1 || math.Abs(cy-16) > 1 {
			t.Errorf("test image %d drawn small in a corner: the network saw ink %d pixels long, centred at (%.1f, %.1f); want 20 and (16, 16)", i, long, cx, cy)
		}
		if a.Digit == m.Test.Label(i) {
			right++
		}
	}
	t.Logf("%d of 20 digits drawn small in a corner read right", right)
	if right < 15 {
		t.Errorf("only %d of 20 digits drawn small in a corner read right", right)
	}
}

// At most Workers evaluations run at once, however many requests come.
func TestAtMostWorkersEvaluations(t *testing.T) {
	_, m := setup(t)
	s := newServer(t, Config{Workers: 2}, nil)
	body := pixelsJSON(m.Test.Image(3))
	var wg sync.WaitGroup
	codes := make([]int, 24)
	for k := range codes {
		wg.Go(func() { codes[k] = call(s, "POST", "/api/predict", "application/json", body).Code })
	}
	wg.Wait()
	for k, c := range codes {
		if c != 200 {
			t.Fatalf("request %d: %d", k, c)
		}
	}
	if peak := s.pool.peak.Load(); peak < 1 || peak > 2 {
		t.Fatalf("%d evaluations at once, want at most 2", peak)
	}
	if busy := s.pool.busy.Load(); busy != 0 {
		t.Fatalf("%d workers still taken after all requests", busy)
	}
}

// A request that finds every worker busy past QueueTimeout is answered
// 503 with Retry-After; once a worker is free, requests succeed again.
func TestBusyAnswers503(t *testing.T) {
	_, m := setup(t)
	s := newServer(t, Config{Workers: 1, QueueTimeout: 20 * time.Millisecond}, nil)
	net, err := s.pool.acquire(context.Background(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	body := pixelsJSON(m.Test.Image(0))
	w := call(s, "POST", "/api/predict", "application/json", body)
	if a := decodeAnswer(t, w); w.Code != 503 || w.Header().Get("Retry-After") == "" || !strings.Contains(a.Error, "busy") {
		t.Fatalf("%d %q (Retry-After %q), want 503", w.Code, w.Body.String(), w.Header().Get("Retry-After"))
	}
	var h health
	json.Unmarshal(call(s, "GET", "/healthz", "", nil).Body.Bytes(), &h)
	if h.Busy != 1 || h.Workers != 1 {
		t.Fatalf("healthz %+v while the worker is taken", h)
	}
	s.pool.release(net)
	if w := call(s, "POST", "/api/predict", "application/json", body); w.Code != 200 {
		t.Fatalf("after the worker is free: %d", w.Code)
	}
}

// A panic in a handler is logged with its stack and answered 500 with a
// JSON error; the server goes on serving. A panic after the answer began
// aborts the connection, so the client sees a failure, not half a body.
func TestPanicIsRecovered(t *testing.T) {
	var logs bytes.Buffer
	s := newServer(t, Config{Workers: 1}, &logs)
	h := recoverPanics(s, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/late" {
			w.Write([]byte(`{"digit":`))
		}
		var queue []int
		queue[len(r.URL.Path)]++ // past the end: a real runtime panic
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/early", nil))
	if a := decodeAnswer(t, w); w.Code != 500 || a.Error != "internal error" {
		t.Fatalf("%d %q, want 500 and a JSON error", w.Code, w.Body.String())
	}
	if !strings.Contains(logs.String(), "panic serving GET /early: runtime error: index out of range") || !strings.Contains(logs.String(), "goroutine") {
		t.Fatalf("log %q, want the panic and its stack", logs.String())
	}
	ts := httptest.NewServer(h)
	defer ts.Close()
	if resp, err := http.Get(ts.URL + "/late"); err == nil {
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Fatalf("a panic after the answer began gave a whole answer: %d %q", resp.StatusCode, b)
		}
	}
	if w := call(s, "GET", "/healthz", "", nil); w.Code != 200 {
		t.Fatalf("healthz after the panics: %d", w.Code)
	}
}

// The page, its script and its style are served from the binary, with a
// policy that lets the page load nothing from elsewhere, and the page takes
// its answers from this server (package page checks that no file of the
// page names another site).
func TestPageAndAssets(t *testing.T) {
	s := newServer(t, Config{Workers: 1}, nil)
	w := call(s, "GET", "/", "", nil)
	page := w.Body.String()
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(page, `<canvas id="pad"`) || !strings.Contains(page, `src="static/app.js"`) || !strings.Contains(page, `data-backend="http"`) {
		t.Fatalf("GET /: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Fatalf("Content-Security-Policy %q", csp)
	}
	for _, tc := range []struct{ path, ctype string }{{"/static/app.js", "text/javascript"}, {"/static/style.css", "text/css"}} {
		w := call(s, "GET", tc.path, "", nil)
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), tc.ctype) || w.Body.Len() < 500 || w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: %d %q, %d bytes", tc.path, w.Code, w.Header().Get("Content-Type"), w.Body.Len())
		}
	}
	for _, path := range []string{"/static/", "/static/nope.js", "/index.html/x", "/nope"} {
		if w := call(s, "GET", path, "", nil); w.Code != 404 {
			t.Errorf("GET %s: %d, want 404", path, w.Code)
		}
	}
	var h health
	w = call(s, "GET", "/healthz", "", nil)
	if err := json.Unmarshal(w.Body.Bytes(), &h); err != nil || w.Code != 200 || h.Status != "ok" || h.Head != "rbf" || h.Workers != 1 {
		t.Fatalf("healthz: %d %q", w.Code, w.Body.String())
	}
}

// The server's timeouts close a connection whose headers never end, and
// answer 400 to a body that stops coming.
func TestTimeouts(t *testing.T) {
	s := newServer(t, Config{Workers: 1, ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 400 * time.Millisecond}, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()
	for _, tc := range []struct{ name, send, want string }{
		{"headers never end", "POST /api/predict HTTP/1.1\r\nHost: x\r\n", ""},
		{"body stops", "POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 1000\r\n\r\n\x89PNG", "HTTP/1.1 400"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second)) // a stop for a broken test, far above the timeouts
			io.WriteString(c, tc.send)
			got, err := io.ReadAll(c) // until the server closes the connection
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the server kept the connection open: %v", err)
			}
			if !strings.HasPrefix(string(got), tc.want) || (tc.want == "" && len(got) > 0) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// When Serve's context ends, the server stops accepting connections but
// finishes the request in flight, then Serve returns nil.
func TestGracefulShutdown(t *testing.T) {
	_, m := setup(t)
	var logs bytes.Buffer
	s := newServer(t, Config{Workers: 1}, &logs)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if err := inFlight(c, pixelsJSON(m.Test.Image(0))); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := waitRefused(addr); err != nil {
		t.Fatal(err)
	}
	resp, err := finish(c, pixelsJSON(m.Test.Image(0)))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.Contains(resp.body, fmt.Sprintf(`"digit":%d`, m.Test.Label(0))) {
		t.Fatalf("request in flight: %d %.80s", resp.StatusCode, resp.body)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Fatalf("log %q", logs.String())
	}
}

// inFlight starts a request on c and returns once the handler is reading
// its body: the server's "100 Continue" says so.
func inFlight(c net.Conn, body []byte) error {
	fmt.Fprintf(c, "POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", len(body))
	const cont = "HTTP/1.1 100 Continue\r\n\r\n"
	got := make([]byte, len(cont))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != cont {
		return fmt.Errorf("want 100 Continue, got %q (%v)", got, err)
	}
	return nil
}

// waitRefused waits until addr refuses connections.
func waitRefused(addr string) error {
	for range 500 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return nil
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("%s still accepts connections", addr)
}

type rawResponse struct {
	StatusCode int
	body       string
}

// finish sends the rest of the request begun by inFlight and reads the answer.
func finish(c net.Conn, body []byte) (rawResponse, error) {
	if _, err := c.Write(body); err != nil {
		return rawResponse{}, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return rawResponse{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return rawResponse{resp.StatusCode, string(b)}, err
}

// New refuses a config without a model.
func TestNewNeedsModel(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Fatal("no error")
	}
}
