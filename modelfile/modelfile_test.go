package modelfile

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// testModel returns a freshly initialized model of the head.
func testModel(t testing.TB, head graph.Head) *Model {
	t.Helper()
	net, err := graph.New(graph.NewInput(G.NewGraph(), tensor.Float32, 1), graph.WithHead(head), graph.WithSeed(3))
	if err != nil {
		t.Fatal(err)
	}
	return FromNet(net, map[string]string{"seed": "3"})
}

// encodeModel returns a model's bytes without Write's checks, so that
// tests can make broken files.
func encodeModel(t testing.TB, m *Model) []byte {
	t.Helper()
	return encodeWithMeta(t, m, m.Metadata())
}

// encodeWithMeta returns m's tensors with the given metadata, unchecked.
func encodeWithMeta(t testing.TB, m *Model, meta map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := EncodeTensors(&b, m.Weights, meta); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestModelFileRoundTrip(t *testing.T) {
	for _, head := range []graph.Head{graph.RBF, graph.Softmax} {
		t.Run(head.String(), func(t *testing.T) {
			m := testModel(t, head)
			path := filepath.Join(t.TempDir(), "m.safetensors")
			if err := Write(path, m); err != nil {
				t.Fatal(err)
			}
			got, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if got.Head != head || got.Meta["seed"] != "3" || got.Meta["format"] != "lenet5" {
				t.Fatalf("head %v, metadata %v", got.Head, got.Meta)
			}
			for name, w := range m.Weights {
				if !slices.Equal(got.Weights[name].Data, w.Data) {
					t.Errorf("%s differs after the round trip", name)
				}
			}
		})
	}
}

// The golden float32 models of the spec load, and a network built from
// them has the spec's weights.
func TestLoadsGoldenModels(t *testing.T) {
	for _, name := range []string{"model-rbf-f32.safetensors", "model-softmax-f32.safetensors"} {
		m, err := Read(filepath.Join("..", "train", "testdata", name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.Contains(name, m.Head.String()) || m.Meta["seed"] != "1998" {
			t.Errorf("%s: head %v, seed %q", name, m.Head, m.Meta["seed"])
		}
	}
}

func TestBrokenModelFiles(t *testing.T) {
	good := encodeModel(t, testModel(t, graph.RBF))
	softmax := encodeModel(t, testModel(t, graph.Softmax))
	edited := func(edit func(m *Model)) []byte {
		m := testModel(t, graph.RBF)
		edit(m)
		return encodeModel(t, m)
	}
	corrupt := append([]byte(nil), good...)
	copy(corrupt[8:], "{\"oops")
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "too short for a safetensors file"},
		{"truncated", good[:len(good)/2], "not a valid safetensors file"},
		{"truncated header", good[:100], "header length"},
		{"truncated data", good[:len(good)-4], "truncated: the header's tensors need"},
		{"bytes appended", append(slices.Clone(good), 0, 0, 0, 0), "4 bytes after the last tensor's data"},
		{"corrupt header", corrupt, "not a valid safetensors file"},
		{"not safetensors", []byte("hello, this is a text file of some length"), "header length"},
		{"wrong format", func() []byte {
			m := testModel(t, graph.RBF)
			meta := m.Metadata()
			meta["format"] = "x"
			return encodeWithMeta(t, m, meta)
		}(), "metadata format"},
		{"missing tensor", edited(func(m *Model) { delete(m.Weights, "f6.bias") }), "missing tensor f6.bias"},
		{"wrong shape", edited(func(m *Model) { m.Weights["s2.coef"] = graph.Tensor{Shape: []int{7}, Data: make([]float64, 7)} }), "s2.coef has shape [7], want [6]"},
		{"C3 zeros", edited(func(m *Model) { m.Weights["c3.weight"].Data[(0*6+5)*25] = 1 }), "c3.weight[0,5,0,0] is 1"},
		{"head mismatch", func() []byte {
			m := testModel(t, graph.Softmax)
			m.Head = graph.RBF
			return encodeModel(t, m)
		}(), "the tensors are of a softmax model, but the network has the rbf head"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.file, "model.safetensors")
			if err == nil || !strings.HasPrefix(err.Error(), "modelfile: model.safetensors") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming the file and saying %q", err, tc.want)
			}
		})
	}
	if _, err := Decode(softmax, "ok"); err != nil {
		t.Fatal(err)
	}
}

func TestModelFileErrors(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.safetensors")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(MaxBytes + 1)
	f.Close()
	tests := []struct{ path, want string }{
		{filepath.Join(dir, "missing.safetensors"), "no such file"},
		{dir, "is a directory"},
		{big, "more than the 67108864-byte limit"},
	}
	for _, tc := range tests {
		_, err := Read(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.path) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming it and saying %q", tc.path, err, tc.want)
		}
	}
}

// FuzzDecode feeds arbitrary bytes to the model reader: no panic,
// every error names the file.
func FuzzDecode(f *testing.F) {
	good := encodeModel(f, testModel(f, graph.RBF))
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(good[:64])
	f.Add([]byte{})
	f.Add([]byte("\x10\x00\x00\x00\x00\x00\x00\x00{\"__metadata__\":1}"))
	f.Add([]byte("\x02\x00\x00\x00\x00\x00\x00\x00{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b, "fuzz.safetensors")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "modelfile: fuzz.safetensors") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if len(m.Weights) == 0 {
			t.Fatal("decoded a model without weights")
		}
	})
}

// FuzzDecodeTensors fuzzes the safetensors layer alone with small files,
// where the fuzzer is fast; FuzzDecode's seeds are whole models.
func FuzzDecodeTensors(f *testing.F) {
	var b bytes.Buffer
	if err := EncodeTensors(&b, map[string]graph.Tensor{
		"a": {Shape: []int{2, 3}, Data: []float64{1, 2, 3, 4, 5, 6}},
		"b": {Shape: []int{1}, Data: []float64{-1}},
	}, map[string]string{"format": "lenet5", "head": "rbf"}); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add(b.Bytes()[:b.Len()-3])
	f.Add([]byte("\x05\x00\x00\x00\x00\x00\x00\x00{\"a\":"))
	f.Add([]byte("\x40\x00\x00\x00\x00\x00\x00\x00{\"x\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}"))
	f.Fuzz(func(t *testing.T, file []byte) {
		tensors, _, err := decodeTensors(file, "fuzz.safetensors")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "modelfile: fuzz.safetensors") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		for name, ts := range tensors {
			size := 1
			for _, d := range ts.Shape {
				size *= d
			}
			if size != len(ts.Data) {
				t.Fatalf("tensor %s: shape %v but %d values", name, ts.Shape, len(ts.Data))
			}
		}
	})
}
