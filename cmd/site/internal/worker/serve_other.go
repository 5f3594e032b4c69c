//go:build !(js && wasm)

package main

import (
	"errors"

	"github.com/lenet5-go/lenet5/internal/demo"
)

// serve is the WebAssembly module's; elsewhere the program has no page to
// answer.
func serve(*demo.Predictor) error {
	return errors.New("this program runs in the browser: build it with GOOS=js GOARCH=wasm, as go run ./cmd/site does")
}
