package main

import (
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/lenet5-go/lenet5/internal/browsertest"
)

// The live demo in Chromium, driven by real input events: a 3 drawn with
// the mouse (the answer updates while the button is still down); after
// clicking Clear, the number 703 written with the mouse, read as infer
// reads a PNG of the same pixels, a box drawn over each digit, and each
// digit's layers shown when it is clicked; a 0 with a pen, an uploaded
// digit, and a 7 drawn with a finger on a phone-sized screen. Each time
// the page must show the text, the digit's probabilities and every layer's
// picture. Screenshots go to the test's artifact directory (go test
// -artifacts).
func TestBrowserDemo(t *testing.T) {
	p, check := browsertest.Start(t)
	defer check()
	infer := binary(t)
	d := startDemo(t, "-workers", "2")
	p.Do(chromedp.Navigate(d.url+"/"), chromedp.WaitVisible(chromedp.ID("pad")))
	if got := browsertest.Eval[string](p, `document.getElementById('digit').textContent`); got != "?" {
		t.Fatalf("fresh page shows %q", got)
	}

	// A 3 with the mouse.
	before := p.Answers()
	p.DrawMouse(browsertest.InSlot(browsertest.StrokeThree, 1), input.DispatchMouseEventPointerTypeMouse, true)
	p.Settle(before)
	p.ExpectDigit(3)
	p.ExpectBoxes(p.SameReading(infer, t.TempDir(), 0))
	p.Screenshot("demo.png")

	// Clear, with a real click on the button.
	p.Do(chromedp.Click(chromedp.ID("clear")))
	if got := browsertest.Eval[string](p, `document.getElementById('digit').textContent + '|' + document.getElementById('status').dataset.state + '|' + document.body.dataset.busy + '|' + document.getElementById('overlay').dataset.boxes`); got != "?|empty|0|0" {
		t.Fatalf("after Clear the page shows %q, want no digit and no box", got)
	}

	// The number 703 with the mouse, a digit in each third of the pad.
	before = p.Answers()
	for k, stroke := range [][]browsertest.Point{browsertest.StrokeSeven, browsertest.StrokeZero, browsertest.StrokeThree} {
		p.DrawMouse(browsertest.InSlot(stroke, k), input.DispatchMouseEventPointerTypeMouse, false)
	}
	p.Settle(before)
	p.ExpectText("703")
	p.ExpectBoxes(p.SameReading(infer, t.TempDir(), 0))
	p.ExpectLayers(7) // the first digit's, until another is chosen
	p.SelectDigit(2)
	p.ExpectLayers(3)
	p.Screenshot("demo-number.png")
	p.SelectDigit(1)
	p.ExpectLayers(0)

	// A 0 with a pen, after Clear.
	p.Do(chromedp.Click(chromedp.ID("clear")))
	before = p.Answers()
	p.DrawMouse(browsertest.InSlot(browsertest.StrokeZero, 0), input.DispatchMouseEventPointerTypePen, true)
	p.Settle(before)
	p.ExpectDigit(0)

	// An uploaded picture of an MNIST digit, dark ink on white: one digit,
	// no boxes.
	i := shippedModelRight(t, 8)[7]
	label := realMNIST(t).Test.Label(i)
	file := writeImage(t, t.TempDir(), "upload.png", digitPicture(t, i, 120, true))
	before = p.Answers()
	p.Do(chromedp.SetUploadFiles(chromedp.ID("upload"), []string{file}))
	p.Settle(before)
	p.ExpectDigit(label)
	if got := browsertest.Eval[string](p, `document.getElementById('overlay').dataset.boxes`); got != "0" {
		t.Errorf("after an upload %s boxes are drawn over the pad, want none", got)
	}

	// A 7 with a finger, on a phone-sized screen.
	p.Do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate(d.url+"/"), chromedp.WaitVisible(chromedp.ID("pad")))
	before = p.Answers()
	p.DrawTouch(browsertest.InSlot(browsertest.StrokeSeven, 1))
	p.Settle(before)
	p.ExpectDigit(7)
	if w := browsertest.Eval[[]int](p, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1] {
		t.Errorf("on a 390-pixel-wide screen the page is %d pixels wide", w[0])
	}
	if _, _, w, _ := p.PadBox(); w < 340 {
		t.Errorf("on a phone the pad is %.0f pixels wide", w)
	}
	p.Screenshot("demo-phone.png")
}
