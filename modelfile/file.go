package modelfile

import (
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	"github.com/lenet5-go/lenet5/graph"
)

// MaxBytes bounds a model or checkpoint file (64 MiB; the shipped model
// is 248,064 bytes, the Adam checkpoint in train/testdata, with two
// moments per weight, 730,784). A larger file is refused before it is
// read.
const MaxBytes = 64 << 20

// Write writes the model to path atomically, as float32 safetensors, after
// checking it with Validate: it never writes a file Read would refuse. A
// model that fails the check leaves no file, not even a temporary one.
func Write(path string, m *Model) error {
	return WriteCheckpoint(path, m, nil, nil)
}

// Encode writes the model's bytes to w, after checking it with Validate.
func Encode(w io.Writer, m *Model) error {
	if err := m.Validate(); err != nil {
		return err
	}
	return EncodeTensors(w, m.Weights, m.Metadata())
}

// Read reads and checks a model file (or a checkpoint, whose solver state
// it skips). Errors name the file and the first problem.
func Read(path string) (*Model, error) {
	b, err := readBytes(path)
	if err != nil {
		return nil, err
	}
	return Decode(b, path)
}

// readBytes reads a whole file after checking that it is not a folder
// and has at most MaxBytes.
func readBytes(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("modelfile: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("modelfile: %w", err)
	}
	switch {
	case st.IsDir():
		return nil, formatErr(path, "is a directory, not a model file")
	case st.Size() > MaxBytes:
		return nil, formatErr(path, "%d bytes, more than the %d-byte limit of a model file", st.Size(), MaxBytes)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("modelfile: %s: %w", path, err)
	}
	if len(b) > MaxBytes {
		return nil, formatErr(path, "more than the %d-byte limit of a model file", MaxBytes)
	}
	return b, nil
}

// Decode parses a model file's bytes; file names them in errors and in
// the model. It checks the format marks, the head and j, and every
// tensor (Validate).
func Decode(b []byte, file string) (*Model, error) {
	m, _, _, err := DecodeCheckpoint(b, file)
	return m, err
}

// fromTensors checks and assembles a model from decoded tensors and
// metadata, leaving out a checkpoint's entries.
func fromTensors(tensors map[string]graph.Tensor, meta map[string]string, file string) (*Model, error) {
	if meta[KeyFormat] != FormatName {
		return nil, formatErr(file, "not a lenet5 model file (metadata format is %q, want %q)", meta[KeyFormat], FormatName)
	}
	if meta[KeyVersion] != FormatVersion {
		return nil, &UnsupportedError{File: file, Reason: fmt.Sprintf("model file version %q (this code reads %q)", meta[KeyVersion], FormatVersion)}
	}
	head, err := graph.ParseHead(meta[KeyHead])
	if err != nil {
		return nil, formatErr(file, "metadata head %q: want rbf or softmax", meta[KeyHead])
	}
	m := &Model{Net: meta[KeyNet], Head: head, J: graph.DefaultJ, Weights: map[string]graph.Tensor{}, Meta: map[string]string{}, File: file}
	if head == graph.RBF {
		if m.J, err = strconv.ParseFloat(meta[KeyJ], 64); err != nil || math.IsNaN(m.J) || math.IsInf(m.J, 0) {
			return nil, formatErr(file, "metadata j is %q, not a number", meta[KeyJ])
		}
	}
	for k, v := range meta {
		if !isCheckpointMeta(k) {
			m.Meta[k] = v
		}
	}
	for k, t := range tensors {
		if !isCheckpointTensor(k) {
			m.Weights[k] = t
		}
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}
