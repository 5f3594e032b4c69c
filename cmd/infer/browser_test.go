package main

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"math"
	"os"
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

// findChromium returns Chromium's path. Without Chromium on PATH the
// browser test skips with one line naming the package to install, or fails
// when the environment variable CI is set (internal/testenv): CI installs
// it (`apt-get install -y chromium`, .ci/run).
func findChromium(t *testing.T) string {
	t.Helper()
	return testenv.LookPath(t, "Chromium", "apt-get install -y chromium", chromiumNames...)
}

// point is a position on the drawing pad, (0, 0) its top left corner and
// (1, 1) its bottom right.
type point struct{ x, y float64 }

// arc returns points of the ellipse centred at (cx, cy) with radii rx, ry,
// from angle a0 to a1 in degrees, clockwise on the screen (y points down).
func arc(cx, cy, rx, ry, a0, a1 float64) []point {
	var ps []point
	steps := int(math.Abs(a1-a0) / 6)
	for k := 0; k <= steps; k++ {
		a := (a0 + (a1-a0)*float64(k)/float64(steps)) * math.Pi / 180
		ps = append(ps, point{cx + rx*math.Cos(a), cy + ry*math.Sin(a)})
	}
	return ps
}

// Strokes of three digits, as a person draws them, in one stroke each.
var (
	strokeThree = append(arc(0.5, 0.33, 0.17, 0.14, 200, 450), arc(0.5, 0.64, 0.19, 0.17, 270, 520)...)
	strokeZero  = arc(0.5, 0.5, 0.2, 0.3, 260, 630)
	strokeSeven = []point{{0.28, 0.22}, {0.72, 0.22}, {0.46, 0.82}}
)

// densify adds points between the stroke's so that no two are more than
// step apart, as a real pointer's moves are.
func densify(ps []point, step float64) []point {
	out := []point{ps[0]}
	for _, p := range ps[1:] {
		q := out[len(out)-1]
		n := int(math.Ceil(math.Hypot(p.x-q.x, p.y-q.y) / step))
		for k := 1; k <= n; k++ {
			out = append(out, point{q.x + (p.x-q.x)*float64(k)/float64(n), q.y + (p.y-q.y)*float64(k)/float64(n)})
		}
	}
	return out
}

// page drives the demo page in one tab.
type page struct {
	t   *testing.T
	ctx context.Context
}

func (p page) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression that reads the page.
func eval[T any](p page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// padBox is the pad's rectangle in CSS pixels of the viewport.
func (p page) padBox() (x, y, w, h float64) {
	p.t.Helper()
	r := eval[[]float64](p, `(() => { const r = document.getElementById('pad').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
	return r[0], r[1], r[2], r[3]
}

// answers is how many answers the page has shown.
func (p page) answers() int {
	return eval[int](p, `Number(document.body.dataset.answers)`)
}

// settle waits until the page has shown more than `after` answers and
// has no request running or waiting.
func (p page) settle(after int) {
	p.t.Helper()
	expr := fmt.Sprintf(`Number(document.body.dataset.answers) > %d && document.body.dataset.busy === "0"`, after)
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		p.t.Fatalf("the page showed no new answer: %v (status %q)", err, eval[string](p, `document.getElementById('status').textContent`))
	}
}

// drawMouse draws a stroke with mouse (or pen) events: press, moves with
// the button held, release. Halfway it waits for the page to answer
// while the button is still down: the prediction updates while drawing.
func (p page) drawMouse(stroke []point, pointer input.DispatchMouseEventPointerType) {
	p.t.Helper()
	x0, y0, w, h := p.padBox()
	ps := densify(stroke, 0.015)
	ev := func(typ input.DispatchMouseEventType, q point, buttons int64) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			params := input.DispatchMouseEventParams{Type: typ, X: x0 + q.x*w, Y: y0 + q.y*h, Button: input.MouseButtonLeft,
				Buttons: buttons, ClickCount: 1, PointerType: pointer}
			if pointer == input.DispatchMouseEventPointerTypePen {
				params.Force = 0.6
			}
			_, err := cdp.Call(ctx, t, input.DispatchMouseEvent, params)
			return err
		})
	}
	before := p.answers()
	p.do(ev(input.DispatchMouseEventTypeMouseMoved, ps[0], 0), ev(input.DispatchMouseEventTypeMousePressed, ps[0], 1))
	for k, q := range ps[1:] {
		p.do(ev(input.DispatchMouseEventTypeMouseMoved, q, 1))
		if k == len(ps)/2 {
			p.settle(before)
		}
	}
	p.do(ev(input.DispatchMouseEventTypeMouseReleased, ps[len(ps)-1], 0))
}

// drawTouch draws a stroke with one finger: touchStart, touchMoves, touchEnd.
func (p page) drawTouch(stroke []point) {
	p.t.Helper()
	x0, y0, w, h := p.padBox()
	ev := func(typ input.DispatchTouchEventType, qs ...point) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			points := []*input.TouchPoint{}
			for _, q := range qs {
				points = append(points, &input.TouchPoint{X: x0 + q.x*w, Y: y0 + q.y*h, RadiusX: new(4.0), RadiusY: new(4.0), Force: new(1.0), ID: new(1.0)})
			}
			_, err := cdp.Call(ctx, t, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: typ, TouchPoints: points})
			return err
		})
	}
	ps := densify(stroke, 0.015)
	p.do(ev(input.DispatchTouchEventTypeTouchStart, ps[0]))
	for _, q := range ps[1:] {
		p.do(ev(input.DispatchTouchEventTypeTouchMove, q))
	}
	p.do(ev(input.DispatchTouchEventTypeTouchEnd))
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

// expectDigit checks the page after an answer: the digit shown, the
// probability bars, and every layer's picture drawn for this answer, with
// more than a flat grey in it.
func (p page) expectDigit(want int) {
	p.t.Helper()
	got := eval[string](p, `document.getElementById('digit').textContent`)
	status := eval[string](p, `document.getElementById('status').dataset.state + ': ' + document.getElementById('status').textContent`)
	if got != fmt.Sprint(want) {
		p.t.Fatalf("the page shows %q, want %d (%s)", got, want, status)
	}
	// The bars as drawn: the highlighted one is the digit's, and each
	// bar's drawn length is the probability written beside it.
	type bar struct {
		Digit, Value string
		Best         bool
		Fill, Track  float64
	}
	bars := eval[[]bar](p, `[...document.querySelectorAll('#bars li')].map(li => ({digit: li.querySelector('.label').textContent,
		value: li.querySelector('.value').textContent, best: li.classList.contains('best'),
		fill: li.querySelector('.fill').getBoundingClientRect().width, track: li.querySelector('.track').getBoundingClientRect().width}))`)
	if len(bars) != 10 {
		p.t.Fatalf("%d probability bars, want 10", len(bars))
	}
	for d, b := range bars {
		var percent float64
		if _, err := fmt.Sscanf(b.Value, "%f%%", &percent); err != nil || b.Track < 50 || math.Abs(b.Fill/b.Track-percent/100) > 0.02 || b.Best != (b.Digit == got) || b.Digit != fmt.Sprint(d) {
			p.t.Fatalf("probability bar %+v: want its length to show %q, highlighted only for digit %s", b, b.Value, got)
		}
	}
	answer := p.answers()
	pics := eval[[]stagePicture](p, `[...document.querySelectorAll('figure[data-stage] canvas')].map(c => {
		const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		const greys = new Set();
		let ink = 0;
		for (let i = 0; i < d.length; i += 4) { greys.add(d[i]); if (d[i] < 128) ink++; }
		return {stage: c.parentElement.dataset.stage, drawn: Number(c.dataset.drawn || -1), width: c.width, height: c.height, greys: greys.size, ink: ink / (d.length / 4)};
	})`)
	if len(pics) != 7 {
		p.t.Fatalf("%d layer pictures, want 7 (input, C1, S2, C3, S4, C5, F6)", len(pics))
	}
	for _, pic := range pics {
		if pic.Drawn != answer || pic.Width < 30 || pic.Height < 30 || pic.Greys < 3 {
			p.t.Fatalf("layer picture %+v: want it drawn for answer %d with shades of grey", pic, answer)
		}
	}
	if pics[0].Stage != "input" || pics[0].Ink < 0.05 || pics[0].Ink > 0.5 {
		p.t.Fatalf("input picture %+v: want a digit's worth of ink", pics[0])
	}
	scores := eval[int](p, `document.querySelectorAll('#scores li .value').length`)
	if scores != 10 {
		p.t.Fatalf("%d output scores, want 10", scores)
	}
}

// The live demo in Chromium, driven by real input events: a 3 drawn with
// the mouse (the answer updates while the button is still down), a 0 with
// a pen after clicking Clear, an uploaded digit, and a 7 drawn with a
// finger on a phone-sized screen. Each time the page must show the
// digit, its probability and every layer's picture. Screenshots go to
// the test's artifact directory (go test -artifacts).
func TestBrowserDemo(t *testing.T) {
	chromium := findChromium(t)
	d := startDemo(t, "-workers", "2")
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
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(ctx)
	defer cancelTab()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v\n%s", chromium, err, browserLog.String())
	}
	p := page{t: t, ctx: ctx}

	// Every script error and every console error (a refused resource, a
	// broken script) fails the test.
	var mu sync.Mutex
	var pageErrors []string
	report := func(s string) {
		mu.Lock()
		pageErrors = append(pageErrors, s)
		mu.Unlock()
	}
	watch := func(events func(func(string))) { go events(report) }
	watch(func(report func(string)) {
		for ev, err := range chromedp.Events(ctx, runtime.ExceptionThrown) {
			if err != nil {
				return
			}
			report(fmt.Sprintf("exception: %s %v", ev.ExceptionDetails.Text, ev.ExceptionDetails.Exception))
		}
	})
	watch(func(report func(string)) {
		for ev, err := range chromedp.Events(ctx, cdplog.EntryAdded) {
			if err != nil {
				return
			}
			if ev.Entry.Level == cdplog.EntryLevelError {
				report(fmt.Sprintf("console: %s (%s)", ev.Entry.Text, ev.Entry.URL))
			}
		}
	})
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range pageErrors {
			t.Errorf("page error: %s", e)
		}
	}()

	p.do(chromedp.Navigate(d.url+"/"), chromedp.WaitVisible(chromedp.ID("pad")))
	if got := eval[string](p, `document.getElementById('digit').textContent`); got != "?" {
		t.Fatalf("fresh page shows %q", got)
	}

	// A 3 with the mouse.
	before := p.answers()
	p.drawMouse(strokeThree, input.DispatchMouseEventPointerTypeMouse)
	p.settle(before)
	p.expectDigit(3)
	screenshot(t, p, "demo.png")

	// Clear, with a real click on the button.
	p.do(chromedp.Click(chromedp.ID("clear")))
	if got := eval[string](p, `document.getElementById('digit').textContent + '|' + document.getElementById('status').dataset.state + '|' + document.body.dataset.busy`); got != "?|empty|0" {
		t.Fatalf("after Clear the page shows %q, want no digit", got)
	}

	// A 0 with a pen.
	before = p.answers()
	p.drawMouse(strokeZero, input.DispatchMouseEventPointerTypePen)
	p.settle(before)
	p.expectDigit(0)

	// An uploaded picture of an MNIST digit, dark ink on white.
	i := shippedModelRight(t, 8)[7]
	label := realMNIST(t).Test.Label(i)
	file := writeImage(t, t.TempDir(), "upload.png", digitPicture(t, i, 120, true))
	before = p.answers()
	p.do(chromedp.SetUploadFiles(chromedp.ID("upload"), []string{file}))
	p.settle(before)
	p.expectDigit(label)

	// A 7 with a finger, on a phone-sized screen.
	p.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate(d.url+"/"), chromedp.WaitVisible(chromedp.ID("pad")))
	before = p.answers()
	p.drawTouch(strokeSeven)
	p.settle(before)
	p.expectDigit(7)
	if w := eval[[]int](p, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1] {
		t.Errorf("on a 390-pixel-wide screen the page is %d pixels wide", w[0])
	}
	if _, _, w, _ := p.padBox(); w < 250 {
		t.Errorf("on a phone the pad is %.0f pixels wide", w)
	}
	screenshot(t, p, "demo-phone.png")
}

// screenshot saves a PNG of the whole page in the test's artifact directory.
func screenshot(t *testing.T, p page, name string) {
	t.Helper()
	b, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.DecodeConfig(bytes.NewReader(b)); err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	path := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
