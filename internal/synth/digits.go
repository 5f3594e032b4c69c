package synth

import (
	"fmt"

	"github.com/lenet5-go/lenet5/data"
)

// Validation split of the MNIST training set. It is the split that
// `cmd/train -validation 10000` holds out with its default -seed 1
// (data.SplitValidation), so a model trained that way has never seen the
// digits of the validation strings.
const (
	ValidationCount = 10_000
	ValidationSeed  = 1
)

// Digit is one MNIST image with its label.
type Digit struct {
	// Pixels holds data.Side x data.Side bytes, row-major, 0 = background,
	// 255 = ink, as in MNIST.
	Pixels []uint8
	// Label is the digit 0..9.
	Label uint8
}

// Digits returns the images of set at the given indices as Digits; nil
// indices mean all of them. The pixels are shared with set, not copied.
func Digits(set *data.Set, indices []int) ([]Digit, error) {
	if set == nil {
		return nil, fmt.Errorf("no image set")
	}
	if indices == nil {
		indices = data.Range(set.Len())
	}
	out := make([]Digit, len(indices))
	for k, i := range indices {
		if i < 0 || i >= set.Len() {
			return nil, fmt.Errorf("image index %d outside the set of %d", i, set.Len())
		}
		out[k] = Digit{Pixels: set.Image(i), Label: uint8(set.Label(i))}
	}
	return out, nil
}

// Split divides MNIST into the digits of the three uses: train is the
// training set without the validation split (ValidationCount images chosen
// by ValidationSeed), validation is that split, and test is the MNIST test
// set.
func Split(m *data.MNIST) (train, validation, test []Digit, err error) {
	if m == nil || m.Train == nil || m.Test == nil {
		return nil, nil, nil, fmt.Errorf("MNIST not loaded")
	}
	trainIdx, valIdx, err := data.SplitValidation(m.Train.Len(), ValidationCount, ValidationSeed)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("splitting the %d training images: %w", m.Train.Len(), err)
	}
	if train, err = Digits(m.Train, trainIdx); err != nil {
		return nil, nil, nil, fmt.Errorf("training digits: %w", err)
	}
	if validation, err = Digits(m.Train, valIdx); err != nil {
		return nil, nil, nil, fmt.Errorf("validation digits: %w", err)
	}
	if test, err = Digits(m.Test, nil); err != nil {
		return nil, nil, nil, fmt.Errorf("test digits: %w", err)
	}
	return train, validation, test, nil
}

// checkDigits reports the first digit that is not an MNIST image.
func checkDigits(digits []Digit) error {
	for i, d := range digits {
		if len(d.Pixels) != data.ImageSize {
			return fmt.Errorf("digit %d has %d pixels, want %d", i, len(d.Pixels), data.ImageSize)
		}
		if d.Label > 9 {
			return fmt.Errorf("digit %d has label %d, want 0..9", i, d.Label)
		}
	}
	return nil
}
