package demo

import (
	"encoding/json"
	"fmt"
	"image"
	"strconv"

	"github.com/lenet5-go/lenet5/data"
)

// Bounds of a drawing sent to be read (Predictor.Read): at most
// MaxReadPixels pixels, and no side over MaxReadSide. The page sends its
// pad at a quarter of its resolution, 210x70 pixels.
const (
	MaxReadPixels = 1_000_000
	MaxReadSide   = 4096
)

// Reading is the page's answer to a drawing of a number: what package read
// made of it (the keys of infer -json's reading, boxes in the sent
// pixels), and for each digit the MNIST-like piece the page asks the
// layers of when the digit is selected (with Drawing, as any drawing).
type Reading struct {
	Width      int            `json:"width"`
	Height     int            `json:"height"`
	Text       string         `json:"text"`
	Confidence float64        `json:"confidence"`
	Rejected   bool           `json:"rejected"`
	Digits     []ReadingDigit `json:"digits"`
}

// ReadingDigit is one digit of a Reading.
type ReadingDigit struct {
	Digit      int     `json:"digit"`
	Confidence float64 `json:"confidence"`
	// Box is [x0, y0, x1, y1] in the drawing's pixels, x1 and y1
	// exclusive, as infer -json writes it.
	Box [4]int `json:"box"`
	// Piece is the box's ink (the drawing's pixels inside Box, on a
	// background margin) made MNIST-like by data.NormalizeDigit: 28x28
	// pixels, 0 background, 255 ink. It is not the reader's own piece,
	// which package read does not expose: where the reader cut through
	// touching digits, or boxes overlap, the box holds some of the
	// neighbour's ink too. Nil if the box holds no ink at all.
	Piece Pixels `json:"piece"`
}

// Pixels are grey levels written as a JSON list of numbers (not base64,
// as encoding/json writes a []byte).
type Pixels []uint8

// MarshalJSON writes the pixels as numbers; nil as null.
func (p Pixels) MarshalJSON() ([]byte, error) {
	if p == nil {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 4*len(p)+2)
	b = append(b, '[')
	for i, v := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(v), 10)
	}
	return append(b, ']'), nil
}

// AppendJSON appends the reading's JSON: the answer of infer -serve's
// /api/read and of the WebAssembly module's lenet5.read.
func (r *Reading) AppendJSON(b []byte) ([]byte, error) {
	j, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}

// pieceMargin is the background added around a digit's box before it is
// normalised: NormalizeDigit takes the border's median for the
// background, and a narrow 1 fills its own box with ink.
const pieceMargin = 2

// Read reads the number drawn on the page's pad: width x height pixels,
// row-major, 0 background and 255 ink, read by package read as infer reads
// an image file of those pixels (the same Reader options: the defaults),
// so the text, confidences and boxes are infer -json's for a grey PNG of
// the pixels. A blank drawing gives an error wrapping data.ErrNoDigit.
func (p *Predictor) Read(width, height int, pixels []uint8) (*Reading, error) {
	if width <= 0 || height <= 0 {
		return nil, fmt.Errorf("%s: a %dx%d drawing has no pixels", DrawingName, width, height)
	}
	if width > MaxReadSide || height > MaxReadSide || width > MaxReadPixels/height {
		return nil, fmt.Errorf("%s: a %dx%d drawing is over the limit of %d pixels, at most %d a side",
			DrawingName, width, height, MaxReadPixels, MaxReadSide)
	}
	if len(pixels) != width*height {
		return nil, fmt.Errorf("%s: %d values for a %dx%d drawing, want %d (row-major)",
			DrawingName, len(pixels), width, height, width*height)
	}
	g := image.NewGray(image.Rect(0, 0, width, height))
	copy(g.Pix, pixels)
	got, err := p.reader.Read(g)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", DrawingName, err)
	}
	r := &Reading{Width: width, Height: height, Text: got.Text, Confidence: got.Confidence,
		Rejected: got.Rejected, Digits: make([]ReadingDigit, len(got.Digits))}
	for k, d := range got.Digits {
		b := d.Box
		r.Digits[k] = ReadingDigit{Digit: d.Digit, Confidence: d.Confidence,
			Box: [4]int{b.Min.X, b.Min.Y, b.Max.X, b.Max.Y}, Piece: piece(g, b)}
	}
	return r, nil
}

// piece returns the drawing's ink inside box, on a background margin, made
// MNIST-like; nil if it holds none.
func piece(g *image.Gray, box image.Rectangle) Pixels {
	box = box.Intersect(g.Rect)
	if box.Empty() {
		return nil
	}
	crop := image.NewGray(image.Rect(0, 0, box.Dx()+2*pieceMargin, box.Dy()+2*pieceMargin))
	for y := box.Min.Y; y < box.Max.Y; y++ {
		row := g.Pix[g.PixOffset(box.Min.X, y):g.PixOffset(box.Max.X, y)]
		copy(crop.Pix[crop.PixOffset(pieceMargin, y-box.Min.Y+pieceMargin):], row)
	}
	raw, err := data.NormalizeDigit(crop, "piece")
	if err != nil {
		return nil
	}
	return raw
}
