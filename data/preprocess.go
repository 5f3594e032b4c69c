package data

// Sizes of an MNIST image and of LeNet-5's input made from it (other
// networks' inputs: InputFormat).
const (
	// Side is the width and height of an MNIST image.
	Side = 28
	// ImageSize is the number of pixels of an MNIST image.
	ImageSize = Side * Side
	// InputSide is the width and height of LeNet-5's input (LeNet5Format):
	// the MNIST image with Pad background pixels on each side.
	InputSide = 32
	// InputSize is the number of values of one LeNet-5 input (1x32x32).
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

// pixelTable32 and pixelTable64 map a pixel to its input value, so
// filling a batch is a table look-up per pixel.
var (
	pixelTable32 = func() (t [256]float32) {
		for p := range t {
			t[p] = float32(PixelValue(uint8(p)))
		}
		return t
	}()
	pixelTable64 = func() (t [256]float64) {
		for p := range t {
			t[p] = PixelValue(uint8(p))
		}
		return t
	}()
)

// Preprocess writes the 32x32 network input of one 28x28 MNIST image
// (row-major bytes, 0 = background, 255 = ink) into dst, row-major, padding
// with Background: LeNet5Format.Preprocess. dst must hold InputSize values
// and raw ImageSize bytes; Preprocess panics otherwise, as copy-like
// helpers do for programming errors.
func Preprocess(dst []float32, raw []uint8) { LeNet5Format.Preprocess(dst, raw) }

// Preprocess64 is Preprocess in float64, for graphs built in float64
// (gradient checks, comparisons with the golden vectors).
func Preprocess64(dst []float64, raw []uint8) { LeNet5Format.Preprocess64(dst, raw) }
