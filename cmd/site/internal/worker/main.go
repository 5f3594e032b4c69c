// Command worker is the demo's network compiled to WebAssembly: the shipped
// LeNet-5 and the same Go code as infer -serve's answers (package demo),
// run by the page's worker script (static/worker.js) in the browser.
// cmd/site builds it with GOOS=js GOARCH=wasm; built for another system it
// only says so.
//
// It gives the worker script one object, globalThis.lenet5, with three
// functions, each returning {json: "..."} (the answer infer -serve gives)
// or {error: "..."}:
//
//	lenet5.read(pixels, width, height)        // Uint8Array of width x height, 0 background, 255 ink: the number read (/api/read)
//	lenet5.drawing(pixels)                    // Uint8Array of 28x28, 0 background, 255 ink: one digit's layers (/api/predict)
//	lenet5.picture(rgba, width, height, name) // Uint8ClampedArray from getImageData
//
// and calls globalThis.lenet5Ready() once they are there.
package main

import (
	"fmt"
	"os"

	"github.com/lenet5-go/lenet5/internal/demo"
	"github.com/lenet5-go/lenet5/models"
)

func main() {
	m, err := models.Default()
	if err != nil {
		fail(err)
	}
	numbers, err := models.Reader()
	if err != nil {
		fail(err)
	}
	sdnn, err := models.SDNN()
	if err != nil {
		fail(err)
	}
	p, err := demo.NewPredictor(m, numbers, sdnn)
	if err != nil {
		fail(err)
	}
	if err := serve(p); err != nil {
		fail(err)
	}
}

// fail reports err on stderr (the browser's console) and exits.
func fail(err error) {
	fmt.Fprintln(os.Stderr, "worker:", err)
	os.Exit(1)
}
