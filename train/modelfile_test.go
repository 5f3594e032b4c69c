package train

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
	return ModelFromNet(net, map[string]string{"seed": "3"})
}

// encodeModel returns a model file's bytes.
func encodeModel(t testing.TB, m *Model) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := writeTensors(&b, m.Weights, m.metadata()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestModelFileRoundTrip(t *testing.T) {
	for _, head := range []graph.Head{graph.RBF, graph.Softmax} {
		t.Run(head.String(), func(t *testing.T) {
			m := testModel(t, head)
			path := filepath.Join(t.TempDir(), "m.safetensors")
			if err := SaveModel(path, m); err != nil {
				t.Fatal(err)
			}
			got, err := LoadModel(path)
			if err != nil {
				t.Fatal(err)
			}
			if got.Head != head || got.Meta["seed"] != "3" || got.Meta["format"] != "lenet5" {
				t.Fatalf("head %v, metadata %v", got.Head, got.Meta)
			}
			for name, w := range m.Weights {
				if !slicesEqual(got.Weights[name].Data, w.Data) {
					t.Errorf("%s differs after the round trip", name)
				}
			}
		})
	}
}

func slicesEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The golden float32 models of the spec load, and a network built from
// them has the spec's weights.
func TestLoadsGoldenModels(t *testing.T) {
	for _, name := range []string{"model-rbf-f32.safetensors", "model-softmax-f32.safetensors"} {
		m, err := LoadModel(filepath.Join("testdata", name))
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
		{"corrupt header", corrupt, "not a valid safetensors file"},
		{"not safetensors", []byte("hello, this is a text file of some length"), "header length"},
		{"wrong format", func() []byte {
			m := testModel(t, graph.RBF)
			meta := m.metadata()
			meta["format"] = "x"
			var b bytes.Buffer
			if err := writeTensors(&b, m.Weights, meta); err != nil {
				t.Fatal(err)
			}
			return b.Bytes()
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
			_, err := DecodeModel(tc.file, "model.safetensors")
			if err == nil || !strings.HasPrefix(err.Error(), "model.safetensors: ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming the file and saying %q", err, tc.want)
			}
		})
	}
	if _, err := DecodeModel(softmax, "ok"); err != nil {
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
	f.Truncate(MaxModelFileBytes + 1)
	f.Close()
	tests := []struct{ path, want string }{
		{filepath.Join(dir, "missing.safetensors"), "no such file"},
		{dir, "is a directory"},
		{big, "more than the 67108864-byte limit"},
	}
	for _, tc := range tests {
		_, err := LoadModel(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.path) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming it and saying %q", tc.path, err, tc.want)
		}
	}
	// A model file is not a checkpoint.
	path := filepath.Join(dir, "m.safetensors")
	if err := SaveModel(path, testModel(t, graph.RBF)); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCheckpoint(path); err == nil || !strings.Contains(err.Error(), "not a checkpoint") {
		t.Errorf("loading a model as a checkpoint: %v", err)
	}
}

// A truncated or corrupted checkpoint gives a clear error.
func TestBrokenCheckpoint(t *testing.T) {
	cfg := smallConfig("rbf", "adam", 0.002)
	cfg.Epochs, cfg.TrainLimit = 1, 160
	dir := t.TempDir()
	ck := filepath.Join(dir, "ck.safetensors")
	tr, err := New(cfg, realMNIST(t), ck)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if err := tr.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(ck)
	n := binary.LittleEndian.Uint64(good)
	badState := bytes.Replace(good, []byte(`\"epoch\":1,`), []byte(`\"epoch\":7,`), 1)
	badOffsets := bytes.Replace(good, []byte(`"data_offsets":[0,`), []byte(`"data_offsets":[9,`), 1)
	if bytes.Equal(badState, good) || bytes.Equal(badOffsets, good) || n > uint64(len(good)) {
		t.Fatal("the checkpoint's header is not as this test expects")
	}
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"truncated", good[:len(good)-1000], "not a valid safetensors file"},
		{"corrupt header", badOffsets, "not a valid safetensors file"},
		{"inconsistent run state", badState, "run state is inconsistent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			os.WriteFile(p, tc.file, 0o644)
			_, err := LoadCheckpoint(p)
			if err == nil || !strings.HasPrefix(err.Error(), p+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %s and saying %q", err, p, tc.want)
			}
		})
	}
}

// A failed write leaves the old file and no temporary file behind.
func TestWriteFileAtomicKeepsOldFileOnFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write([]byte("old")); return err }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk on fire")
	err := WriteFileAtomic(path, func(w io.Writer) error {
		w.Write([]byte("half of the new"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want the writer's", err)
	}
	b, _ := os.ReadFile(path)
	entries, _ := os.ReadDir(dir)
	if string(b) != "old" || len(entries) != 1 {
		t.Fatalf("file holds %q and the folder %d entries, want \"old\" and 1", b, len(entries))
	}
	if err := WriteFileAtomic(filepath.Join(dir, "no", "such", "dir"), func(io.Writer) error { return nil }); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("writing into a missing folder: %v", err)
	}
}

// FuzzDecodeModel feeds arbitrary bytes to the model reader: no panic,
// every error names the file.
func FuzzDecodeModel(f *testing.F) {
	good := encodeModel(f, testModel(f, graph.RBF))
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(good[:64])
	f.Add([]byte{})
	f.Add([]byte("\x10\x00\x00\x00\x00\x00\x00\x00{\"__metadata__\":1}"))
	f.Add([]byte("\x02\x00\x00\x00\x00\x00\x00\x00{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeModel(b, "fuzz.safetensors")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.safetensors: ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if len(m.Weights) == 0 {
			t.Fatal("decoded a model without weights")
		}
	})
}

// FuzzReadTensors fuzzes the safetensors layer alone with small files,
// where the fuzzer is fast; FuzzDecodeModel's seeds are whole models.
func FuzzReadTensors(f *testing.F) {
	var b bytes.Buffer
	if err := writeTensors(&b, map[string]graph.Tensor{
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
		tensors, _, err := readTensors(file, "fuzz.safetensors")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.safetensors: ") {
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
