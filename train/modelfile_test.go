package train

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
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

// A model file is not a checkpoint.
func TestModelIsNotACheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
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
			if err == nil || !strings.Contains(err.Error(), p+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %s and saying %q", err, p, tc.want)
			}
		})
	}
	// A batch count past the epoch's end is refused when the run reaches
	// it, rather than skipping batches that do not exist.
	c, err := LoadCheckpoint(ck)
	if err != nil {
		t.Fatal(err)
	}
	c.state.Batch = 1 << 40
	cfg.Epochs = 2
	tr2, err := New(cfg, realMNIST(t), "")
	if err != nil {
		t.Fatal(err)
	}
	defer tr2.Close()
	if err := tr2.Resume(c); err != nil {
		t.Fatal(err)
	}
	if err := tr2.Run(t.Context()); err == nil || !strings.Contains(err.Error(), "epoch 2: the checkpoint says 1099511627776 batches of it are done, but it has 10") {
		t.Fatalf("resuming past the epoch's end: %v", err)
	}
}

// FuzzDecodeCheckpoint feeds arbitrary bytes to the checkpoint reader
// (modelfile.DecodeCheckpoint, then checkpointOf): no
// panic, every error names the file, and what it accepts is consistent.
func FuzzDecodeCheckpoint(f *testing.F) {
	path := filepath.Join(f.TempDir(), "ck.safetensors")
	m := testModel(f, graph.RBF)
	bias := m.Weights["c1.bias"]
	if err := SaveCheckpoint(path, &Checkpoint{
		Model: m,
		Solver: SolverState{
			Tensors: map[string]graph.Tensor{"solver.velocity.c1.bias": {Shape: bias.Shape, Data: bias.Data}},
			Scalars: map[string]string{"format": "2", "steps": "3"},
		},
		state: runState{Config: DefaultConfig(), Epoch: 1, Batch: 2, Metrics: []EpochMetrics{{Epoch: 1}}},
	}); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	// Same-length edits of the run state, so that the layout stays valid.
	for _, e := range [][2]string{{`\"epoch\":1,`, `\"epoch\":9,`}, {`\"batch\":2,`, `\"batch\":x,`}} {
		bad := bytes.Replace(good, []byte(e[0]), []byte(e[1]), 1)
		if bytes.Equal(bad, good) {
			f.Fatalf("the checkpoint's run state has no %s", e[0])
		}
		f.Add(bad)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, tensors, meta, err := modelfile.DecodeCheckpoint(b, "fuzz.safetensors")
		var c *Checkpoint
		if err == nil {
			c, err = checkpointOf(m, tensors, meta)
		}
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.safetensors") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if c.Epoch() < 0 || c.Batch() < 0 || len(c.Metrics()) != c.Epoch() {
			t.Fatalf("accepted run state epoch %d, batch %d, %d epochs of metrics", c.Epoch(), c.Batch(), len(c.Metrics()))
		}
		for k := range c.Solver.Tensors {
			if !strings.HasPrefix(k, solverPrefix) {
				t.Fatalf("solver tensor %s", k)
			}
		}
	})
}
