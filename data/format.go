package data

import "fmt"

// DigitSide is the side of the box MNIST's digits were normalized into:
// each digit was scaled, keeping its aspect ratio, to fit a 20x20 box, then
// centred by its centre of mass in the 28x28 image (paper, section III-A).
const DigitSide = 20

// Bounds of an InputFormat, checked by Validate: a field smaller than 8
// pixels holds no recognisable digit, and one larger than 256 is a mistake
// (the paper's largest input is 32x32), not a network to build.
const (
	minFormatSide  = 8
	maxFormatSide  = 256
	minFormatDigit = 4
)

// InputFormat is the shape of a network's input made from an MNIST image:
// a Side x Side field of Background holding the image's digit scaled so
// that MNIST's 20x20 digit box becomes Digit x Digit, about the centres of
// the field and of the image.
//
// The paper's networks do not all read the same input. LeNet-5 (and
// LeNet-4) read 32x32 with the digit at its own size, a field larger than
// the largest digit so that features such as stroke ends can reach the
// centre of the highest-level detectors' receptive fields (section II-B):
// LeNet5Format. The fully connected nets read the 28x28 image as it is:
// MNISTFormat. LeNet-1 reads 28x28 with the digit down-sampled to 16x16
// and centred (section III-C-7; docs/family.md): LeNet1Format. Every
// format maps pixels to values as PixelValue does.
//
// When the digit keeps its size and the field's centre falls on the
// image's pixel grid (Side even), the input is the image's pixels padded
// or cropped, exactly; otherwise the image is resampled bilinearly, with
// the code the distortions use (a format is the zero Distortion seen
// through its own scaling; see Distortion.ApplyFormat).
type InputFormat struct {
	// Side is the input's width and height in pixels.
	Side int
	// Digit is the side of the digit's box in the input: DigitSide (20)
	// keeps MNIST's size, 16 shrinks it by 0.8 for LeNet-1.
	Digit int
}

// The paper's input formats.
var (
	// LeNet5Format is LeNet-5's and LeNet-4's input, the package's default:
	// the 28x28 image padded by Pad pixels of background to InputSide.
	LeNet5Format = InputFormat{Side: InputSide, Digit: DigitSide}
	// MNISTFormat is the 28x28 MNIST image as it is, the fully connected
	// nets' input.
	MNISTFormat = InputFormat{Side: Side, Digit: DigitSide}
	// LeNet1Format is LeNet-1's input: 28x28 with the digit shrunk to 16x16.
	LeNet1Format = InputFormat{Side: Side, Digit: 16}
)

// Validate reports a format whose side is outside [8, 256] or whose digit
// box is smaller than 4 pixels or larger than the field.
func (f InputFormat) Validate() error {
	if f.Side < minFormatSide || f.Side > maxFormatSide {
		return fmt.Errorf("data: input format %dx%d: the side must be between %d and %d pixels", f.Side, f.Side, minFormatSide, maxFormatSide)
	}
	if f.Digit < minFormatDigit || f.Digit > f.Side {
		return fmt.Errorf("data: input format %dx%d: the digit box is %d pixels; it must be between %d and the side, %d", f.Side, f.Side, f.Digit, minFormatDigit, f.Side)
	}
	return nil
}

// Size returns the number of values of one input, Side*Side.
func (f InputFormat) Size() int { return f.Side * f.Side }

// String describes the format, as "28x28, 16 px digit".
func (f InputFormat) String() string {
	return fmt.Sprintf("%dx%d, %d px digit", f.Side, f.Side, f.Digit)
}

// scale is the factor from the image's pixels to the input's.
func (f InputFormat) scale() float64 { return float64(f.Digit) / DigitSide }

// offset returns the input column (and row) of the image's column (row) 0
// when the input is an exact copy of the image's pixels, padded or
// cropped: ok is false when it has to be resampled.
func (f InputFormat) offset() (off int, ok bool) {
	if f.Digit != DigitSide || (f.Side-Side)%2 != 0 {
		return 0, false
	}
	return (f.Side - Side) / 2, true
}

// Preprocess writes the network input of one 28x28 MNIST image (row-major
// bytes, 0 = background, 255 = ink) into dst, row-major, with Background
// outside the image. f must be valid; dst must hold f.Size() values and raw
// ImageSize bytes, and Preprocess panics otherwise, as copy-like helpers
// do for programming errors.
func (f InputFormat) Preprocess(dst []float32, raw []uint8) {
	dst = dst[:f.Size()]
	raw = raw[:ImageSize]
	if off, ok := f.offset(); ok {
		place(dst, raw, f.Side, off, &pixelTable32)
		return
	}
	resample(dst, raw, f, Distortion{})
}

// Preprocess64 is Preprocess in float64, for graphs built in float64.
func (f InputFormat) Preprocess64(dst []float64, raw []uint8) {
	dst = dst[:f.Size()]
	raw = raw[:ImageSize]
	if off, ok := f.offset(); ok {
		place(dst, raw, f.Side, off, &pixelTable64)
		return
	}
	resample(dst, raw, f, Distortion{})
}

// place copies raw's pixels, mapped by value, into the side x side dst
// with image pixel (0, 0) at input pixel (off, off); off < 0 crops. The
// rest is value[0], the background.
func place[T float32 | float64](dst []T, raw []uint8, side, off int, value *[256]T) {
	bg := value[0]
	lo, hi := max(0, off), min(side, off+Side) // input columns holding image columns
	for r := range side {
		row := dst[r*side : (r+1)*side]
		sr := r - off
		if sr < 0 || sr >= Side || lo >= hi {
			for c := range row {
				row[c] = bg
			}
			continue
		}
		for c := range row[:lo] {
			row[c] = bg
		}
		for c, p := range raw[sr*Side+lo-off : sr*Side+hi-off] {
			row[lo+c] = value[p]
		}
		for c := hi; c < side; c++ {
			row[c] = bg
		}
	}
}
