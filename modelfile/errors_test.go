package modelfile

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// shipped is the model the project ships.
const shipped = "../models/lenet5.safetensors"

// Write refuses every model Read would refuse, and leaves no file. (It
// also refuses a checkpoint's solver state, which Read skips, and head
// metadata that contradicts the model, which Write would overwrite.)
func TestWriteRefusesWhatReadRefuses(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		edit func(m *Model)
		want string
	}{
		{"extra tensor", func(m *Model) {
			m.Weights["c7.weight"] = graph.Tensor{Shape: []int{1}, Data: []float64{0}}
		}, "unknown tensor c7.weight"},
		{"solver state", func(m *Model) {
			m.Weights["solver.c1.weight.value"] = graph.Tensor{Shape: []int{1}, Data: []float64{0}}
		}, "solver state, not part of a model"},
		{"other head's tensor", func(m *Model) {
			m.Weights["out.bias"] = graph.Tensor{Shape: []int{10}, Data: make([]float64, 10)}
		}, "hold both heads"},
		{"missing tensor", func(m *Model) { delete(m.Weights, "c5.bias") }, "missing tensor c5.bias"},
		{"NaN j", func(m *Model) { m.J = -1 }, "j is -1"},
		{"no head", func(m *Model) { m.Head = graph.NoHead }, "head none"},
		{"contradicting metadata", func(m *Model) { m.Meta["head"] = "softmax" }, `metadata head "softmax"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := testModel(t, graph.RBF)
			tc.edit(m)
			path := filepath.Join(dir, tc.name+".safetensors")
			err := Write(path, m)
			var fe *FormatError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Write: %v, want a FormatError saying %q", err, tc.want)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("Write left a file behind: %v", err)
			}
			// The same bytes, written without the checks, do not load.
			if tc.name == "solver state" || tc.name == "contradicting metadata" {
				return
			}
			if _, err := Decode(encodeModel(t, m), "x"); err == nil {
				t.Fatal("Read accepts what Write refused")
			}
		})
	}
}

// Broken files are FormatErrors, files of another version or dtype
// UnsupportedErrors; both say "modelfile:" and the file.
func TestErrorTypes(t *testing.T) {
	good := testModel(t, graph.RBF)
	v2 := func() []byte {
		m := testModel(t, graph.RBF)
		meta := m.Metadata()
		meta["version"] = "2"
		return encodeWithMeta(t, m, meta)
	}()
	f64 := []byte("\x4b\x00\x00\x00\x00\x00\x00\x00" + `{"x":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"__metadata__":{}}   ` + "\x00\x00\x00\x00\x00\x00\xf0\x3f")
	tests := []struct {
		name        string
		file        []byte
		unsupported bool
		want        string
	}{
		{"truncated", encodeModel(t, good)[:500], false, "modelfile: f: invalid format: header length"},
		{"version 2", v2, true, `modelfile: f: unsupported: model file version "2"`},
		{"float64", f64, true, "modelfile: f: unsupported: tensor x has dtype F64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.file, "f")
			var fe *FormatError
			var ue *UnsupportedError
			if tc.unsupported != errors.As(err, &ue) || tc.unsupported == errors.As(err, &fe) {
				t.Fatalf("error %T %v: want unsupported %v", err, err, tc.unsupported)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error %q, want it to start %q", err, tc.want)
			}
		})
	}
}

// A model loaded into a network of the other head says what the file
// holds and what was asked for; a body-only set takes the body.
func TestMismatchSaysWhatTheFileHolds(t *testing.T) {
	m, err := Read(shipped)
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Build(graph.NewInput(G.NewGraph(), tensor.Float32, 1), graph.WithHead(graph.Softmax))
	want := "modelfile: ../models/lenet5.safetensors holds an rbf model; a softmax network was asked for"
	var me *MismatchError
	if !errors.As(err, &me) || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
	soft := testModel(t, graph.Softmax)
	soft.File = "soft.safetensors"
	p, err := graph.NewParams(G.NewGraph())
	if err != nil {
		t.Fatal(err)
	}
	if err := soft.Load(p); err == nil || err.Error() != "modelfile: soft.safetensors holds a softmax model; an rbf network was asked for" {
		t.Fatalf("softmax model into an rbf set: %v", err)
	}
	body, err := m.Params(G.NewGraph(), graph.WithHead(graph.NoHead), graph.WithPrefix("frozen/"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := body.Weights()["c1.weight"].Data, m.Weights["c1.weight"].Data; !slices.Equal(got, want) {
		t.Fatal("the body of the shipped model did not load")
	}
}

// The shipped model loads into a prefixed set, and back out under the
// file's names.
func TestShippedModelIntoPrefixedSet(t *testing.T) {
	m, err := Read(shipped)
	if err != nil {
		t.Fatal(err)
	}
	g := G.NewGraph()
	a, err := m.Params(g, graph.WithPrefix("a/"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Params(g, graph.WithPrefix("b/"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Learnables()[0].Name() != "a/c1.weight" || b.Learnables()[0].Name() != "b/c1.weight" {
		t.Fatalf("names %s, %s", a.Learnables()[0].Name(), b.Learnables()[0].Name())
	}
	for name, w := range a.Weights() {
		if !slices.Equal(w.Data, m.Weights[name].Data) {
			t.Fatalf("%s differs after loading into a prefixed set", name)
		}
	}
	if _, err := m.Params(g, graph.WithPrefix("a/")); err == nil || !strings.Contains(err.Error(), `"a/c1.weight"`) {
		t.Fatalf("a second set under the same prefix: %v", err)
	}
	if m.Meta["test_errors"] != "70" {
		t.Errorf("the shipped model's metadata says test_errors %q", m.Meta["test_errors"])
	}
}
