// Package imagefile reads users' image files: PNG, JPEG, GIF, BMP, TIFF and
// WebP, each checked against size limits before it is decoded, and the digit
// they show made MNIST-like by data.NormalizeDigit.
//
// It is apart from package data so that a program which never decodes a file
// (the WebAssembly demo, which gets its pixels from the browser) does not
// link the six decoders: importing this package registers them with image.
package imagefile

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // decoders for image.Decode
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"

	"github.com/lenet5-go/lenet5/data"
	_ "golang.org/x/image/bmp" // decoders for the formats of scanners and paint programs
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// Limits on a user's image, checked before the expensive work so that a
// small hostile file cannot make us allocate gigabytes.
const (
	// MaxPixels is the largest width*height accepted, read from the
	// image header before any pixel is decoded. 40 megapixels covers the
	// photos of today's phones, and bounds what a lying header can make a
	// decoder allocate before it finds the pixels missing: 320 MB for a
	// 16-bit RGBA PNG, about 600 MB for a progressive JPEG (its int32
	// coefficients). A real image also takes 160 MB for our grey plane
	// (320 MB with transparency).
	MaxPixels = 40_000_000
	// MaxFileBytes is the most bytes read from an image file or
	// stream; a longer one is refused, since it is read into memory whole.
	MaxFileBytes = 64 << 20
)

// LoadDigit reads an image file (PNG, JPEG, GIF, BMP, TIFF or WebP)
// showing one handwritten digit and returns it as an MNIST image, ready for
// data.Preprocess; see ReadDigit. Errors name the path.
func LoadDigit(path string) ([]uint8, error) {
	img, err := Load(path)
	if err != nil {
		return nil, err
	}
	return data.NormalizeDigit(img, path)
}

// Load reads and decodes an image file (PNG, JPEG, GIF, BMP, TIFF or
// WebP), with Decode's limits; a regular file over MaxFileBytes is refused
// from its size, unread. Errors name the path.
func Load(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not an image file", path)
	}
	// A regular file's size is known: refuse a huge one without reading it.
	if info.Mode().IsRegular() && info.Size() > MaxFileBytes {
		return nil, tooLargeError(path)
	}
	return Decode(f, path)
}

// openError drops the "open <path>" that os.Open puts in front of the cause,
// so that every error of this file starts with the file's name, while
// errors.Is(err, fs.ErrNotExist) still holds.
func openError(path string, err error) error {
	var pathErr *os.PathError
	if errors.As(err, &pathErr) {
		err = pathErr.Err
	}
	return fmt.Errorf("%s: cannot open: %w", path, err)
}

// ReadDigit decodes an image (PNG, JPEG, GIF, BMP, TIFF or WebP) of one
// handwritten digit and makes it look like an MNIST digit with
// data.NormalizeDigit. It returns data.ImageSize bytes, row-major, 0 =
// background, 255 = ink.
//
// An image with too little contrast holds no digit: the error wraps
// data.ErrNoDigit. Decode's limits apply; broken or unsupported files give a
// *data.FormatError. Every error starts with name.
func ReadDigit(r io.Reader, name string) ([]uint8, error) {
	img, err := Decode(r, name)
	if err != nil {
		return nil, err
	}
	return data.NormalizeDigit(img, name)
}

// Decode reads an image file (PNG, JPEG, GIF, BMP, TIFF or WebP) whole and
// decodes it, refusing before any pixel is decoded a stream of more than
// MaxFileBytes and an image whose header claims more than MaxPixels.
// Broken or unsupported files give a *data.FormatError; every error starts
// with name.
func Decode(r io.Reader, name string) (image.Image, error) {
	b, err := readImageBytes(r, name)
	if err != nil {
		return nil, err
	}
	return decodeImage(b, name)
}

// readImageBytes reads the whole file, one byte past the limit so that a
// file of exactly MaxFileBytes is accepted and a larger one is not.
func readImageBytes(r io.Reader, name string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading: %w", name, err)
	}
	if len(b) > MaxFileBytes {
		return nil, tooLargeError(name)
	}
	if len(b) == 0 {
		return nil, formatErrorf(name, "empty file, not an image")
	}
	return b, nil
}

// tooLargeError is the one message for a file over MaxFileBytes,
// whether its size is known from the file system or found by reading.
func tooLargeError(name string) error {
	return formatErrorf(name, "file is larger than %d MiB, the limit for an image", MaxFileBytes>>20)
}

// decodeImage decodes b after checking the size its header claims, since
// the decoders allocate the whole image before reading the pixels.
func decodeImage(b []byte, name string) (image.Image, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, decodeError(name, err)
	}
	if err := checkSize(cfg.Width, cfg.Height, name); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, decodeError(name, err)
	}
	// A GIF's first frame may be smaller than the screen its header gives;
	// it is never larger, but check rather than trust each decoder.
	if err := checkSize(img.Bounds().Dx(), img.Bounds().Dy(), name); err != nil {
		return nil, err
	}
	return img, nil
}

// decodeError tells an unknown format from a broken file of a known one.
func decodeError(name string, err error) error {
	if errors.Is(err, image.ErrFormat) {
		return formatErrorf(name, "not a PNG, JPEG, GIF, BMP, TIFF or WebP image")
	}
	return formatErrorf(name, "truncated or corrupt image: %v", err)
}

// checkSize refuses empty and oversized images. It divides rather than
// multiplies so that no header value can overflow the product.
func checkSize(w, h int, name string) error {
	if w <= 0 || h <= 0 {
		return formatErrorf(name, "image is %dx%d pixels, it has no pixels", w, h)
	}
	if w > MaxPixels/h {
		return formatErrorf(name, "image is %dx%d pixels, more than the %d-pixel limit", w, h, MaxPixels)
	}
	return nil
}

// formatErrorf builds a *data.FormatError for the named file.
func formatErrorf(name, format string, args ...any) error {
	return &data.FormatError{Name: name, Msg: fmt.Sprintf(format, args...)}
}
