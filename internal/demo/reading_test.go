package demo

import (
	"encoding/json"
	"errors"
	"image"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/read"
)

// drawLine writes the MNIST test digits at indices side by side as the
// page's pad sends them (0 background, 255 ink), gap columns apart, with
// 14 columns of margin, and returns the pixels and the digits' text.
func drawLine(set *data.Set, indices []int, gap int) (w, h int, pixels []uint8, text string) {
	const margin = 14
	w, h = 2*margin+len(indices)*(data.Side+gap), data.Side+2*margin
	pixels = make([]uint8, w*h)
	for k, i := range indices {
		img := set.Image(i)
		text += string(rune('0' + set.Label(i)))
		x0 := margin + k*(data.Side+gap)
		for y := range data.Side {
			copy(pixels[(margin+y)*w+x0:], img[y*data.Side:(y+1)*data.Side])
		}
	}
	return w, h, pixels, text
}

// A drawn number is read as package read reads the grey image of its
// pixels (what infer does with a PNG of them): same text, confidences and
// boxes; each digit's piece is an MNIST-like 28x28 image that the network
// classifies as the reader read the digit; the JSON has the keys the page
// reads. Bad drawings are refused with errors that say what is wrong.
func TestRead(t *testing.T) {
	f := loadShipped(t)
	m := f.mnist
	p, err := NewPredictor(f.digits, f.numbers, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	r, err := read.New(f.numbers, read.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	agree, digits := 0, 0
	for _, line := range [][]int{{0, 1, 2}, {3, 4}, {5}, {6, 7, 8, 9}, {10, 11, 12}} {
		w, h, pixels, text := drawLine(m.Test, line, 10)
		got, err := p.Read(w, h, pixels)
		if err != nil {
			t.Fatal(err)
		}
		g := image.NewGray(image.Rect(0, 0, w, h))
		copy(g.Pix, pixels)
		want, err := r.Read(g)
		if err != nil {
			t.Fatal(err)
		}
		if got.Text != want.Text || got.Confidence != want.Confidence || got.Rejected != want.Rejected ||
			len(got.Digits) != len(want.Digits) || got.Width != w || got.Height != h {
			t.Fatalf("line %v: %+v, the reader says %+v", line, got, want)
		}
		if got.Text != text {
			t.Errorf("line %v: read %q, want %q", line, got.Text, text)
		}
		for k, d := range got.Digits {
			b := want.Digits[k].Box
			if d.Digit != want.Digits[k].Digit || d.Confidence != want.Digits[k].Confidence || d.Box != [4]int{b.Min.X, b.Min.Y, b.Max.X, b.Max.Y} {
				t.Fatalf("line %v digit %d: %+v, the reader says %+v", line, k, d, want.Digits[k])
			}
			if len(d.Piece) != data.ImageSize {
				t.Fatalf("line %v digit %d: piece of %d pixels", line, k, len(d.Piece))
			}
			a, err := p.Drawing(d.Piece)
			if err != nil {
				t.Fatal(err)
			}
			digits++
			if a.Digit == d.Digit {
				agree++
			}
		}
		b, err := got.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Width, Height int
			Text          string
			Digits        []struct {
				Digit int
				Box   [4]int
				Piece []int
			}
		}
		if err := json.Unmarshal(b, &doc); err != nil || doc.Text != got.Text || len(doc.Digits) != len(got.Digits) || doc.Width != w {
			t.Fatalf("JSON %.200s: %v", b, err)
		}
		for k, d := range doc.Digits {
			if len(d.Piece) != data.ImageSize || d.Piece[0] != int(got.Digits[k].Piece[0]) || d.Box != got.Digits[k].Box {
				t.Fatalf("JSON digit %d: %+v", k, d)
			}
		}
	}
	if agree != digits {
		t.Errorf("the network classifies %d of %d pieces as the reader read them", agree, digits)
	}

	tests := []struct {
		name          string
		width, height int
		pixels        []uint8
		want          string
		is            error
	}{
		{"blank", 30, 20, make([]uint8, 600), "pixels: read: ", data.ErrNoDigit},
		{"short", 30, 20, make([]uint8, 599), "pixels: 599 values for a 30x20 drawing, want 600", nil},
		{"no width", 0, 20, nil, "pixels: a 0x20 drawing has no pixels", nil},
		{"negative", 10, -1, nil, "pixels: a 10x-1 drawing has no pixels", nil},
		{"too wide", 4097, 1, nil, "over the limit of 1000000 pixels, at most 4096 a side", nil},
		{"too many", 1001, 1000, nil, "pixels: a 1001x1000 drawing is over the limit", nil},
		{"overflow", 1 << 40, 1 << 40, nil, "is over the limit", nil},
	}
	for _, tc := range tests {
		_, err := p.Read(tc.width, tc.height, tc.pixels)
		if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// A piece of a narrow digit (a 1, whose box is nearly all ink) keeps its
// polarity: the margin gives NormalizeDigit a background border.
func TestPieceOfNarrowDigit(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 20, 40))
	for y := 5; y < 35; y++ {
		for x := 9; x < 12; x++ {
			g.Pix[y*20+x] = 255
		}
	}
	pc := piece(g, image.Rect(9, 5, 12, 35))
	if len(pc) != data.ImageSize || pc[0] != 0 || pc[14*data.Side+14] < 128 {
		t.Fatalf("piece of a bar: %v", pc)
	}
	if pc := piece(g, image.Rect(30, 30, 40, 40)); pc != nil {
		t.Fatalf("piece outside the drawing: %v", pc)
	}
	if pc := piece(g, image.Rect(0, 0, 3, 3)); pc != nil {
		t.Fatalf("piece without ink: %v", pc)
	}
}
