package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A failed write leaves the old file and no temporary file behind.
func TestWriteKeepsOldFileOnFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := Write(path, func(w io.Writer) error { _, err := w.Write([]byte("old")); return err }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk on fire")
	err := Write(path, func(w io.Writer) error {
		w.Write([]byte("half of the new"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want the writer's", err)
	}
	b, _ := os.ReadFile(path)
	entries, _ := os.ReadDir(dir)
	if string(b) != "old" || len(entries) != 1 {
		t.Fatalf("file holds %q and the folder %d entries, want \"old\" and 1", b, len(entries))
	}
	if err := Write(filepath.Join(dir, "no", "such", "dir"), func(io.Writer) error { return nil }); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("writing into a missing folder: %v", err)
	}
}

// Paths Write cannot write are refused before anything is written, with
// an error naming the path and not the temporary file.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ path, want string }{
		{dir, "writing " + dir + ": is a folder, not a file name"},
		{filepath.Join(dir, "no", "x"), "writing " + filepath.Join(dir, "no", "x") + ": folder " + filepath.Join(dir, "no") + ": no such file"},
		{filepath.Join(file, "x"), "writing " + filepath.Join(file, "x") + ": " + file + " is not a folder"},
	}
	for _, tc := range tests {
		for _, err := range []error{Check(tc.path), Write(tc.path, func(io.Writer) error { return nil })} {
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("%s: error %v, want %q", tc.path, err, tc.want)
			}
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the folder holds %d entries, want 1", len(entries))
	}
	if err := Check(filepath.Join(dir, "new")); err != nil {
		t.Errorf("a new file in a folder: %v", err)
	}
}
