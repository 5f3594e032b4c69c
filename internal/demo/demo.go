// Package demo computes the demo page's answers: a drawing or a picture of a
// digit, made MNIST-like and run through LeNet-5, laid out as the Prediction
// the page draws (the digit, the ten probabilities and every layer); and a
// drawing of a whole number, read by package read, as the Reading the page
// draws over its pad (the text, each digit's box and confidence, and each
// digit's MNIST-like piece, whose Prediction the page asks for).
//
// infer -serve answers the page's HTTP requests with it, and cmd/site's
// WebAssembly module answers the page's worker with it, so both give the
// same answer to the same pixels, to the last digit. The page itself (HTML,
// script, style) is package page. Package demo links no image decoder and
// no HTTP code: the WebAssembly module gets its pixels from the browser.
package demo

import (
	"fmt"
	"image"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/internal/activations"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/read"
)

// DrawingSide is the side of the page's drawing in pixels: the page sends
// DrawingSide x DrawingSide pixels, row-major, 0 background and 255 ink as
// in MNIST.
const DrawingSide = data.Side

// DrawingName is what errors about a drawing call it.
const DrawingName = "pixels"

// Predictor answers the page for one model. It holds a graph and machine,
// which Gorgonia does not make safe for concurrent use: a Predictor is not
// safe for concurrent use; give each goroutine its own.
type Predictor struct {
	net    *activations.Net
	reader *read.Reader
}

// NewPredictor builds the graph of model m for one image, and a number
// reader of model numbers (read.New with the default options, as infer's;
// it builds its batched graphs when it first needs them), with the SDNN of
// network sdnn as its second reader unless sdnn is nil
// (read.NewWithSDNN); a nil numbers reads with m. The shipped models are
// models.Default, models.Reader and models.SDNN.
func NewPredictor(m, numbers, sdnn *modelfile.Model) (*Predictor, error) {
	if numbers == nil {
		numbers = m
	}
	net, err := activations.New(m)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	r, err := newReader(numbers, sdnn)
	if err != nil {
		net.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	return &Predictor{net: net, reader: r}, nil
}

// Close releases the machines. The Predictor must not be used after.
func (p *Predictor) Close() {
	p.net.Close()
	p.reader.Close()
}

// Drawing answers a drawing of the page: DrawingSide x DrawingSide pixels,
// row-major, 0 background and 255 ink. It is the answer to a grey image
// file of those pixels: a digit drawn small or in a corner is cropped,
// scaled and centred by mass first, as a picture is. A blank drawing gives
// an error wrapping data.ErrNoDigit.
func (p *Predictor) Drawing(pixels []uint8) (*Prediction, error) {
	if len(pixels) != DrawingSide*DrawingSide {
		return nil, fmt.Errorf("%s: %d values, want %d (a %dx%d drawing, row-major)",
			DrawingName, len(pixels), DrawingSide*DrawingSide, DrawingSide, DrawingSide)
	}
	g := image.NewGray(image.Rect(0, 0, DrawingSide, DrawingSide))
	copy(g.Pix, pixels)
	return p.Picture(g, DrawingName)
}

// Picture answers a decoded picture of one digit, of any size, colour or
// polarity (data.NormalizeDigit); errors start with name. The caller bounds
// the picture's size: NormalizeDigit holds a few float32 copies of it.
func (p *Predictor) Picture(img image.Image, name string) (*Prediction, error) {
	raw, err := data.NormalizeDigit(img, name)
	if err != nil {
		return nil, err
	}
	act, err := p.net.Run(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return NewPrediction(act), nil
}

// newReader returns the number reader of model numbers, with the SDNN of
// network sdnn as its second reader unless sdnn is nil.
func newReader(numbers, sdnn *modelfile.Model) (*read.Reader, error) {
	if sdnn == nil {
		return read.New(numbers, read.Options{})
	}
	return read.NewWithSDNN(numbers, sdnn, read.Options{})
}
