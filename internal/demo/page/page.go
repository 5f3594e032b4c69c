// Package page holds the demo page: its HTML, script, style and icon, and
// the worker script that runs the WebAssembly module. infer -serve serves
// these files and cmd/site writes them into a static site; the two differ
// only in where the page's answers come from, which the page reads from the
// data-backend attribute of its body (see Files).
package page

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
)

//go:embed web
var web embed.FS

// Backends the page can take its answers from.
const (
	// HTTP posts each drawing to /api/predict of the server that served
	// the page (infer -serve).
	HTTP = "http"
	// WebAssembly runs the network in the browser, in a worker
	// (static/worker.js) that loads static/lenet5.wasm.gz.
	WebAssembly = "wasm"
)

// backendAttr is the attribute of index.html's body that names the backend.
const backendAttr = `data-backend="` + HTTP + `"`

// Files returns the page's files: index.html, and static/ with the script,
// style, icon and worker.
func Files() fs.FS {
	f, err := fs.Sub(web, "web")
	if err != nil {
		panic(err) // the embedded folder is there at build time
	}
	return f
}

// Index returns index.html for the given backend, HTTP or WebAssembly: the
// page's one source with its body's data-backend attribute set.
func Index(backend string) ([]byte, error) {
	if backend != HTTP && backend != WebAssembly {
		return nil, fmt.Errorf("page: unknown backend %q (want %q or %q)", backend, HTTP, WebAssembly)
	}
	b, err := fs.ReadFile(web, "web/index.html")
	if err != nil {
		return nil, err
	}
	if bytes.Count(b, []byte(backendAttr)) != 1 {
		return nil, fmt.Errorf("page: index.html must hold %s once", backendAttr)
	}
	return bytes.Replace(b, []byte(backendAttr), []byte(`data-backend="`+backend+`"`), 1), nil
}
