package synth

import (
	"fmt"
	"image"
	"strings"
)

// Lengths of the numbers Strings writes.
const (
	MinLength = 1
	MaxLength = 8
)

// Sample is one written number: its picture and the truth about it.
type Sample struct {
	// Image is the picture, as a scan or photo of the number would be.
	Image *image.RGBA
	// Text is the number, one character per digit, for example "2026".
	Text string
	// Boxes holds each digit's box in Image, in the order of Text.
	Boxes []image.Rectangle
	// Spacing is how close the digits are.
	Spacing Spacing
	// Look is how the line was put on paper.
	Look Look
}

// Strings makes n written numbers from the digits of src: lengths drawn
// uniformly from 1..8, each digit drawn uniformly from src, the spacings
// taken in turn (Apart, Close, Touching, Apart, ...) so that each has a
// third of the samples, and a random look each. Sample i depends only on
// src, seed and i: a longer set begins with the shorter one.
//
// src decides what the set measures: MNIST test digits for a test set,
// held-out training digits for a validation set (see Split).
func Strings(src []Digit, n int, seed uint64) ([]Sample, error) {
	if n < 0 {
		return nil, fmt.Errorf("making %d written numbers: the count is negative", n)
	}
	if n > 0 && len(src) == 0 {
		return nil, fmt.Errorf("making %d written numbers: no digits to write them with", n)
	}
	if err := checkDigits(src); err != nil {
		return nil, fmt.Errorf("making %d written numbers: %w", n, err)
	}
	return StringsFrom(src, 0, n, seed)
}

// StringsFrom makes samples first to first+n-1 of the set Strings makes
// with src and seed.
func StringsFrom(src []Digit, first, n int, seed uint64) ([]Sample, error) {
	if n < 0 || first < 0 {
		return nil, fmt.Errorf("making written numbers %d to %d: negative", first, first+n-1)
	}
	if n > 0 && len(src) == 0 {
		return nil, fmt.Errorf("making %d written numbers: no digits to write them with", n)
	}
	out := make([]Sample, n)
	for k := range out {
		i := first + k
		s, err := sample(src, Spacings[i%len(Spacings)], sampleDraws(seed, streamStrings, i))
		if err != nil {
			return nil, fmt.Errorf("written number %d (seed %d): %w", i, seed, err)
		}
		out[k] = s
	}
	return out, nil
}

// sample makes one written number.
func sample(src []Digit, spacing Spacing, r draws) (Sample, error) {
	digits := make([]Digit, r.between(MinLength, MaxLength))
	var text strings.Builder
	for k := range digits {
		digits[k] = src[r.intN(len(src))]
		text.WriteByte('0' + digits[k].Label)
	}
	line, err := compose(digits, spacing, r)
	if err != nil {
		return Sample{}, err
	}
	look := randomLook(r, line.Baseline)
	img, err := Render(line.Ink, look)
	if err != nil {
		return Sample{}, fmt.Errorf("rendering %q: %w", text.String(), err)
	}
	return Sample{Image: img, Text: text.String(), Boxes: line.Boxes, Spacing: spacing, Look: look}, nil
}
