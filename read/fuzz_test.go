package read

import (
	"errors"
	"image"
	"testing"

	"github.com/lenet5-go/lenet5/data"
)

// FuzzRead reads small images made from the fuzzer's bytes: width and
// height from the first two, the pixels from the rest (repeated). Read
// must never panic, and must answer with a consistent reading or an
// error.
func FuzzRead(f *testing.F) {
	f.Add([]byte{28, 28, 0, 255, 0, 255})
	f.Add([]byte{0, 0})
	f.Add([]byte{1, 1, 7})
	f.Add([]byte{60, 20, 255, 255, 255, 0, 0, 255, 255, 255, 255, 255, 0})
	f.Add([]byte{200, 3, 0, 0, 0, 0, 255})
	f.Add([]byte{40, 40, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0})
	_, r := fixture(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		img, got, ok := fuzzRead(t, r, b)
		if ok {
			checkReading(t, r, img, got)
		}
	})
}

// FuzzReadShipped reads FuzzRead's images with the reader as infer reads,
// the SDNN as the second reader: never a panic, and a reading of digits in
// boxes inside the image with a confidence in [0, 1], or an error.
func FuzzReadShipped(f *testing.F) {
	f.Add([]byte{28, 28, 0, 255, 0, 255})
	f.Add([]byte{120, 30, 255, 0, 255, 255, 0, 0, 0, 255})
	f.Add([]byte{200, 3, 0, 0, 0, 0, 255})
	r, _ := shippedReader(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		img, got, ok := fuzzRead(t, r, b)
		if !ok {
			return
		}
		if !(got.Confidence >= 0 && got.Confidence <= 1) || len(got.Digits) != len(got.Text) {
			t.Fatalf("%v: %q, confidence %v, %d digits", img.Bounds(), got.Text, got.Confidence, len(got.Digits))
		}
		for _, d := range got.Digits {
			if !d.Box.In(img.Bounds()) || d.Box.Empty() {
				t.Fatalf("%v: %q: box %v", img.Bounds(), got.Text, d.Box)
			}
		}
	})
}

// fuzzRead makes an image of the fuzzer's bytes (width and height from the
// first two, the pixels from the rest, repeated) and reads it with r; ok is
// false when there was nothing to read or the error was an expected one.
func fuzzRead(t *testing.T, r *Reader, b []byte) (img *image.Gray, got *Reading, ok bool) {
	if len(b) < 2 {
		return nil, nil, false
	}
	w, h := int(b[0]), int(b[1])
	img = image.NewGray(image.Rect(0, 0, w, h))
	if pix := b[2:]; len(pix) > 0 {
		for i := range img.Pix {
			img.Pix[i] = pix[i%len(pix)]
		}
	}
	got, err := r.Read(img)
	if err != nil {
		if !errors.Is(err, data.ErrNoDigit) && !errors.Is(err, ErrLength) {
			t.Fatalf("%dx%d: unexpected error %v", w, h, err)
		}
		return img, nil, false
	}
	return img, got, true
}
