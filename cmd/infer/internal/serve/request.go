package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"mime"
	"net/http"
	"strings"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/data/imagefile"
	"github.com/lenet5-go/lenet5/internal/demo"
)

// A request to /api/predict is one of these.
type request struct {
	// pixels is a drawing, ImageSize bytes, 0 background, 255 ink.
	pixels []uint8
	// file is an encoded image of any format imagefile.Decode reads,
	// and name what its errors call it.
	file []byte
	name string
}

// pixelsName is what errors about a JSON drawing call it.
const pixelsName = demo.DrawingName

// readRequest reads the body of a predict request, by its content type:
// application/json holds {"pixels": [...]}; image/* and
// application/octet-stream are an image file; multipart/form-data holds
// one in its "image" part (or its first file part). The body has been
// limited by http.MaxBytesReader, whose error the caller turns into 413.
func readRequest(r *http.Request) (request, error) {
	ctype := r.Header.Get("Content-Type")
	media, params, err := mime.ParseMediaType(ctype)
	if err != nil && ctype != "" {
		return request{}, statusErrorf(http.StatusUnsupportedMediaType, "Content-Type %q: %v", ctype, err)
	}
	switch {
	case media == "application/json":
		pixels, err := decodePixels(r.Body)
		if err != nil {
			return request{}, err
		}
		return request{pixels: pixels, name: pixelsName}, nil
	case strings.HasPrefix(media, "image/") || media == "application/octet-stream":
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return request{}, bodyError(err)
		}
		return request{file: b, name: "image"}, nil
	case media == "multipart/form-data":
		return readMultipart(r, params["boundary"])
	}
	return request{}, statusErrorf(http.StatusUnsupportedMediaType,
		"Content-Type %q: send application/json {\"pixels\": [784 numbers]}, an image (image/png, image/jpeg, ...), or multipart/form-data with an \"image\" file", ctype)
}

// readMultipart returns the form's "image" part, or its first file part.
func readMultipart(r *http.Request, boundary string) (request, error) {
	if boundary == "" {
		return request{}, statusErrorf(http.StatusBadRequest, "multipart/form-data without a boundary")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return request{}, statusErrorf(http.StatusBadRequest, "multipart form: %v", err)
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return request{}, statusErrorf(http.StatusBadRequest, "multipart form has no image file: send it in a part named \"image\"")
		}
		if err != nil {
			return request{}, bodyError(fmt.Errorf("multipart form: %w", err))
		}
		if part.FormName() != "image" && part.FileName() == "" {
			continue
		}
		b, err := io.ReadAll(part)
		if err != nil {
			return request{}, bodyError(fmt.Errorf("multipart form: %w", err))
		}
		name := part.FileName()
		if name == "" {
			name = "image"
		}
		return request{file: b, name: name}, nil
	}
}

// bodyError turns a failure to read the body into 413 when the body was
// over the limit, else 400.
func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return statusErrorf(http.StatusRequestEntityTooLarge, "request body is larger than %d bytes, the limit", tooLarge.Limit)
	}
	return statusErrorf(http.StatusBadRequest, "reading the request: %v", err)
}

// decodePixels reads the JSON object {"pixels": [784 numbers 0..255]}: a
// 28x28 drawing, row-major, 0 background and 255 ink as in MNIST;
// fractions are rounded. It reads token by token and stops at the first
// number too many, so it allocates ImageSize bytes whatever the input.
func decodePixels(r io.Reader) ([]uint8, error) {
	dec := json.NewDecoder(r)
	bad := func(format string, a ...any) ([]uint8, error) {
		return nil, statusErrorf(http.StatusBadRequest, "JSON: "+format, a...)
	}
	token := tokenReader(dec)
	t, err := token()
	if err != nil {
		return nil, err
	}
	if t != json.Delim('{') {
		return bad(`want an object {"pixels": [...]}, got %v`, describe(t))
	}
	var pixels []uint8
	for dec.More() {
		if t, err = token(); err != nil {
			return nil, err
		}
		if key, _ := t.(string); key != "pixels" {
			return bad(`unknown field %q: want only "pixels"`, t)
		}
		if pixels != nil {
			return bad(`"pixels" given twice`)
		}
		if pixels, err = decodePixelArray(dec, token); err != nil {
			return nil, err
		}
	}
	if _, err := token(); err != nil { // the closing brace
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("data after the object")
	}
	if pixels == nil {
		return bad(`no "pixels" field`)
	}
	return pixels, nil
}

// decodePixelArray reads the array of pixel values.
func decodePixelArray(dec *json.Decoder, token func() (json.Token, error)) ([]uint8, error) {
	bad := func(format string, a ...any) ([]uint8, error) {
		return nil, statusErrorf(http.StatusBadRequest, "JSON: "+format, a...)
	}
	t, err := token()
	if err != nil {
		return nil, err
	}
	if t != json.Delim('[') {
		return bad(`"pixels" must be an array of %d numbers, got %v`, data.ImageSize, describe(t))
	}
	pixels := make([]uint8, 0, data.ImageSize)
	for dec.More() {
		if len(pixels) == data.ImageSize {
			return bad(`"pixels" has more than %d values (a 28x28 drawing, row-major)`, data.ImageSize)
		}
		if t, err = token(); err != nil {
			return nil, err
		}
		v, ok := t.(float64)
		if !ok || !(v >= 0 && v <= 255) {
			return bad("pixel %d is %v: want a number from 0 to 255", len(pixels), describe(t))
		}
		pixels = append(pixels, uint8(math.Round(v)))
	}
	if _, err := token(); err != nil { // the closing bracket
		return nil, err
	}
	if len(pixels) != data.ImageSize {
		return bad(`"pixels" has %d values, want %d (a 28x28 drawing, row-major)`, len(pixels), data.ImageSize)
	}
	return pixels, nil
}

// isJSON reports whether a Content-Type is application/json.
func isJSON(ctype string) bool {
	media, _, err := mime.ParseMediaType(ctype)
	return err == nil && media == "application/json"
}

// drawingRequest is a drawing to read as a number: width x height pixels.
type drawingRequest struct {
	width, height int
	pixels        []uint8
}

// decodeReadRequest reads the JSON object {"width": W, "height": H,
// "pixels": [W*H numbers 0..255]} (keys in any order): a drawing, row-major,
// 0 background and 255 ink; fractions are rounded. Sizes over
// demo.MaxReadSide a side or demo.MaxReadPixels in all are refused with
// 413, before the pixels are read when the sizes come first. It reads
// token by token and stops at the first number too many, so it allocates
// at most W*H (or MaxReadPixels) bytes whatever the input.
func decodeReadRequest(r io.Reader) (drawingRequest, error) {
	const usage = `{"width": W, "height": H, "pixels": [W*H numbers]}`
	dec := json.NewDecoder(r)
	token := tokenReader(dec)
	bad := func(format string, a ...any) (drawingRequest, error) {
		return drawingRequest{}, statusErrorf(http.StatusBadRequest, "JSON: "+format, a...)
	}
	tooLarge := func(w, h int) (drawingRequest, error) {
		return drawingRequest{}, statusErrorf(http.StatusRequestEntityTooLarge,
			"a %dx%d drawing is over this server's limit of %d pixels, at most %d a side", w, h, demo.MaxReadPixels, demo.MaxReadSide)
	}
	t, err := token()
	if err != nil {
		return drawingRequest{}, err
	}
	if t != json.Delim('{') {
		return bad("want an object %s, got %v", usage, describe(t))
	}
	var q drawingRequest
	var pixels []uint8
	seen := map[string]bool{}
	for dec.More() {
		if t, err = token(); err != nil {
			return drawingRequest{}, err
		}
		key, _ := t.(string)
		if key != "width" && key != "height" && key != "pixels" {
			return bad(`unknown field %q: want only "width", "height" and "pixels"`, t)
		}
		if seen[key] {
			return bad("%q given twice", key)
		}
		seen[key] = true
		if key == "pixels" {
			limit := demo.MaxReadPixels
			if q.width > 0 && q.height > 0 {
				limit = q.width * q.height
			}
			if pixels, err = decodeReadPixels(dec, token, limit, q.width*q.height == limit); err != nil {
				return drawingRequest{}, err
			}
			continue
		}
		if t, err = token(); err != nil {
			return drawingRequest{}, err
		}
		v, ok := t.(float64)
		if !ok || !(v >= 1) || v != math.Trunc(v) {
			return bad("%q is %v: want a whole number of pixels, at least 1", key, describe(t))
		}
		if v > demo.MaxReadSide {
			return drawingRequest{}, statusErrorf(http.StatusRequestEntityTooLarge,
				"%q is %v: over this server's limit of %d pixels a side", key, v, demo.MaxReadSide)
		}
		if key == "width" {
			q.width = int(v)
		} else {
			q.height = int(v)
		}
		if q.width > 0 && q.height > 0 && q.width > demo.MaxReadPixels/q.height {
			return tooLarge(q.width, q.height)
		}
	}
	if _, err := token(); err != nil { // the closing brace
		return drawingRequest{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("data after the object")
	}
	for _, key := range []string{"width", "height", "pixels"} {
		if !seen[key] {
			return bad("no %q field: want %s", key, usage)
		}
	}
	if len(pixels) != q.width*q.height {
		return bad(`"pixels" has %d values, want %d (a %dx%d drawing, row-major)`, len(pixels), q.width*q.height, q.width, q.height)
	}
	q.pixels = pixels
	return q, nil
}

// decodeReadPixels reads the array of a drawing's pixel values, at most
// limit of them: exact is true when limit is the drawing's size (more is
// a 400), false when the size is not known yet (more is over the
// server's limit, a 413).
func decodeReadPixels(dec *json.Decoder, token func() (json.Token, error), limit int, exact bool) ([]uint8, error) {
	t, err := token()
	if err != nil {
		return nil, err
	}
	if t != json.Delim('[') {
		return nil, statusErrorf(http.StatusBadRequest, `JSON: "pixels" must be an array of numbers 0..255, got %v`, describe(t))
	}
	var pixels []uint8
	if exact {
		pixels = make([]uint8, 0, limit)
	}
	for dec.More() {
		if len(pixels) == limit {
			if exact {
				return nil, statusErrorf(http.StatusBadRequest, `JSON: "pixels" has more than %d values, width times height`, limit)
			}
			return nil, statusErrorf(http.StatusRequestEntityTooLarge, `JSON: "pixels" has more than %d values, this server's limit`, limit)
		}
		if t, err = token(); err != nil {
			return nil, err
		}
		v, ok := t.(float64)
		if !ok || !(v >= 0 && v <= 255) {
			return nil, statusErrorf(http.StatusBadRequest, "JSON: pixel %d is %v: want a number from 0 to 255", len(pixels), describe(t))
		}
		pixels = append(pixels, uint8(math.Round(v)))
	}
	if _, err := token(); err != nil { // the closing bracket
		return nil, err
	}
	if pixels == nil {
		pixels = []uint8{}
	}
	return pixels, nil
}

// tokenReader returns a function reading dec's next token, with errors
// as the API answers them: 413 for a body over the limit, 400 otherwise.
func tokenReader(dec *json.Decoder) func() (json.Token, error) {
	return func() (json.Token, error) {
		t, err := dec.Token()
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return nil, bodyError(err)
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, statusErrorf(http.StatusBadRequest, "JSON: %v", err)
		}
		return t, nil
	}
}

// describe names a JSON token for an error message.
func describe(t json.Token) string {
	switch v := t.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", string(v))
	case string:
		return fmt.Sprintf("the string %q", v)
	case nil:
		return "null"
	}
	return fmt.Sprint(t)
}

// image returns the request's picture: a drawing as the grey image of its
// pixels (demo.Predictor.Drawing's steps), or a decoded image file. An
// image of more than maxPixels is refused from its header, before it is
// decoded.
func (q request) image(maxPixels int) (image.Image, error) {
	if q.pixels != nil {
		g := image.NewGray(image.Rect(0, 0, demo.DrawingSide, demo.DrawingSide))
		copy(g.Pix, q.pixels)
		return g, nil
	}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(q.file)); err == nil && cfg.Width > 0 && cfg.Height > 0 && cfg.Width > maxPixels/cfg.Height {
		return nil, statusErrorf(http.StatusRequestEntityTooLarge, "%s: image is %dx%d pixels, more than this server's limit of %d", q.name, cfg.Width, cfg.Height, maxPixels)
	}
	img, err := imagefile.Decode(bytes.NewReader(q.file), q.name)
	if err != nil {
		var ferr *data.FormatError
		if errors.As(err, &ferr) {
			return nil, statusErrorf(http.StatusBadRequest, "%w", err)
		}
		return nil, err
	}
	return img, nil
}

// statusError is an error answered with its HTTP status.
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// statusErrorf makes a statusError; %w in format wraps as in fmt.Errorf.
func statusErrorf(status int, format string, a ...any) error {
	return &statusError{status: status, err: fmt.Errorf(format, a...)}
}
