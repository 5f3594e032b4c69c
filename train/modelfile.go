package train

import (
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/lenet5-go/lenet5/graph"
	"github.com/nlpodyssey/safetensors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// MaxModelFileBytes bounds a model or checkpoint file (64 MiB; a model is
// 242 KB, a checkpoint with Adam's state about 1 MB). A larger file is
// refused before it is read.
const MaxModelFileBytes = 64 << 20

// FormatName and FormatVersion are the metadata that mark our files.
const (
	FormatName    = "lenet5"
	FormatVersion = "1"
)

// solverPrefix starts the names of a checkpoint's solver-state tensors,
// which a model reader skips.
const solverPrefix = "solver."

// Model is a trained network as stored in a model file: the head, the MAP
// constant j, the learnables in the file's layout and the metadata
// (training facts such as epochs, test_error, seed).
type Model struct {
	Head    graph.Head
	J       float64
	Weights map[string]graph.Tensor
	Meta    map[string]string
}

// ModelFromNet captures a network's current weights with extra metadata.
func ModelFromNet(net *graph.Net, meta map[string]string) *Model {
	m := &Model{Head: net.Head, J: net.J, Weights: net.Weights(), Meta: map[string]string{}}
	maps.Copy(m.Meta, meta)
	return m
}

// Build adds the model's network to x's graph with its weights loaded.
func (m *Model) Build(x *G.Node, opts ...graph.Option) (*graph.Net, error) {
	opts = append([]graph.Option{graph.WithHead(m.Head), graph.WithJ(m.J)}, opts...)
	net, err := graph.New(x, opts...)
	if err != nil {
		return nil, err
	}
	if err := net.SetWeights(m.Weights); err != nil {
		return nil, err
	}
	return net, nil
}

// metadata returns the file metadata of the model: the format marks, head
// and j first, then the model's own facts.
func (m *Model) metadata() map[string]string {
	meta := map[string]string{}
	maps.Copy(meta, m.Meta)
	meta["format"] = FormatName
	meta["version"] = FormatVersion
	meta["head"] = m.Head.String()
	if m.Head == graph.RBF {
		meta["j"] = strconv.FormatFloat(m.J, 'g', -1, 64)
	} else {
		delete(meta, "j")
	}
	return meta
}

// SaveModel writes the model to path atomically, as float32 safetensors.
func SaveModel(path string, m *Model) error {
	return WriteFileAtomic(path, func(w io.Writer) error {
		return writeTensors(w, m.Weights, m.metadata())
	})
}

// LoadModel reads and checks a model file (or a checkpoint, whose solver
// state it skips). Errors name the file and the first problem.
func LoadModel(path string) (*Model, error) {
	b, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	return DecodeModel(b, path)
}

// readBounded reads a whole file after checking it is a regular file of
// at most MaxModelFileBytes.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	switch {
	case st.IsDir():
		return nil, fmt.Errorf("%s: is a directory, not a model file", path)
	case st.Size() > MaxModelFileBytes:
		return nil, fmt.Errorf("%s: %d bytes, more than the %d-byte limit of a model file", path, st.Size(), MaxModelFileBytes)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxModelFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > MaxModelFileBytes {
		return nil, fmt.Errorf("%s: more than the %d-byte limit of a model file", path, MaxModelFileBytes)
	}
	return b, nil
}

// DecodeModel parses a model file's bytes; name is used in errors. It
// checks the format marks, the head and j, and every tensor's name, shape,
// dtype and values (through graph's checks, including the C3 zeros).
func DecodeModel(b []byte, name string) (*Model, error) {
	tensors, meta, err := readTensors(b, name)
	if err != nil {
		return nil, err
	}
	return modelFromTensors(tensors, meta, name)
}

// modelFromTensors checks and assembles a model from decoded tensors.
func modelFromTensors(tensors map[string]graph.Tensor, meta map[string]string, name string) (*Model, error) {
	if meta["format"] != FormatName {
		return nil, fmt.Errorf("%s: not a lenet5 model file (metadata format is %q, want %q)", name, meta["format"], FormatName)
	}
	if meta["version"] != FormatVersion {
		return nil, fmt.Errorf("%s: model file version %q is not supported (want %q)", name, meta["version"], FormatVersion)
	}
	head, err := graph.ParseHead(meta["head"])
	if err != nil {
		return nil, fmt.Errorf("%s: metadata head: %w", name, err)
	}
	m := &Model{Head: head, J: graph.DefaultJ, Weights: map[string]graph.Tensor{}, Meta: meta}
	if head == graph.RBF {
		if m.J, err = strconv.ParseFloat(meta["j"], 64); err != nil || math.IsNaN(m.J) || math.IsInf(m.J, 0) {
			return nil, fmt.Errorf("%s: metadata j is %q, not a number", name, meta["j"])
		}
	}
	for k, t := range tensors {
		if !strings.HasPrefix(k, solverPrefix) {
			m.Weights[k] = t
		}
	}
	// Loading into a network runs every check of names, shapes and values.
	if _, err := m.Build(graph.NewInput(G.NewGraph(), tensor.Float32, 1), graph.WithWorkers(1)); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

// writeTensors writes float32 safetensors.
func writeTensors(w io.Writer, tensors map[string]graph.Tensor, meta map[string]string) error {
	views := make(map[string]safetensors.TensorView, len(tensors))
	for _, name := range slices.Sorted(maps.Keys(tensors)) {
		t := tensors[name]
		buf := make([]byte, 4*len(t.Data))
		for i, v := range t.Data {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(float32(v)))
		}
		shape := make([]uint64, len(t.Shape))
		for i, d := range t.Shape {
			shape[i] = uint64(d)
		}
		tv, err := safetensors.NewTensorView(safetensors.F32, shape, buf)
		if err != nil {
			return fmt.Errorf("tensor %s: %w", name, err)
		}
		views[name] = tv
	}
	return safetensors.SerializeToWriter(views, meta, w)
}

// readTensors parses safetensors bytes holding float32 tensors.
func readTensors(b []byte, name string) (map[string]graph.Tensor, map[string]string, error) {
	if len(b) < 8 {
		return nil, nil, fmt.Errorf("%s: %d bytes, too short for a safetensors file", name, len(b))
	}
	if n := binary.LittleEndian.Uint64(b); n > uint64(len(b)-8) {
		return nil, nil, fmt.Errorf("%s: header length %d is more than the %d bytes that follow: not a safetensors file, or truncated", name, n, len(b)-8)
	}
	st, err := safetensors.Deserialize(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: not a valid safetensors file: %w", name, err)
	}
	_, header, err := safetensors.ReadMetadata(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: not a valid safetensors file: %w", name, err)
	}
	tensors := map[string]graph.Tensor{}
	for _, nt := range st.Tensors() {
		tv := nt.TensorView
		if tv.DType() != safetensors.F32 {
			return nil, nil, fmt.Errorf("%s: tensor %s has dtype %v; model files hold F32", name, nt.Name, tv.DType())
		}
		shape := make([]int, len(tv.Shape()))
		size := uint64(1)
		for i, d := range tv.Shape() {
			if d > MaxModelFileBytes {
				return nil, nil, fmt.Errorf("%s: tensor %s has dimension %d", name, nt.Name, d)
			}
			shape[i] = int(d)
			size *= d
		}
		raw := tv.Data()
		if uint64(len(raw)) != 4*size {
			return nil, nil, fmt.Errorf("%s: tensor %s holds %d bytes, shape %v needs %d", name, nt.Name, len(raw), shape, 4*size)
		}
		vals := make([]float64, size)
		for i := range vals {
			vals[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])))
		}
		tensors[nt.Name] = graph.Tensor{Shape: shape, Data: vals}
	}
	meta := header.Metadata()
	if meta == nil {
		meta = map[string]string{}
	}
	return tensors, meta, nil
}
