// Package browsertest drives the demo page (package demo/page) in headless
// Chromium with real input events, for the browser tests of infer -serve
// and of cmd/site's static site: start a browser, write digits with the
// mouse, a pen or a finger, wait for the page's answer, check what it drew
// (the text read, the boxes over the pad, a digit's bars and layers) and
// that it is what the infer command answers for the same pixels. Tests
// import it; no program does.
package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/lenet5-go/lenet5/internal/testenv"
)

// chromiumNames are the names Chromium goes by on PATH.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// FindChromium returns Chromium's path. Without Chromium on PATH the test
// skips with one line naming the package to install, or fails when the
// environment variable CI is set (internal/testenv): CI installs it
// (`apt-get install -y chromium`, .ci/run).
func FindChromium(t *testing.T) string {
	t.Helper()
	return testenv.LookPath(t, "Chromium", "apt-get install -y chromium", chromiumNames...)
}

// Point is a position on the drawing pad, (0, 0) its top left corner and
// (1, 1) its bottom right.
type Point struct{ X, Y float64 }

// Slots is how many square boxes side by side the pad holds: it is 3:1.
const Slots = 3

// InSlot returns the stroke, drawn for a square pad, moved into square k
// (0, 1 or 2 from the left) of the wide pad: the strokes below are of one
// digit, and a number is written one digit per slot.
func InSlot(stroke []Point, k int) []Point {
	out := make([]Point, len(stroke))
	for i, q := range stroke {
		out[i] = Point{(float64(k) + q.X) / Slots, q.Y}
	}
	return out
}

// Arc returns points of the ellipse centred at (cx, cy) with radii rx, ry,
// from angle a0 to a1 in degrees, clockwise on the screen (y points down).
func Arc(cx, cy, rx, ry, a0, a1 float64) []Point {
	var ps []Point
	steps := int(math.Abs(a1-a0) / 6)
	for k := 0; k <= steps; k++ {
		a := (a0 + (a1-a0)*float64(k)/float64(steps)) * math.Pi / 180
		ps = append(ps, Point{cx + rx*math.Cos(a), cy + ry*math.Sin(a)})
	}
	return ps
}

// Strokes of four digits, as a person draws them, in one stroke each, on
// a square pad: InSlot moves them into a box of the wide pad.
var (
	StrokeThree = append(Arc(0.5, 0.33, 0.17, 0.14, 200, 450), Arc(0.5, 0.64, 0.19, 0.17, 270, 520)...)
	StrokeZero  = Arc(0.5, 0.5, 0.2, 0.3, 260, 630)
	StrokeSeven = []Point{{0.28, 0.22}, {0.72, 0.22}, {0.46, 0.82}}
	StrokeOne   = []Point{{0.56, 0.2}, {0.46, 0.8}}
)

// densify adds points between the stroke's so that no two are more than
// step apart, as a real pointer's moves are.
func densify(ps []Point, step float64) []Point {
	out := []Point{ps[0]}
	for _, p := range ps[1:] {
		q := out[len(out)-1]
		n := int(math.Ceil(math.Hypot(p.X-q.X, p.Y-q.Y) / step))
		for k := 1; k <= n; k++ {
			out = append(out, Point{q.X + (p.X-q.X)*float64(k)/float64(n), q.Y + (p.Y-q.Y)*float64(k)/float64(n)})
		}
	}
	return out
}

// Page drives the demo page in one tab.
type Page struct {
	T   *testing.T
	Ctx context.Context
}

// Start starts Chromium (headless, as root in CI) with one tab of
// 1280x1000 and watches it: every script error and console error is
// reported by the returned check, which the test calls at its end (and
// which fails it). The browser stops when the test ends. flags are more
// options for the browser (chromedp.Flag).
func Start(t *testing.T, flags ...chromedp.ExecAllocatorOption) (p Page, check func()) {
	t.Helper()
	chromium := FindChromium(t)
	var browserLog syncBuffer
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox, // root in CI
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.WindowSize(1280, 1000),
		chromedp.CombinedOutput(&browserLog),
	)
	opts = append(opts, flags...)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v\n%s", chromium, err, browserLog.String())
	}
	p = Page{T: t, Ctx: ctx}

	var mu sync.Mutex
	var pageErrors []string
	report := func(s string) {
		mu.Lock()
		pageErrors = append(pageErrors, s)
		mu.Unlock()
	}
	go func() {
		for ev, err := range chromedp.Events(ctx, runtime.ExceptionThrown) {
			if err != nil {
				return
			}
			report(fmt.Sprintf("exception: %s %v", ev.ExceptionDetails.Text, ev.ExceptionDetails.Exception))
		}
	}()
	go func() {
		for ev, err := range chromedp.Events(ctx, cdplog.EntryAdded) {
			if err != nil {
				return
			}
			if ev.Entry.Level == cdplog.EntryLevelError {
				report(fmt.Sprintf("console: %s (%s)", ev.Entry.Text, ev.Entry.URL))
			}
		}
	}()
	go func() {
		for ev, err := range chromedp.Events(ctx, runtime.ConsoleAPICalled) {
			if err != nil {
				return
			}
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				report(fmt.Sprintf("console.error: %v", ev.Args))
			}
		}
	}()
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	check = func() {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		for _, e := range pageErrors {
			t.Errorf("page error: %s", e)
		}
	}
	return p, check
}

// Do runs steps in the tab, failing the test on an error.
func (p Page) Do(steps ...chromedp.Action[chromedp.Void]) {
	p.T.Helper()
	if err := chromedp.Do(p.Ctx, steps...); err != nil {
		p.T.Fatal(err)
	}
}

// Eval evaluates a JavaScript expression that reads the page.
func Eval[T any](p Page, expr string) T {
	p.T.Helper()
	v, err := chromedp.Run(p.Ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.T.Fatalf("%s: %v", expr, err)
	}
	return v
}

// PadBox is the pad's rectangle in CSS pixels of the viewport.
func (p Page) PadBox() (x, y, w, h float64) {
	p.T.Helper()
	r := Eval[[]float64](p, `(() => { const r = document.getElementById('pad').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
	return r[0], r[1], r[2], r[3]
}

// Answers is how many answers the page has shown.
func (p Page) Answers() int {
	return Eval[int](p, `Number(document.body.dataset.answers)`)
}

// Settle waits until the page has shown more than `after` answers and has
// no request running or waiting.
func (p Page) Settle(after int) {
	p.T.Helper()
	expr := fmt.Sprintf(`Number(document.body.dataset.answers) > %d && document.body.dataset.busy === "0"`, after)
	if _, err := chromedp.Run(p.Ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		p.T.Fatalf("the page showed no new answer: %v (status %q)", err, Eval[string](p, `document.getElementById('status').textContent`))
	}
}

// DrawMouse draws a stroke with mouse (or pen) events: press, moves with
// the button held, release. With settleHalfway it waits, halfway, for the
// page to answer while the button is still down: the prediction updates
// while drawing.
func (p Page) DrawMouse(stroke []Point, pointer input.DispatchMouseEventPointerType, settleHalfway bool) {
	p.T.Helper()
	x0, y0, w, h := p.PadBox()
	ps := densify(stroke, 0.015)
	ev := func(typ input.DispatchMouseEventType, q Point, buttons int64) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			params := input.DispatchMouseEventParams{Type: typ, X: x0 + q.X*w, Y: y0 + q.Y*h, Button: input.MouseButtonLeft,
				Buttons: buttons, ClickCount: 1, PointerType: pointer}
			if pointer == input.DispatchMouseEventPointerTypePen {
				params.Force = 0.6
			}
			_, err := cdp.Call(ctx, t, input.DispatchMouseEvent, params)
			return err
		})
	}
	before := p.Answers()
	p.Do(ev(input.DispatchMouseEventTypeMouseMoved, ps[0], 0), ev(input.DispatchMouseEventTypeMousePressed, ps[0], 1))
	for k, q := range ps[1:] {
		p.Do(ev(input.DispatchMouseEventTypeMouseMoved, q, 1))
		if settleHalfway && k == len(ps)/2 {
			p.Settle(before)
		}
	}
	p.Do(ev(input.DispatchMouseEventTypeMouseReleased, ps[len(ps)-1], 0))
}

// DrawTouch draws a stroke with one finger: touchStart, touchMoves, touchEnd.
func (p Page) DrawTouch(stroke []Point) {
	p.T.Helper()
	x0, y0, w, h := p.PadBox()
	ev := func(typ input.DispatchTouchEventType, qs ...Point) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			points := []*input.TouchPoint{}
			for _, q := range qs {
				points = append(points, &input.TouchPoint{X: x0 + q.X*w, Y: y0 + q.Y*h, RadiusX: new(4.0), RadiusY: new(4.0), Force: new(1.0), ID: new(1.0)})
			}
			_, err := cdp.Call(ctx, t, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: typ, TouchPoints: points})
			return err
		})
	}
	ps := densify(stroke, 0.015)
	p.Do(ev(input.DispatchTouchEventTypeTouchStart, ps[0]))
	for _, q := range ps[1:] {
		p.Do(ev(input.DispatchTouchEventTypeTouchMove, q))
	}
	p.Do(ev(input.DispatchTouchEventTypeTouchEnd))
}

// stagePicture is what the page drew for one layer.
type stagePicture struct {
	Stage  string
	Drawn  int // the answer it was drawn for
	Width  int
	Height int
	Greys  int // distinct grey levels in it
	Ink    float64
}

// ExpectDigit checks the page after the answer to one digit (drawn or
// uploaded): the digit shown, and its bars and layers (ExpectLayers).
func (p Page) ExpectDigit(want int) {
	p.T.Helper()
	p.ExpectText(fmt.Sprint(want))
	p.ExpectLayers(want)
}

// ExpectText checks the text the page shows as read: the digits, or "?"
// for a rejected reading.
func (p Page) ExpectText(want string) {
	p.T.Helper()
	got := Eval[string](p, `document.getElementById('digit').textContent`)
	if got != want {
		status := Eval[string](p, `document.getElementById('status').dataset.state + ': ' + document.getElementById('status').textContent`)
		p.T.Fatalf("the page shows %q, want %q (%s)", got, want, status)
	}
}

// ExpectLayers checks the page after an answer: the probability bars,
// with digit want's highlighted, and every layer's picture drawn for this
// answer, with more than a flat grey in it.
func (p Page) ExpectLayers(want int) {
	p.T.Helper()
	got := fmt.Sprint(want)
	// The bars as drawn: the highlighted one is the digit's, and each
	// bar's drawn length is the probability written beside it.
	type bar struct {
		Digit, Value string
		Best         bool
		Fill, Track  float64
	}
	bars := Eval[[]bar](p, `[...document.querySelectorAll('#bars li')].map(li => ({digit: li.querySelector('.label').textContent,
		value: li.querySelector('.value').textContent, best: li.classList.contains('best'),
		fill: li.querySelector('.fill').getBoundingClientRect().width, track: li.querySelector('.track').getBoundingClientRect().width}))`)
	if len(bars) != 10 {
		p.T.Fatalf("%d probability bars, want 10", len(bars))
	}
	for d, b := range bars {
		var percent float64
		if _, err := fmt.Sscanf(b.Value, "%f%%", &percent); err != nil || b.Track < 50 || math.Abs(b.Fill/b.Track-percent/100) > 0.02 || b.Best != (b.Digit == got) || b.Digit != fmt.Sprint(d) {
			p.T.Fatalf("probability bar %+v: want its length to show %q, highlighted only for digit %s", b, b.Value, got)
		}
	}
	answer := p.Answers()
	pics := Eval[[]stagePicture](p, `[...document.querySelectorAll('figure[data-stage] canvas')].map(c => {
		const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		const greys = new Set();
		let ink = 0;
		for (let i = 0; i < d.length; i += 4) { greys.add(d[i]); if (d[i] < 128) ink++; }
		return {stage: c.parentElement.dataset.stage, drawn: Number(c.dataset.drawn || -1), width: c.width, height: c.height, greys: greys.size, ink: ink / (d.length / 4)};
	})`)
	if len(pics) != 7 {
		p.T.Fatalf("%d layer pictures, want 7 (input, C1, S2, C3, S4, C5, F6)", len(pics))
	}
	for _, pic := range pics {
		if pic.Drawn != answer || pic.Width < 30 || pic.Height < 30 || pic.Greys < 3 {
			p.T.Fatalf("layer picture %+v: want it drawn for answer %d with shades of grey", pic, answer)
		}
	}
	if pics[0].Stage != "input" || pics[0].Ink < 0.02 || pics[0].Ink > 0.5 {
		p.T.Fatalf("input picture %+v: want a digit's worth of ink (a 1 has 4%%)", pics[0])
	}
	scores := Eval[int](p, `document.querySelectorAll('#scores li .value').length`)
	if scores != 10 {
		p.T.Fatalf("%d output scores, want 10", scores)
	}
}

// Reading is the page's last reading, as /api/read and infer -json write
// it.
type Reading struct {
	Text       string  `json:"text"`
	Confidence float64 `json:"confidence"`
	Rejected   bool    `json:"rejected"`
	Digits     []struct {
		Digit      int     `json:"digit"`
		Confidence float64 `json:"confidence"`
		Box        [4]int  `json:"box"`
	} `json:"digits"`
}

// PageReading is the reading the page shows now.
func (p Page) PageReading() Reading {
	p.T.Helper()
	return Eval[Reading](p, `window.lenet5Demo.reading()`)
}

// ExpectBoxes checks the boxes drawn over the pad: one per digit of the
// reading, left to right, at the digits' boxes (sent pixels, 4 pad
// pixels each), each with its outline drawn on the overlay, and the
// overlay a layer of its own over the pad (the ink sent is only black
// strokes on white).
func (p Page) ExpectBoxes(r Reading) {
	p.T.Helper()
	boxes := Eval[[][4]float64](p, `window.lenet5Demo.boxes()`)
	if len(boxes) != len(r.Digits) || Eval[string](p, `document.getElementById('overlay').dataset.boxes`) != fmt.Sprint(len(r.Digits)) {
		p.T.Fatalf("%d boxes drawn over the pad, want one for each of the %d digits", len(boxes), len(r.Digits))
	}
	for k, b := range boxes {
		d := r.Digits[k].Box
		if b != [4]float64{4 * float64(d[0]), 4 * float64(d[1]), 4 * float64(d[2]), 4 * float64(d[3])} {
			p.T.Fatalf("box %d drawn at %v, the digit's is %v (sent pixels)", k, b, d)
		}
		if k > 0 && b[0] < boxes[k-1][0] {
			p.T.Fatalf("boxes %v are not left to right", boxes)
		}
		// The outline: opaque pixels on the overlay at the middle of the
		// box's left and right edges.
		drawn := Eval[bool](p, fmt.Sprintf(`(() => { const c = document.getElementById('overlay').getContext('2d');
			const y = Math.round((%v + %v) / 2);
			return c.getImageData(Math.round(%v), y, 1, 1).data[3] > 0 && c.getImageData(Math.max(0, Math.round(%v) - 1), y, 1, 1).data[3] > 0; })()`,
			b[1], b[3], b[0], b[2]))
		if !drawn {
			p.T.Fatalf("box %d %v is not drawn on the overlay", k, b)
		}
	}
	style := Eval[[]string](p, `(() => { const o = getComputedStyle(document.getElementById('overlay')); const r = document.getElementById('overlay').getBoundingClientRect(), q = document.getElementById('pad').getBoundingClientRect();
		return [o.position, o.pointerEvents, String(Math.abs(r.left - q.left) < 1 && Math.abs(r.width - q.width) < 1 && Math.abs(r.top - q.top) < 1)]; })()`)
	if style[0] != "absolute" || style[1] != "none" || style[2] != "true" {
		p.T.Fatalf("the overlay is %v: want it over the pad, letting the pointer through", style)
	}
	pixels := Eval[struct{ Pixels []int }](p, `window.lenet5Demo.pixels()`).Pixels
	for k, v := range pixels {
		if v < 0 || v > 255 {
			p.T.Fatalf("sent pixel %d is %d", k, v)
		}
	}
}

// SelectDigit clicks the button of digit k of the reading and waits for
// its layers.
func (p Page) SelectDigit(k int) {
	p.T.Helper()
	before := p.Answers()
	p.Do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#digits button[data-index="%d"]`, k))))
	p.Settle(before)
	if got := Eval[string](p, fmt.Sprintf(`document.querySelector('#digits button[data-index="%d"]').getAttribute('aria-pressed')`, k)); got != "true" {
		p.T.Fatalf("digit %d's button, clicked, is not marked chosen (aria-pressed %q)", k, got)
	}
}

// SaveDrawing writes the drawing the page sends now (width x height
// pixels, 0 background, 255 ink) as a grey PNG: "the same strokes saved
// as an image".
func (p Page) SaveDrawing(path string) {
	p.T.Helper()
	d := Eval[struct {
		Width, Height int
		Pixels        []int
	}](p, `window.lenet5Demo.pixels()`)
	savePNG(p.T, path, d.Width, d.Height, d.Pixels)
}

// SavePiece writes the piece of digit k of the reading, the 28x28 drawing
// whose layers the page shows for it, as a grey PNG.
func (p Page) SavePiece(k int, path string) {
	p.T.Helper()
	savePNG(p.T, path, 28, 28, Eval[[]int](p, fmt.Sprintf(`window.lenet5Demo.reading().digits[%d].piece`, k)))
}

func savePNG(t *testing.T, path string, w, h int, pixels []int) {
	t.Helper()
	if w <= 0 || h <= 0 || len(pixels) != w*h {
		t.Fatalf("the page's drawing: %d pixels for %dx%d", len(pixels), w, h)
	}
	g := image.NewGray(image.Rect(0, 0, w, h))
	for k, v := range pixels {
		if v < 0 || v > 255 {
			t.Fatalf("pixel %d is %d", k, v)
		}
		g.Pix[k] = uint8(v)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, g); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// SameReading checks that the page's reading is the infer command's
// (`infer -json FILE`, infer the binary's path) on its drawing saved as a
// PNG in dir: the same text, rejection and digits with the same boxes, and
// confidences within tol: 0 for the served demo, which runs infer's code
// on the same machine; more for cmd/site's module, which runs the generic
// Go kernels and Go's portable math.Exp where infer runs vector kernels
// and an assembly Exp (see cmd/site's test). It returns the page's
// reading.
func (p Page) SameReading(infer, dir string, tol float64) Reading {
	p.T.Helper()
	file := filepath.Join(dir, "drawing.png")
	p.SaveDrawing(file)
	got := p.PageReading()
	out, err := exec.Command(infer, "-json", file).Output()
	if err != nil {
		p.T.Fatalf("infer -json %s: %v", file, err)
	}
	var want Reading
	if err := json.Unmarshal(out, &want); err != nil {
		p.T.Fatalf("infer -json %s: %q: %v", file, out, err)
	}
	same := got.Text == want.Text && got.Rejected == want.Rejected && len(got.Digits) == len(want.Digits) &&
		math.Abs(got.Confidence-want.Confidence) <= tol
	worst := math.Abs(got.Confidence - want.Confidence)
	for k := range want.Digits {
		if !same {
			break
		}
		g, w := got.Digits[k], want.Digits[k]
		same = g.Digit == w.Digit && g.Box == w.Box && math.Abs(g.Confidence-w.Confidence) <= tol
		worst = max(worst, math.Abs(g.Confidence-w.Confidence))
	}
	if !same {
		p.T.Fatalf("the page reads %+v, infer -json %+v", got, want)
	}
	p.T.Logf("the page reads %q with the boxes infer -json gives for its drawing; confidences within %.1e", got.Text, worst)
	return got
}

// Screenshot saves a PNG of the whole page in the test's artifact
// directory (go test -artifacts keeps it).
func (p Page) Screenshot(name string) {
	p.T.Helper()
	b, err := chromedp.Run(p.Ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.T.Fatal(err)
	}
	if _, err := png.DecodeConfig(bytes.NewReader(b)); err != nil {
		p.T.Fatalf("screenshot is not a PNG: %v", err)
	}
	path := filepath.Join(p.T.ArtifactDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		p.T.Fatal(err)
	}
	p.T.Logf("screenshot: %s", path)
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
