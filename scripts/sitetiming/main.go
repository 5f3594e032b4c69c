// Command sitetiming measures the static site in headless Chromium as a
// visitor meets it: each run opens the page in a fresh tab with the cache
// off, draws a 7 with mouse events at once, and reports when the network
// was ready and the first answer shown (ms from the start of navigation),
// then draws a 3 and reports how long after the stroke's end the reading
// of the finished drawing and every layer were drawn, and likewise after the last stroke of the
// number 703 (the page's User Timing marks, app.js). Each digit is drawn
// in a third of the 3:1 pad. docs/serving.md's timings come from it:
//
//	go run ./cmd/site -out /tmp/site
//	python3 -m http.server -d /tmp/site 8000 &
//	go run ./scripts/sitetiming -url http://127.0.0.1:8000/ -runs 10
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"slices"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

func main() {
	url := flag.String("url", "", "the site's `URL` (required)")
	runs := flag.Int("runs", 10, "fresh page loads to measure")
	flag.Parse()
	if *url == "" || *runs < 1 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: sitetiming -url URL [-runs N]")
		os.Exit(2)
	}
	if err := run(*url, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "sitetiming:", err)
		os.Exit(1)
	}
}

// point is a position on the pad, (0, 0) top left and (1, 1) bottom right.
type point struct{ x, y float64 }

var (
	seven = []point{{0.28, 0.22}, {0.72, 0.22}, {0.46, 0.82}}
	three = append(arc(0.5, 0.33, 0.17, 0.14, 200, 450), arc(0.5, 0.64, 0.19, 0.17, 270, 520)...)
	zero  = arc(0.5, 0.5, 0.2, 0.3, 260, 630)
)

func arc(cx, cy, rx, ry, a0, a1 float64) []point {
	var ps []point
	for k := 0; k <= 40; k++ {
		a := (a0 + (a1-a0)*float64(k)/40) * math.Pi / 180
		ps = append(ps, point{cx + rx*math.Cos(a), cy + ry*math.Sin(a)})
	}
	return ps
}

// inSlot moves a stroke drawn for a square pad into third k of the pad.
func inSlot(stroke []point, k int) []point {
	out := make([]point, len(stroke))
	for i, q := range stroke {
		out[i] = point{(float64(k) + q.x) / 3, q.y}
	}
	return out
}

func run(url string, runs int) error {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		return fmt.Errorf("chromium not on PATH (apt-get install -y chromium): %w", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.WindowSize(1280, 1000))
	ctx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	var ready, first, update, number []float64
	fmt.Println("run  ready(ms)  first answer(ms)  update after stroke(ms)  703 after last stroke(ms)")
	for r := range runs {
		tab, cancelTab := chromedp.NewContext(ctx)
		tab, cancelTime := context.WithTimeout(tab, 60*time.Second)
		rd, fa, up, nu, err := measure(tab, url)
		cancelTime()
		cancelTab()
		if err != nil {
			return fmt.Errorf("run %d: %w", r+1, err)
		}
		fmt.Printf("%3d  %9.0f  %16.0f  %23.1f  %25.1f\n", r+1, rd, fa, up, nu)
		ready, first, update, number = append(ready, rd), append(first, fa), append(update, up), append(number, nu)
	}
	fmt.Printf("median %6.0f  %16.0f  %23.1f  %25.1f\n", median(ready), median(first), median(update), median(number))
	fmt.Printf("max    %6.0f  %16.0f  %23.1f  %25.1f\n", slices.Max(ready), slices.Max(first), slices.Max(update), slices.Max(number))
	return nil
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	return s[len(s)/2]
}

// measure loads the page once and returns the four timings.
func measure(ctx context.Context, url string) (ready, first, update, number float64, err error) {
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		return 0, 0, 0, 0, err
	}
	if _, err := chromedp.Call(ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
		return 0, 0, 0, 0, err
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.ID("pad"))); err != nil {
		return 0, 0, 0, 0, err
	}
	if err := draw(ctx, inSlot(seven, 1)); err != nil {
		return 0, 0, 0, 0, err
	}
	if err := settle(ctx, 0); err != nil {
		return 0, 0, 0, 0, err
	}
	marks, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`['lenet5-ready', 'lenet5-answer'].map(n => performance.getEntriesByName(n, 'mark')[0].startTime)`))
	if err != nil {
		return 0, 0, 0, 0, err
	}
	if update, err = afterStrokes(ctx, inSlot(three, 1)); err != nil {
		return 0, 0, 0, 0, err
	}
	if number, err = afterStrokes(ctx, inSlot(seven, 0), inSlot(zero, 1), inSlot(three, 2)); err != nil {
		return 0, 0, 0, 0, err
	}
	return marks[0], marks[1], update, number, nil
}

// afterStrokes clears the pad, draws the strokes, and returns the time
// from the last stroke's end to the answer for the finished drawing drawn
// in full: the last answer once the page is idle (the first answer after
// the stroke's end may be that of a request sent while drawing).
func afterStrokes(ctx context.Context, strokes ...[]point) (float64, error) {
	answers, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Number(document.body.dataset.answers)`))
	if err != nil {
		return 0, err
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("clear"))); err != nil {
		return 0, err
	}
	for _, s := range strokes {
		if err := draw(ctx, s); err != nil {
			return 0, err
		}
	}
	if err := settle(ctx, answers); err != nil {
		return 0, err
	}
	return chromedp.Run(ctx, chromedp.Evaluate[float64](`(() => {
		const ends = performance.getEntriesByName('lenet5-stroke-end', 'mark'), end = ends[ends.length - 1].startTime;
		const answers = performance.getEntriesByName('lenet5-answer', 'mark');
		return answers[answers.length - 1].startTime - end;
	})()`))
}

// settle waits for an answer after the first `after` and no work pending.
func settle(ctx context.Context, after int) error {
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`Number(document.body.dataset.answers) > %d && document.body.dataset.busy === "0"`, after),
		chromedp.WithPollingTimeout(30*time.Second)))
	return err
}

// draw draws a stroke with mouse events: press, moves, release.
func draw(ctx context.Context, stroke []point) error {
	box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const r = document.getElementById('pad').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`))
	if err != nil {
		return err
	}
	ev := func(typ input.DispatchMouseEventType, q point, buttons int64) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, input.DispatchMouseEvent, input.DispatchMouseEventParams{Type: typ, X: box[0] + q.x*box[2], Y: box[1] + q.y*box[3],
				Button: input.MouseButtonLeft, Buttons: buttons, ClickCount: 1})
			return err
		})
	}
	steps := []chromedp.Action[chromedp.Void]{ev(input.DispatchMouseEventTypeMousePressed, stroke[0], 1)}
	for _, q := range stroke[1:] {
		steps = append(steps, ev(input.DispatchMouseEventTypeMouseMoved, q, 1))
	}
	steps = append(steps, ev(input.DispatchMouseEventTypeMouseReleased, stroke[len(stroke)-1], 0))
	return chromedp.Do(ctx, steps...)
}
