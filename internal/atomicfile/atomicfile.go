// Package atomicfile writes files so that readers see the old file or the
// whole new one, never a part.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write writes a file so that a crash or kill at any moment
// leaves either the old file or the complete new one: it writes a
// temporary file in the same folder, syncs it to disk, renames it over
// path and syncs the folder. A path that is a folder, or whose folder is
// missing or not a folder, is refused before anything is written, with an
// error naming it (not the temporary file).
func Write(path string, write func(io.Writer) error) (err error) {
	if err := Check(path); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: folder %s: %w", path, dir, errors.Unwrap(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	// The rename is durable only once the folder is synced.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Check returns the error Write would give path before writing anything:
// path is a folder, or its folder is missing or not a folder. A command
// calls it on its output paths before long work, so that a mistyped path
// fails at once rather than after the work.
func Check(path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("writing %s: is a folder, not a file name", path)
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("writing %s: folder %s: %w", path, dir, errors.Unwrap(err))
	case !st.IsDir():
		return fmt.Errorf("writing %s: %s is not a folder", path, dir)
	}
	return nil
}
