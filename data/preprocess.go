package data

// Sizes of an MNIST image and of the network input made from it.
const (
	// Side is the width and height of an MNIST image.
	Side = 28
	// ImageSize is the number of pixels of an MNIST image.
	ImageSize = Side * Side
	// InputSide is the width and height of the network input: the MNIST
	// image with Pad background pixels on each side.
	InputSide = 32
	// InputSize is the number of values of one network input (1x32x32).
	InputSize = InputSide * InputSide
	// Pad is the background border added on each side of an MNIST image.
	Pad = (InputSide - Side) / 2
)

// Input values of the paper's normalization (docs/spec.md §6): pixel p in
// 0..255 maps to Background + (Ink-Background)*p/255, so that the inputs
// have a mean near 0 and a variance near 1 over MNIST.
const (
	// Background is the input value of a blank pixel (p = 0) and of the padding.
	Background = -0.1
	// Ink is the input value of a full-ink pixel (p = 255).
	Ink = 1.175
)

// PixelValue returns the network input value of pixel p in float64, the
// precision gradient checks use. It is -0.1 + 1.275*p/255, computed in that
// order so that it equals the spec's golden inputs bit for bit.
func PixelValue(p uint8) float64 {
	return Background + ((Ink-Background)*float64(p))/255
}

// pixelTable32 maps a pixel to its float32 input value, so filling a batch
// is a table look-up per pixel.
var pixelTable32 = func() (t [256]float32) {
	for p := range t {
		t[p] = float32(PixelValue(uint8(p)))
	}
	return t
}()

// Preprocess writes the 32x32 network input of one 28x28 MNIST image
// (row-major bytes, 0 = background, 255 = ink) into dst, row-major, padding
// with Background. dst must hold InputSize values and raw ImageSize bytes;
// Preprocess panics otherwise, as copy-like helpers do for programming errors.
func Preprocess(dst []float32, raw []uint8) {
	dst = dst[:InputSize]
	raw = raw[:ImageSize]
	for i := range dst[:Pad*InputSide] {
		dst[i] = Background
	}
	for r := 0; r < Side; r++ {
		row := dst[(r+Pad)*InputSide : (r+Pad+1)*InputSide]
		for c := 0; c < Pad; c++ {
			row[c] = Background
			row[InputSide-1-c] = Background
		}
		src := raw[r*Side : (r+1)*Side]
		for c, p := range src {
			row[Pad+c] = pixelTable32[p]
		}
	}
	for i := (Pad + Side) * InputSide; i < InputSize; i++ {
		dst[i] = Background
	}
}

// Preprocess64 is Preprocess in float64, for graphs built in float64
// (gradient checks, comparisons with the golden vectors).
func Preprocess64(dst []float64, raw []uint8) {
	dst = dst[:InputSize]
	raw = raw[:ImageSize]
	for i := range dst {
		dst[i] = Background
	}
	for r := 0; r < Side; r++ {
		for c := 0; c < Side; c++ {
			dst[(r+Pad)*InputSide+Pad+c] = PixelValue(raw[r*Side+c])
		}
	}
}
