package serve

import (
	"testing"
)

// BenchmarkPredict is one request to /api/predict through the handler,
// without the network: read the body, make the digit look like MNIST,
// run every layer and write the JSON answer (about 60 KB).
//
//	go test ./cmd/infer/internal/serve -run XXX -bench Predict -benchmem
func BenchmarkPredict(b *testing.B) {
	_, m := setup(b)
	s := newServer(b, Config{Workers: 1}, nil)
	for _, tc := range []struct {
		name, ctype string
		body        []byte
	}{
		{"pixels", "application/json", pixelsJSON(m.Test.Image(0))},
		{"png", "image/png", encodePNG(b, grey(m.Test.Image(0)))},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if w := call(s, "POST", "/api/predict", tc.ctype, tc.body); w.Code != 200 {
					b.Fatal(w.Code, w.Body.String())
				}
			}
		})
	}
}
