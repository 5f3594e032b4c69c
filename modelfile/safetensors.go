package modelfile

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"

	"github.com/lenet5-go/lenet5/graph"
	"github.com/nlpodyssey/safetensors"
)

// EncodeTensors writes tensors and metadata as float32 safetensors. It
// does not check what it writes: Write and WriteCheckpoint do.
func EncodeTensors(w io.Writer, tensors map[string]graph.Tensor, meta map[string]string) error {
	views := make(map[string]safetensors.TensorView, len(tensors))
	for _, name := range slices.Sorted(maps.Keys(tensors)) {
		t := tensors[name]
		buf := make([]byte, 4*len(t.Data))
		for i, v := range t.Data {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(float32(v)))
		}
		shape := make([]uint64, len(t.Shape))
		for i, d := range t.Shape {
			if d < 0 {
				return fmt.Errorf("modelfile: tensor %s has shape %v", name, t.Shape)
			}
			shape[i] = uint64(d)
		}
		tv, err := safetensors.NewTensorView(safetensors.F32, shape, buf)
		if err != nil {
			return fmt.Errorf("modelfile: tensor %s: %w", name, err)
		}
		views[name] = tv
	}
	return safetensors.SerializeToWriter(views, meta, w)
}

// decodeTensors parses safetensors bytes holding float32 tensors; file
// names the bytes in errors. The header is parsed once; its offsets,
// shapes and byte counts are checked against the bytes there are (by
// safetensors.ReadMetadata) before anything is allocated for a tensor.
// Tensors are checked in name order.
func decodeTensors(b []byte, file string) (map[string]graph.Tensor, map[string]string, error) {
	if len(b) < 8 {
		return nil, nil, formatErr(file, "%d bytes, too short for a safetensors file", len(b))
	}
	if n := binary.LittleEndian.Uint64(b); n > uint64(len(b)-8) {
		return nil, nil, formatErr(file, "header length %d is more than the %d bytes that follow: not a safetensors file, or truncated", n, len(b)-8)
	}
	n, header, err := safetensors.ReadMetadata(b)
	if err != nil {
		if why := sizeMismatch(b); why != "" {
			return nil, nil, formatErr(file, "not a valid safetensors file: %s", why)
		}
		return nil, nil, formatErr(file, "not a valid safetensors file: %v", err)
	}
	body := b[8+n:]
	infos := header.Tensors()
	tensors := make(map[string]graph.Tensor, len(infos))
	for _, name := range slices.Sorted(maps.Keys(infos)) {
		info := infos[name]
		if info.DType != safetensors.F32 {
			return nil, nil, &UnsupportedError{File: file, Reason: fmt.Sprintf("tensor %s has dtype %v; model files hold F32", name, info.DType)}
		}
		// ReadMetadata has checked that the offsets tile the body and
		// that each tensor's bytes are its shape's size times 4; a
		// dimension beside a 0 can still be anything.
		raw := body[info.DataOffsets[0]:info.DataOffsets[1]]
		shape := make([]int, len(info.Shape))
		for i, d := range info.Shape {
			if d > uint64(len(raw)/4) {
				return nil, nil, formatErr(file, "tensor %s has shape %v, more than its %d bytes hold", name, info.Shape, len(raw))
			}
			shape[i] = int(d)
		}
		vals := make([]float64, len(raw)/4)
		for i := range vals {
			vals[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])))
		}
		tensors[name] = graph.Tensor{Shape: shape, Data: vals}
	}
	meta := header.Metadata()
	if meta == nil {
		meta = map[string]string{}
	}
	return tensors, meta, nil
}

// sizeMismatch explains a file whose header parses but whose tensors'
// bytes end before or after the file does, which safetensors reports only
// as "metadata incomplete buffer"; it returns "" for any other problem.
func sizeMismatch(b []byte) string {
	n := binary.LittleEndian.Uint64(b)
	var header safetensors.Metadata
	if json.Unmarshal(b[8:8+n], &header) != nil {
		return ""
	}
	var end uint64
	for _, info := range header.Tensors() {
		end = max(end, info.DataOffsets[1])
	}
	switch after := uint64(len(b)) - 8 - n; {
	case end > after:
		return fmt.Sprintf("truncated: the header's tensors need %d bytes after it, but %d follow", end, after)
	case end < after:
		return fmt.Sprintf("%d bytes after the last tensor's data (the header's tensors need %d)", after-end, end)
	}
	return ""
}
