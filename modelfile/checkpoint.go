package modelfile

import (
	"fmt"
	"io"
	"maps"
	"strings"

	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/internal/atomicfile"
)

// isCheckpointTensor reports whether a tensor is a checkpoint's, not the
// model's: its name starts with SolverPrefix.
func isCheckpointTensor(name string) bool { return strings.HasPrefix(name, SolverPrefix) }

// isCheckpointMeta reports whether a metadata entry is a checkpoint's,
// not the model's: its key is KeyCheckpoint or starts with SolverPrefix.
func isCheckpointMeta(key string) bool {
	return key == KeyCheckpoint || strings.HasPrefix(key, SolverPrefix)
}

// WriteCheckpoint writes the model to path atomically, checked as Write
// checks it, with a checkpoint's extra tensors (names starting with
// SolverPrefix) and metadata (KeyCheckpoint, or keys starting with
// SolverPrefix), which Read skips. It refuses other extra names, which
// Read would take for the model's, before creating any file.
func WriteCheckpoint(path string, m *Model, tensors map[string]graph.Tensor, meta map[string]string) error {
	if err := m.Validate(); err != nil {
		return err
	}
	all := maps.Clone(m.Weights)
	for k, t := range tensors {
		if !isCheckpointTensor(k) {
			return fmt.Errorf("modelfile: writing %s: checkpoint tensor %s does not start with %q: a reader would take it for the model's", path, k, SolverPrefix)
		}
		all[k] = t
	}
	md := m.Metadata()
	for k, v := range meta {
		if !isCheckpointMeta(k) {
			return fmt.Errorf("modelfile: writing %s: checkpoint metadata %s is neither %q nor starts with %q: a reader would take it for the model's", path, k, KeyCheckpoint, SolverPrefix)
		}
		md[k] = v
	}
	return atomicfile.Write(path, func(w io.Writer) error { return EncodeTensors(w, all, md) })
}

// ReadCheckpoint reads and checks a checkpoint (or a model file, which
// has no checkpoint entries): the model, as Read returns it, and the
// tensors and metadata WriteCheckpoint added. Errors name the file.
func ReadCheckpoint(path string) (m *Model, tensors map[string]graph.Tensor, meta map[string]string, err error) {
	b, err := readBytes(path)
	if err != nil {
		return nil, nil, nil, err
	}
	return DecodeCheckpoint(b, path)
}

// DecodeCheckpoint parses a checkpoint's bytes as ReadCheckpoint does;
// file names them in errors and in the model.
func DecodeCheckpoint(b []byte, file string) (m *Model, tensors map[string]graph.Tensor, meta map[string]string, err error) {
	tensors, meta, err = decodeTensors(b, file)
	if err != nil {
		return nil, nil, nil, err
	}
	if m, err = fromTensors(tensors, meta, file); err != nil {
		return nil, nil, nil, err
	}
	maps.DeleteFunc(tensors, func(k string, _ graph.Tensor) bool { return !isCheckpointTensor(k) })
	maps.DeleteFunc(meta, func(k, _ string) bool { return !isCheckpointMeta(k) })
	return m, tensors, meta, nil
}
