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
		if len(b) < 2 {
			return
		}
		w, h := int(b[0]), int(b[1])
		img := image.NewGray(image.Rect(0, 0, w, h))
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
			return
		}
		checkReading(t, r, img, got)
	})
}
