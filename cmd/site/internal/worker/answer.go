package main

import (
	"fmt"
	"image"

	"github.com/lenet5-go/lenet5/internal/demo"
)

// MaxPicturePixels is the largest width*height of an uploaded picture the
// page hands over, as infer -serve's limit: the page checks it before it
// copies the decoded pixels, and answer checks it again.
const MaxPicturePixels = 16 << 20

// drawing answers the page's drawing with the JSON infer -serve answers it
// with.
func drawing(p *demo.Predictor, pixels []byte) ([]byte, error) {
	a, err := p.Drawing(pixels)
	if err != nil {
		return nil, err
	}
	return a.AppendJSON(make([]byte, 0, 64<<10))
}

// readNumber answers the page's drawing of a number, width x height
// pixels, 0 background and 255 ink, with the JSON infer -serve's /api/read
// answers it with.
func readNumber(p *demo.Predictor, pixels []byte, width, height int) ([]byte, error) {
	r, err := p.Read(width, height, pixels)
	if err != nil {
		return nil, err
	}
	return r.AppendJSON(nil)
}

// picture answers a picture the browser decoded: width x height pixels of
// non-premultiplied RGBA, as a canvas's getImageData gives them. name is
// the file's name, for errors.
func picture(p *demo.Predictor, rgba []byte, width, height int, name string) ([]byte, error) {
	if width <= 0 || height <= 0 {
		return nil, fmt.Errorf("%s: image is %dx%d pixels, it has no pixels", name, width, height)
	}
	if width > MaxPicturePixels/height {
		return nil, fmt.Errorf("%s: image is %dx%d pixels, more than the limit of %d", name, width, height, MaxPicturePixels)
	}
	if len(rgba) != 4*width*height {
		return nil, fmt.Errorf("%s: %d bytes of RGBA for %dx%d pixels, want %d", name, len(rgba), width, height, 4*width*height)
	}
	img := &image.NRGBA{Pix: rgba, Stride: 4 * width, Rect: image.Rect(0, 0, width, height)}
	a, err := p.Picture(img, name)
	if err != nil {
		return nil, err
	}
	return a.AppendJSON(make([]byte, 0, 64<<10))
}
