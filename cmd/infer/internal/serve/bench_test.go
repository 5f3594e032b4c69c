package serve

import (
	"image"
	"testing"

	xdraw "golang.org/x/image/draw"
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

// BenchmarkRead is one request to /api/read through the handler, without
// the network, for a drawing the size the page sends (210x70) holding
// three MNIST test digits scaled to 48 pixels: read the body, read the
// number (package read) and make each digit's piece, write the JSON
// answer. It reports the request's and the answer's sizes.
//
//	go test ./cmd/infer/internal/serve -run XXX -bench Read -benchmem
func BenchmarkRead(b *testing.B) {
	_, m := setup(b)
	s := newServer(b, Config{Workers: 1}, nil)
	const w, h = 210, 70
	g := image.NewGray(image.Rect(0, 0, w, h))
	for k := range 3 {
		src := grey(m.Test.Image(k))
		xdraw.CatmullRom.Scale(g, image.Rect(11+70*k, 11, 59+70*k, 59), src, src.Bounds(), xdraw.Src, nil)
	}
	body := readJSON(w, h, g.Pix)
	var answer int
	for b.Loop() {
		r := call(s, "POST", "/api/read", "application/json", body)
		if r.Code != 200 {
			b.Fatal(r.Code, r.Body.String())
		}
		answer = r.Body.Len()
	}
	b.ReportMetric(float64(len(body)), "request-bytes")
	b.ReportMetric(float64(answer), "answer-bytes")
}
