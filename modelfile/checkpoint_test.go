package modelfile

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/graph"
)

// A checkpoint's entries come back from ReadCheckpoint and stay out of
// the model, which Read returns alone.
func TestCheckpointRoundTrip(t *testing.T) {
	m := testModel(t, graph.RBF)
	path := filepath.Join(t.TempDir(), "ck.safetensors")
	extra := map[string]graph.Tensor{"solver.velocity.c1.bias": {Shape: []int{6}, Data: []float64{1, 2, 3, 4, 5, 6}}}
	meta := map[string]string{KeyCheckpoint: `{"epoch":0}`, "solver.steps": "4"}
	if err := WriteCheckpoint(path, m, extra, meta); err != nil {
		t.Fatal(err)
	}
	got, tensors, gotMeta, err := ReadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(tensors) != 1 || !slices.Equal(tensors["solver.velocity.c1.bias"].Data, extra["solver.velocity.c1.bias"].Data) {
		t.Errorf("checkpoint tensors %v, want %v", tensors, extra)
	}
	if len(gotMeta) != 2 || gotMeta[KeyCheckpoint] != meta[KeyCheckpoint] || gotMeta["solver.steps"] != "4" {
		t.Errorf("checkpoint metadata %v, want %v", gotMeta, meta)
	}
	model, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*Model{got, model} {
		if len(r.Weights) != len(m.Weights) || r.Meta[KeyCheckpoint] != "" || r.Meta["solver.steps"] != "" || r.Meta["seed"] != "3" {
			t.Errorf("model of %d tensors, metadata %v: want the model's alone", len(r.Weights), r.Meta)
		}
	}
	// A model file is a checkpoint without entries.
	if err := Write(path, m); err != nil {
		t.Fatal(err)
	}
	if _, tensors, meta, err := ReadCheckpoint(path); err != nil || len(tensors) != 0 || len(meta) != 0 {
		t.Errorf("a model file read as a checkpoint: %v entries, %v, error %v", len(tensors), meta, err)
	}
}

// WriteCheckpoint refuses extra names Read would take for the model's,
// naming the file, and writes nothing.
func TestWriteCheckpointRefusesModelNames(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		tensors map[string]graph.Tensor
		meta    map[string]string
		want    string
	}{
		{"tensor", map[string]graph.Tensor{"velocity.c1.bias": {Shape: []int{1}, Data: []float64{0}}}, nil, "checkpoint tensor velocity.c1.bias"},
		{"metadata", nil, map[string]string{KeyHead: "softmax"}, "checkpoint metadata head"},
	} {
		path := filepath.Join(dir, tc.name+".safetensors")
		err := WriteCheckpoint(path, testModel(t, graph.RBF), tc.tensors, tc.meta)
		if err == nil || !strings.HasPrefix(err.Error(), "modelfile: writing "+path+": "+tc.want) {
			t.Errorf("%s: error %v, want one naming %s and saying %q", tc.name, err, path, tc.want)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: WriteCheckpoint left a file: %v", tc.name, err)
		}
	}
}
