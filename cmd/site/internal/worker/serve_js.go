//go:build js && wasm

package main

import (
	"syscall/js"

	"github.com/lenet5-go/lenet5/internal/demo"
)

// serve gives the worker script globalThis.lenet5 and answers its calls
// until the page closes. Calls come one at a time: JavaScript runs the
// functions on its one thread, so the Predictor is never shared.
func serve(p *demo.Predictor) error {
	reply := func(b []byte, err error) any {
		if err != nil {
			return map[string]any{"error": err.Error()}
		}
		return map[string]any{"json": string(b)}
	}
	drawingFn := js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) != 1 {
			return map[string]any{"error": "lenet5.drawing takes one Uint8Array"}
		}
		pixels := make([]byte, args[0].Get("length").Int())
		js.CopyBytesToGo(pixels, args[0])
		return reply(drawing(p, pixels))
	})
	pictureFn := js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) != 4 {
			return map[string]any{"error": "lenet5.picture takes (rgba, width, height, name)"}
		}
		w, h, name := args[1].Int(), args[2].Int(), args[3].String()
		n := args[0].Get("length").Int()
		if n != 4*w*h || w <= 0 || h <= 0 || w > MaxPicturePixels/h {
			return reply(picture(p, nil, w, h, name)) // the size errors, before any copy
		}
		rgba := make([]byte, n)
		js.CopyBytesToGo(rgba, args[0])
		return reply(picture(p, rgba, w, h, name))
	})
	readFn := js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) != 3 {
			return map[string]any{"error": "lenet5.read takes (pixels, width, height)"}
		}
		w, h := args[1].Int(), args[2].Int()
		n := args[0].Get("length").Int()
		if w <= 0 || h <= 0 || w > demo.MaxReadSide || h > demo.MaxReadSide || w > demo.MaxReadPixels/h || n != w*h {
			return reply(readNumber(p, nil, w, h)) // the size errors, before any copy
		}
		pixels := make([]byte, n)
		js.CopyBytesToGo(pixels, args[0])
		return reply(readNumber(p, pixels, w, h))
	})
	js.Global().Set("lenet5", map[string]any{"drawing": drawingFn, "picture": pictureFn, "read": readFn})
	js.Global().Call("lenet5Ready")
	select {} // the functions answer on the JavaScript event loop
}
