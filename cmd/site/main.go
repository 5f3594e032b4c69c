// Command site writes the demo page as a static web site: the page of infer
// -serve, whose answers come from the same Go code compiled to WebAssembly
// and run in the visitor's browser, so that any static file server can host
// it (python3 -m http.server, GitHub Pages, ...) with no server of ours.
//
//	go run ./cmd/site -out DIR
//
// DIR receives index.html and static/: the page's script, style and icon,
// the worker that runs the network (worker.js), the Go toolchain's
// wasm_exec.js, and lenet5.wasm.gz, the WebAssembly module
// (cmd/site/internal/worker, with the shipped model embedded), gzipped.
// The site is written beside DIR first and moved into place when complete;
// a DIR that holds anything but an earlier site is refused, not overwritten.
// It needs the go command, which builds the module.
package main

import (
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/lenet5-go/lenet5/internal/demo/page"
)

// Exit codes.
const (
	exitFailed = 1 // the site could not be written
	exitUsage  = 2 // bad flags
)

// workerPackage is the WebAssembly module's main package.
const workerPackage = "github.com/lenet5-go/lenet5/cmd/site/internal/worker"

// moduleName is the module's file in the site's static/ folder.
const moduleName = "lenet5.wasm.gz"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("site", flag.ContinueOnError)
	fl.SetOutput(stderr)
	out := fl.String("out", "", "write the site into `DIR` (required): a new or empty folder, or one an earlier run wrote")
	fl.Usage = func() {
		fmt.Fprintf(stderr, "usage: go run ./cmd/site -out DIR\n\nWrites the demo page as a static site whose network runs in the browser (WebAssembly).\nServe DIR with any static file server, e.g. python3 -m http.server -d DIR\n\n")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitUsage
	}
	if *out == "" || fl.NArg() > 0 {
		fmt.Fprintln(stderr, "site: give the folder to write with -out DIR, and nothing else")
		fl.Usage()
		return exitUsage
	}
	files, err := write(*out)
	if err != nil {
		fmt.Fprintln(stderr, "site:", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "wrote %s:\n", *out)
	for _, f := range files {
		fmt.Fprintf(stdout, "  %-24s %10d bytes\n", f.name, f.size)
	}
	fmt.Fprintf(stdout, "serve it with any static file server, e.g.: python3 -m http.server -d %s\n", *out)
	return 0
}

// file is one file of the site.
type file struct {
	name string
	size int64
}

// write builds the site in a new folder beside out and moves it into place.
func write(out string) ([]file, error) {
	out = filepath.Clean(out)
	if err := checkOut(out); err != nil {
		return nil, err
	}
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".new-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp) // after a failure; empty name after the move
	files, err := build(tmp)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, err
	}
	if err := replace(out, tmp); err != nil {
		return nil, err
	}
	return files, nil
}

// checkOut refuses an out that is a file, or a folder holding anything but
// an earlier site: its files would be lost.
func checkOut(out string) error {
	entries, err := os.ReadDir(out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", out, err)
	}
	if len(entries) == 0 || isSite(out) {
		return nil
	}
	return fmt.Errorf("%s: the folder holds other files (it is not a site this command wrote): choose a new or empty folder", out)
}

// isSite reports whether dir looks like what build writes.
func isSite(dir string) bool {
	for _, name := range []string{"index.html", filepath.Join("static", moduleName), filepath.Join("static", "worker.js")} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return false
		}
	}
	return true
}

// replace moves the new site tmp to out, and an earlier site out aside
// first, so that out is at every moment either the old site or the new.
func replace(out, tmp string) error {
	if _, err := os.Stat(out); errors.Is(err, fs.ErrNotExist) {
		return os.Rename(tmp, out)
	}
	old := tmp + ".old"
	if err := os.Rename(out, old); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Rename(old, out)
		return err
	}
	return os.RemoveAll(old)
}

// build writes the site into dir.
func build(dir string) ([]file, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("the go command builds the WebAssembly module: %w", err)
	}
	static := filepath.Join(dir, "static")
	if err := os.MkdirAll(static, 0o755); err != nil {
		return nil, err
	}
	index, err := page.Index(page.WebAssembly)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "index.html"), index, 0o644); err != nil {
		return nil, err
	}
	if err := fs.WalkDir(page.Files(), "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(page.Files(), path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, filepath.FromSlash(path)), b, 0o644)
	}); err != nil {
		return nil, err
	}
	goroot, err := goEnv(goCmd, "GOROOT")
	if err != nil {
		return nil, err
	}
	if err := copyWasmExec(goroot, filepath.Join(static, "wasm_exec.js")); err != nil {
		return nil, err
	}
	if err := buildModule(goCmd, dir, filepath.Join(static, moduleName)); err != nil {
		return nil, err
	}
	var files []file
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files = append(files, file{name: filepath.ToSlash(rel), size: info.Size()})
		return nil
	})
	return files, err
}

// goEnv returns a variable of go env.
func goEnv(goCmd, name string) (string, error) {
	out, err := exec.Command(goCmd, "env", name).Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %w", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// copyWasmExec copies the JavaScript support file of the Go toolchain that
// builds the module: the two must come from the same release.
func copyWasmExec(goroot, dst string) error {
	var src []byte
	var err error
	for _, dir := range []string{"lib/wasm", "misc/wasm"} { // Go 1.24 moved it to lib/
		if src, err = os.ReadFile(filepath.Join(goroot, dir, "wasm_exec.js")); err == nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("the Go toolchain's wasm_exec.js: %w", err)
	}
	return os.WriteFile(dst, src, 0o644)
}

// buildModule builds the worker program for GOOS=js GOARCH=wasm and writes
// it gzipped to dst. -trimpath keeps the builder's paths out; -s -w drops
// the symbol table and DWARF, which a browser does not use.
func buildModule(goCmd, dir, dst string) error {
	wasm := filepath.Join(dir, "lenet5.wasm")
	cmd := exec.Command(goCmd, "build", "-trimpath", "-ldflags=-s -w", "-o", wasm, workerPackage)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the WebAssembly module (go build %s): %w\n%s", workerPackage, err, out)
	}
	defer os.Remove(wasm)
	in, err := os.Open(wasm)
	if err != nil {
		return err
	}
	defer in.Close()
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		f.Close()
		return err
	}
	if _, err := io.Copy(zw, in); err != nil {
		f.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
