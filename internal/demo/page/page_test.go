package page

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"
)

// Index sets the body's backend, keeps the element ids the tests and
// users rely on, and refuses an unknown backend.
func TestIndex(t *testing.T) {
	for _, backend := range []string{HTTP, WebAssembly} {
		b, err := Index(backend)
		if err != nil {
			t.Fatal(err)
		}
		page := string(b)
		if !strings.Contains(page, `<body data-backend="`+backend+`"`) {
			t.Errorf("%s: the body does not name the backend", backend)
		}
		for _, want := range []string{`id="pad"`, `id="clear"`, `id="digit"`, `src="static/app.js"`} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the page lacks %s", backend, want)
			}
		}
	}
	if _, err := Index("ftp"); err == nil || !strings.Contains(err.Error(), `unknown backend "ftp"`) {
		t.Errorf("Index(ftp): %v", err)
	}
}

// No file of the page names another site: the page loads nothing from
// elsewhere, served or static.
func TestNoOtherSite(t *testing.T) {
	n := 0
	err := fs.WalkDir(Files(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		b, err := fs.ReadFile(Files(), path)
		if err != nil {
			return err
		}
		b = bytes.ReplaceAll(b, []byte(`xmlns="http://www.w3.org/2000/svg"`), nil) // a name, not a place
		for _, bad := range []string{"http://", "https://", "//cdn", "@import"} {
			if bytes.Contains(b, []byte(bad)) {
				t.Errorf("%s names another site (%q)", path, bad)
			}
		}
		return nil
	})
	if err != nil || n < 5 {
		t.Fatalf("walked %d files: %v", n, err)
	}
}
