package modelfile

import (
	"fmt"

	"github.com/lenet5-go/lenet5/graph"
)

// FormatError reports a file that is not a valid model file: broken
// bytes, missing marks, a tensor of the wrong shape or value.
type FormatError struct {
	File   string // the file's name, as given to Read or Decode
	Reason string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("modelfile: %s: invalid format: %s", e.File, e.Reason)
}

// UnsupportedError reports a valid file of a kind this package does not
// read: another format version, or tensors of another dtype.
type UnsupportedError struct {
	File   string
	Reason string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("modelfile: %s: unsupported: %s", e.File, e.Reason)
}

// MismatchError reports a model loaded into a network of another head.
type MismatchError struct {
	File  string
	Holds graph.Head // the file's head
	Asked graph.Head // the network's
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("modelfile: %s holds %s model; %s network was asked for", e.File, article(e.Holds), article(e.Asked))
}

// article returns the head's name after "a" or "an".
func article(h graph.Head) string {
	if h == graph.RBF {
		return "an rbf"
	}
	return "a " + h.String()
}

// formatErr returns a *FormatError.
func formatErr(file, format string, args ...any) error {
	return &FormatError{File: file, Reason: fmt.Sprintf(format, args...)}
}
