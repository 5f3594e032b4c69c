package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad flags exit 2 with a usage line; -h exits 0.
func TestUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no -out", nil, exitUsage, "give the folder to write with -out DIR"},
		{"extra argument", []string{"-out", "x", "y"}, exitUsage, "give the folder to write with -out DIR"},
		{"unknown flag", []string{"-port", "80"}, exitUsage, "flag provided but not defined: -port"},
		{"help", []string{"-h"}, 0, "usage: go run ./cmd/site -out DIR"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tc.args, &stdout, &stderr); code != tc.code || !strings.Contains(stderr.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, stderr.String(), tc.code, tc.want)
			}
		})
	}
}

// The site holds what the page needs and the module is gzipped; a second
// run replaces it whole; a folder holding anything else, or a file, is
// refused and left as it was, with no temporary folder left beside it.
func TestWrite(t *testing.T) {
	dir := builtSite(t)
	for _, name := range []string{"index.html", "static/app.js", "static/style.css", "static/favicon.svg", "static/worker.js", "static/wasm_exec.js", "static/" + moduleName} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil || info.Size() == 0 {
			t.Fatalf("the site lacks %s: %v", name, err)
		}
	}
	index, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil || !strings.Contains(string(index), `data-backend="wasm"`) {
		t.Fatalf("index.html does not take its answers from the module: %v", err)
	}
	module, err := os.ReadFile(filepath.Join(dir, "static", moduleName))
	if err != nil || len(module) < 2 || module[0] != 0x1f || module[1] != 0x8b {
		t.Fatalf("%s is not gzipped: %v", moduleName, err)
	}

	parent := t.TempDir()
	out := filepath.Join(parent, "site")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-out", out}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "python3 -m http.server -d "+out) {
		t.Fatalf("first run: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	stale := filepath.Join(out, "static", "stale.js")
	if err := os.WriteFile(stale, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code := run([]string{"-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("second run over the first site: exit %d\n%s", code, stderr.String())
	}
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("the second run kept a file of the first site")
	}

	other := filepath.Join(parent, "photos")
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(other, "holiday.jpg")
	if err := os.WriteFile(keep, []byte("a photo"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(parent, "notes.txt")
	if err := os.WriteFile(file, []byte("notes"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ out, want string }{
		{other, "the folder holds other files"},
		{file, "not a directory"},
	} {
		stderr.Reset()
		if code := run([]string{"-out", tc.out}, &stdout, &stderr); code != exitFailed || !strings.Contains(stderr.String(), tc.out+": ") || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("-out %s: exit %d, stderr %q; want exit 1 naming the folder and %q", tc.out, code, stderr.String(), tc.want)
		}
	}
	if b, err := os.ReadFile(keep); err != nil || string(b) != "a photo" {
		t.Errorf("the refused folder's file changed: %q %v", b, err)
	}
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
