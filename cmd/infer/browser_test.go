package main

import (
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/lenet5-go/lenet5/internal/browsertest"
)

// The live demo in Chromium, driven by real input events: a 3 drawn with
// the mouse (the answer updates while the button is still down), a 0 with
// a pen after clicking Clear, an uploaded digit, and a 7 drawn with a
// finger on a phone-sized screen. Each time the page must show the
// digit, its probability and every layer's picture. Screenshots go to
// the test's artifact directory (go test -artifacts).
func TestBrowserDemo(t *testing.T) {
	p, check := browsertest.Start(t)
	defer check()
	d := startDemo(t, "-workers", "2")
	p.Do(chromedp.Navigate(d.url+"/"), chromedp.WaitVisible(chromedp.ID("pad")))
	if got := browsertest.Eval[string](p, `document.getElementById('digit').textContent`); got != "?" {
		t.Fatalf("fresh page shows %q", got)
	}

	// A 3 with the mouse.
	before := p.Answers()
	p.DrawMouse(browsertest.StrokeThree, input.DispatchMouseEventPointerTypeMouse, true)
	p.Settle(before)
	p.ExpectDigit(3)
	p.Screenshot("demo.png")

	// Clear, with a real click on the button.
	p.Do(chromedp.Click(chromedp.ID("clear")))
	if got := browsertest.Eval[string](p, `document.getElementById('digit').textContent + '|' + document.getElementById('status').dataset.state + '|' + document.body.dataset.busy`); got != "?|empty|0" {
		t.Fatalf("after Clear the page shows %q, want no digit", got)
	}

	// A 0 with a pen.
	before = p.Answers()
	p.DrawMouse(browsertest.StrokeZero, input.DispatchMouseEventPointerTypePen, true)
	p.Settle(before)
	p.ExpectDigit(0)

	// An uploaded picture of an MNIST digit, dark ink on white.
	i := shippedModelRight(t, 8)[7]
	label := realMNIST(t).Test.Label(i)
	file := writeImage(t, t.TempDir(), "upload.png", digitPicture(t, i, 120, true))
	before = p.Answers()
	p.Do(chromedp.SetUploadFiles(chromedp.ID("upload"), []string{file}))
	p.Settle(before)
	p.ExpectDigit(label)

	// A 7 with a finger, on a phone-sized screen.
	p.Do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate(d.url+"/"), chromedp.WaitVisible(chromedp.ID("pad")))
	before = p.Answers()
	p.DrawTouch(browsertest.StrokeSeven)
	p.Settle(before)
	p.ExpectDigit(7)
	if w := browsertest.Eval[[]int](p, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1] {
		t.Errorf("on a 390-pixel-wide screen the page is %d pixels wide", w[0])
	}
	if _, _, w, _ := p.PadBox(); w < 250 {
		t.Errorf("on a phone the pad is %.0f pixels wide", w)
	}
	p.Screenshot("demo-phone.png")
}
