package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/internal/browsertest"
)

// siteOnce builds the site once for the package's tests: building the
// WebAssembly module takes most of a test's time.
var siteOnce struct {
	sync.Once
	dir   string
	files []file
	err   error
}

func builtSite(t *testing.T) string {
	t.Helper()
	siteOnce.Do(func() {
		tmp, err := os.MkdirTemp("", "site-test")
		if err != nil {
			siteOnce.err = err
			return
		}
		siteOnce.dir = filepath.Join(tmp, "site")
		siteOnce.files, siteOnce.err = write(siteOnce.dir)
	})
	if siteOnce.err != nil {
		t.Fatal(siteOnce.err)
	}
	return siteOnce.dir
}

// answer is the part of the page's answer (and of infer -json's line) the
// tests compare.
type answer struct {
	Digit         int       `json:"digit"`
	Confidence    float64   `json:"confidence"`
	Probabilities []float64 `json:"probabilities"`
}

// inferAnswer runs the real infer command on file with -digit -json: the
// page classifies the whole drawing as one digit.
func inferAnswer(t *testing.T, infer, file string) answer {
	t.Helper()
	out, err := exec.Command(infer, "-digit", "-json", file).Output()
	if err != nil {
		t.Fatalf("infer -json %s: %v", file, err)
	}
	var a answer
	if err := json.Unmarshal(out, &a); err != nil {
		t.Fatalf("infer -json %s: %q: %v", file, out, err)
	}
	return a
}

// pageAnswer is the last answer the page showed.
func pageAnswer(p browsertest.Page) answer {
	return browsertest.Eval[answer](p, `window.lenet5Demo.answer()`)
}

// samePiece checks that the layers the page shows for digit k of its
// reading are infer's answer to that digit's piece (the 28x28 drawing the
// page sends for it) saved as a PNG.
func samePiece(t *testing.T, p browsertest.Page, what, infer string, k int) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "piece.png")
	p.SavePiece(k, file)
	sameAnswer(t, what, infer, file, pageAnswer(p))
}

// sameAnswer checks that the page answered as infer does on file: the
// same digit, and every probability within 1e-6. Not to the last digit:
// the WebAssembly module runs the generic Go kernels and Go's portable
// math.Exp, infer on amd64 vector kernels and an assembly math.Exp, which
// round float32 sums and exponentials differently (relative differences
// near 1e-5 in probabilities of 1e-50, logged; docs/serving.md).
func sameAnswer(t *testing.T, what, infer, file string, got answer) {
	t.Helper()
	want := inferAnswer(t, infer, file)
	same := got.Digit == want.Digit && len(got.Probabilities) == len(want.Probabilities)
	worst := 0.0
	for d := range want.Probabilities {
		same = same && math.Abs(got.Probabilities[d]-want.Probabilities[d]) <= 1e-6
		if want.Probabilities[d] > 0 {
			worst = max(worst, math.Abs(got.Probabilities[d]-want.Probabilities[d])/want.Probabilities[d])
		}
	}
	if !same {
		t.Fatalf("%s: the page answers %+v, infer %+v", what, got, want)
	}
	t.Logf("%s: digit %d as infer; probabilities within a relative %.1e of infer's", what, got.Digit, worst)
}

// readingTolerance is how far the site's reading confidences may be from
// infer's on the same pixels. More than the probabilities' 1e-6: a
// digit's confidence is a posterior of the piece's RBF distances, which
// are near 100, where float32 steps by 8e-6; the kernels' different
// summation orders move the distances by a few units in the last place,
// and a confidence p by about p(1-p) times that: 1.7e-6 measured for a 7
// read at 0.89 (docs/serving.md).
const readingTolerance = 1e-5

// marks returns the start times, in ms from the start of navigation, of the
// page's User Timing marks of that name.
func marks(p browsertest.Page, name string) []float64 {
	return browsertest.Eval[[]float64](p, fmt.Sprintf(`performance.getEntriesByName(%q, 'mark').map(m => m.startTime)`, name))
}

// The static site in Chromium, served by a plain static file server: the
// network runs in the page's worker. Digits drawn with the mouse, a pen
// and a finger, a number of three digits written with the mouse, and an
// uploaded picture, each answered with every layer; each reading, boxes
// and all, is infer's on the same pixels saved as an image, and each
// digit's layers infer -digit's on its piece; a box is drawn over each
// digit, and a click on a digit shows its layers. The page asks nothing of
// any other site and posts nothing; no script or console error. The
// timings it logs are docs/serving.md's.
func TestSiteInBrowser(t *testing.T) {
	browsertest.FindChromium(t)
	dir := builtSite(t)
	// The browser sends every request, its worker's too, to one local
	// server as its proxy: it serves the site's files to the site's host,
	// a made-up name, and refuses and records everything else. The page's
	// requests elsewhere would carry the page as Referer (the browser's
	// default policy sends at least the origin); Chromium's own background
	// requests (its clock, updater, accounts) carry none and are only
	// counted.
	site := newRecorder("site.test", http.FileServer(http.Dir(dir)))
	srv := httptest.NewServer(site)
	defer srv.Close()
	p, check := browsertest.Start(t,
		chromedp.ProxyServer(srv.URL),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"))
	defer check()
	siteURL := "http://" + site.host
	infer := filepath.Join(t.TempDir(), "infer")
	if out, err := exec.Command("go", "build", "-o", infer, "github.com/lenet5-go/lenet5/cmd/infer").CombinedOutput(); err != nil {
		t.Fatalf("building infer: %v\n%s", err, out)
	}

	// A first stroke as soon as the pad is there: its answer comes once
	// the module has loaded.
	p.Do(chromedp.Navigate(siteURL+"/"), chromedp.WaitVisible(chromedp.ID("pad")))
	if got := browsertest.Eval[string](p, `document.body.dataset.backend`); got != "wasm" {
		t.Fatalf("the site's page takes its answers from %q, want wasm", got)
	}
	before := p.Answers()
	p.DrawMouse(browsertest.InSlot(browsertest.StrokeSeven, 1), input.DispatchMouseEventPointerTypeMouse, false)
	p.Settle(before)
	p.ExpectDigit(7)
	ready, first := marks(p, "lenet5-ready"), marks(p, "lenet5-answer")
	t.Logf("from the start of navigation: the network ready at %.0f ms, the first answer shown at %.0f ms", ready[0], first[0])

	// A 3 with the mouse; the answer updates while the button is down.
	p.Do(chromedp.Click(chromedp.ID("clear")))
	before = p.Answers()
	p.DrawMouse(browsertest.InSlot(browsertest.StrokeThree, 1), input.DispatchMouseEventPointerTypeMouse, true)
	p.Settle(before)
	p.ExpectDigit(3)
	ends, answers := marks(p, "lenet5-stroke-end"), marks(p, "lenet5-answer")
	end := ends[len(ends)-1]
	for _, a := range answers {
		if a > end {
			t.Logf("after the stroke's end, every layer drawn in %.1f ms", a-end)
			break
		}
	}
	p.ExpectBoxes(p.SameReading(infer, t.TempDir(), readingTolerance))
	samePiece(t, p, "the 3", infer, 0)
	p.Screenshot("site.png")

	// A 0 with a pen.
	p.Do(chromedp.Click(chromedp.ID("clear")))
	before = p.Answers()
	p.DrawMouse(browsertest.InSlot(browsertest.StrokeZero, 2), input.DispatchMouseEventPointerTypePen, true)
	p.Settle(before)
	p.ExpectDigit(0)
	p.ExpectBoxes(p.SameReading(infer, t.TempDir(), readingTolerance))
	samePiece(t, p, "the 0", infer, 0)

	// An uploaded picture: the browser decodes it, the module reads it as
	// infer reads the file.
	upload := filepath.Join(t.TempDir(), "upload.png")
	m, err := data.Load("")
	if err != nil {
		t.Fatal(err)
	}
	g := image.NewGray(image.Rect(0, 0, data.Side, data.Side))
	for k, v := range m.Test.Image(0) {
		g.Pix[k] = 255 - v // dark ink on white paper
	}
	var b bytes.Buffer
	if err := png.Encode(&b, g); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(upload, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	before = p.Answers()
	p.Do(chromedp.SetUploadFiles(chromedp.ID("upload"), []string{upload}))
	p.Settle(before)
	p.ExpectDigit(m.Test.Label(0))
	sameAnswer(t, "the uploaded picture", infer, upload, pageAnswer(p))

	// The number 317 with the mouse, a digit in each third of the pad: read
	// as infer reads it, a box over each digit, and a click on a digit
	// shows its layers (the first digit's until then).
	p.Do(chromedp.Click(chromedp.ID("clear")))
	before = p.Answers()
	for k, stroke := range [][]browsertest.Point{browsertest.StrokeThree, browsertest.StrokeOne, browsertest.StrokeSeven} {
		p.DrawMouse(browsertest.InSlot(stroke, k), input.DispatchMouseEventPointerTypeMouse, false)
	}
	p.Settle(before)
	p.ExpectText("317")
	p.ExpectBoxes(p.SameReading(infer, t.TempDir(), readingTolerance))
	p.ExpectLayers(3)
	samePiece(t, p, "317's 3", infer, 0)
	p.SelectDigit(1)
	p.ExpectLayers(1)
	samePiece(t, p, "317's 1", infer, 1)
	p.SelectDigit(2)
	p.ExpectLayers(7)
	samePiece(t, p, "317's 7", infer, 2)
	p.Screenshot("site-number.png")

	// A 7 with a finger, on a phone-sized screen.
	p.Do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate(siteURL+"/"), chromedp.WaitVisible(chromedp.ID("pad")))
	before = p.Answers()
	p.DrawTouch(browsertest.InSlot(browsertest.StrokeSeven, 1))
	p.Settle(before)
	p.ExpectDigit(7)
	if w := browsertest.Eval[[]int](p, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1] {
		t.Errorf("on a 390-pixel-wide screen the page is %d pixels wide", w[0])
	}
	p.Screenshot("site-phone.png")

	requests, outside, browser := site.requests()
	for _, r := range outside {
		t.Errorf("the page made a request outside its own files: %s", r)
	}
	t.Logf("the page's requests: %v; the browser's own, refused: %d", requests, browser)
	for _, want := range []string{"GET /", "GET /static/app.js", "GET /static/worker.js", "GET /static/wasm_exec.js", "GET /static/" + moduleName} {
		if !slices.Contains(requests, want) {
			t.Errorf("no request %s seen (requests: %v)", want, requests)
		}
	}
}

// recorder serves a static site to one host name, as a proxy the browser
// sends every request to, and records each request.
type recorder struct {
	host    string
	files   http.Handler
	mu      sync.Mutex
	seen    []string // "METHOD /path" of the site's requests
	other   []string // the page's requests that are not a GET of its files
	browser int      // requests elsewhere with no Referer: Chromium's own
}

func newRecorder(host string, files http.Handler) *recorder {
	return &recorder{host: host, files: files}
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if r.Method != http.MethodGet || r.Host != rec.host {
		if r.Host == rec.host || r.Referer() != "" {
			rec.other = append(rec.other, r.Method+" "+r.Host+r.URL.RequestURI()+" (Referer "+r.Referer()+")")
		} else {
			rec.browser++
		}
		http.Error(w, "not this site's", http.StatusForbidden)
		return
	}
	rec.seen = append(rec.seen, r.Method+" "+r.URL.Path)
	rec.files.ServeHTTP(w, r)
}

// requests returns the site's requests, the page's others, and the count
// of the browser's own.
func (rec *recorder) requests() (site, other []string, browser int) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.seen), slices.Clone(rec.other), rec.browser
}
