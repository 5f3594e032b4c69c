package data

import (
	"errors"
	"fmt"
)

// FormatError reports a file whose bytes are not what they claim to be: a
// broken IDX header, a size that does not fit, a label out of range, an
// image that cannot be decoded. Name is the file as the caller named it.
type FormatError struct {
	Name string
	Msg  string
}

func (e *FormatError) Error() string { return e.Name + ": " + e.Msg }

// formatErrorf builds a *FormatError for the named file.
func formatErrorf(name, format string, args ...any) error {
	return &FormatError{Name: name, Msg: fmt.Sprintf(format, args...)}
}

// ErrNoDigit is returned (wrapped, with the file name) for an image that
// holds no ink: classifying it would be a guess.
var ErrNoDigit = errors.New("no digit found")

// ErrMNISTNotFound is returned (wrapped, with the ways to supply the files)
// when no folder holding the four MNIST files can be found.
var ErrMNISTNotFound = errors.New("MNIST files not found")
