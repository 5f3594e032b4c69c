package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/data"
)

// FuzzDecodePixels: any bytes give either 784 pixels or a 400 error,
// never a panic; the pixels are the JSON's numbers, rounded; and what is
// accepted, written again, is accepted again with the same pixels.
//
//	go test -run XXX -fuzz=FuzzDecodePixels -fuzztime=60s ./cmd/infer/internal/serve/
func FuzzDecodePixels(f *testing.F) {
	ramp := make([]uint8, data.ImageSize)
	for i := range ramp {
		ramp[i] = uint8(i)
	}
	f.Add(pixelsJSON(ramp))
	f.Add(pixelsJSON(make([]uint8, data.ImageSize)))
	f.Add([]byte(`{"pixels": ` + strings.Replace(zerosJSON(784), "0", "254.5", 1) + `}`))
	f.Add([]byte(`{"pixels": ` + zerosJSON(785) + `}`))
	f.Add([]byte(`{"pixels": [1, 2, 3]}`))
	f.Add([]byte(`{"pixels": [1e400]}`))
	f.Add([]byte(`{"pixels": null}`))
	f.Add([]byte(`{"pixels": [[]]}`))
	f.Add([]byte(`{"pixels": [{"a": 1}]}`))
	f.Add([]byte(`{"a": {"pixels": []}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`"pixels"`))
	f.Add([]byte(`{"pixels": [0,`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		pixels, err := decodePixels(bytes.NewReader(b))
		if err != nil {
			var se *statusError
			if !errors.As(err, &se) || se.status != http.StatusBadRequest || pixels != nil {
				t.Fatalf("error %v (%T), want a 400 statusError and no pixels", err, err)
			}
			return
		}
		if len(pixels) != data.ImageSize {
			t.Fatalf("%d pixels", len(pixels))
		}
		var doc struct{ Pixels []float64 }
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("accepted what encoding/json refuses: %v", err)
		}
		for i, v := range doc.Pixels {
			if d := float64(pixels[i]) - v; d > 0.5 || d < -0.5 {
				t.Fatalf("pixel %d is %d, the JSON says %v", i, pixels[i], v)
			}
		}
		again, err := decodePixels(bytes.NewReader(pixelsJSON(pixels)))
		if err != nil || !bytes.Equal(again, pixels) {
			t.Fatalf("written again: %v", err)
		}
	})
}
