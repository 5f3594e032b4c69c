package imagefile

import (
	"bytes"
	"image/color"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/data"
)

// FuzzReadDigit feeds the decoders of every supported format with
// mutated files: ReadDigit must not panic, must return an MNIST image
// or an error naming the file, and nothing else.
func FuzzReadDigit(f *testing.F) {
	raw := testMNISTDigits(f, 1)[0]
	digit := mnistGray(raw)
	for _, format := range []string{"png", "jpeg", "gif", "bmp", "tiff", "webp"} {
		f.Add(encodeTestImage(f, format, digit))
	}
	f.Add(encodeTestImage(f, "png", blackOnWhite(raw, 40)))
	f.Add(encodeTestImage(f, "png", onTransparent(raw, color.RGBA{0, 0, 0, 255})))
	f.Add(encodeTestImage(f, "jpeg", colourInk(raw)))
	f.Add(encodeTestImage(f, "png", uniform(8, 8, 255)))
	f.Add(encodeTestImage(f, "png", uniform(1, 1, 0)))
	f.Add(pngWithSize(100000, 100000))
	f.Add(pngWithSize(3, 2))
	valid := encodeTestImage(f, "png", digit)
	f.Add(valid[:len(valid)/2])
	f.Add(corruptJPEG(f, digit))
	f.Add([]byte("RIFF\x10\x00\x00\x00WEBPVP8L\x04\x00\x00\x00\x2f\x01\x02\x03"))
	f.Add([]byte("seven, written in words\n"))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, file []byte) {
		got, err := ReadDigit(bytes.NewReader(file), "fuzz.img")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.img: ") {
				t.Fatalf("error %q does not start with the file name", err)
			}
			return
		}
		if len(got) != data.ImageSize {
			t.Fatalf("got %d bytes, want %d", len(got), data.ImageSize)
		}
	})
}
