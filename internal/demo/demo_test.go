package demo

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"strings"
	"sync"
	"testing"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/data/imagefile"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
)

// shipped loads the shipped models, the single-digit one and the reader's,
// and MNIST, once for the package's tests.
var shipped = sync.OnceValues(func() (*fixture, error) {
	var f fixture
	var err error
	if f.digits, err = models.Default(); err != nil {
		return nil, err
	}
	if f.numbers, err = models.Reader(); err != nil {
		return nil, err
	}
	if f.mnist, err = data.Load(""); err != nil {
		return nil, err
	}
	return &f, nil
})

// fixture is what the tests share.
type fixture struct {
	digits, numbers *modelfile.Model
	mnist           *data.MNIST
}

func loadShipped(t *testing.T) *fixture {
	t.Helper()
	f, err := shipped()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A drawing is answered as the grey image file of its pixels is: same
// digit and probabilities, same input layer; bad drawings are refused
// with errors that say what is wrong.
func TestDrawing(t *testing.T) {
	f := loadShipped(t)
	m := f.mnist
	p, err := NewPredictor(f.digits, f.numbers, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i := range 5 {
		pixels := m.Test.Image(i)
		got, err := p.Drawing(pixels)
		if err != nil {
			t.Fatal(err)
		}
		if got.Digit != m.Test.Label(i) {
			t.Errorf("test image %d: digit %d, want %d", i, got.Digit, m.Test.Label(i))
		}
		g := image.NewGray(image.Rect(0, 0, DrawingSide, DrawingSide))
		copy(g.Pix, pixels)
		var file bytes.Buffer
		if err := png.Encode(&file, g); err != nil {
			t.Fatal(err)
		}
		raw, err := imagefile.ReadDigit(&file, "x.png")
		if err != nil {
			t.Fatal(err)
		}
		want, err := p.net.Run(raw)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := got.AppendJSON(nil)
		b, _ := NewPrediction(want).AppendJSON(nil)
		if !bytes.Equal(a, b) {
			t.Errorf("test image %d: the drawing's answer differs from its PNG file's", i)
		}
	}

	tests := []struct {
		name   string
		pixels []uint8
		want   string
		is     error
	}{
		{"blank", make([]uint8, DrawingSide*DrawingSide), "pixels: no digit found", data.ErrNoDigit},
		{"short", make([]uint8, 783), "pixels: 783 values, want 784", nil},
		{"empty", nil, "pixels: 0 values, want 784", nil},
	}
	for _, tc := range tests {
		_, err := p.Drawing(tc.pixels)
		if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
