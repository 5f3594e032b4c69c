package read

import (
	"encoding/json"
	"maps"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
)

// smallHead returns a valid head of one hidden layer of width w.
func smallHead(w int) *ContextHead {
	h := &ContextHead{Version: ContextVersion, DigitCost: 1, SwitchCost: 2}
	for d := range graph.Classes {
		h.Mean[d], h.Scale[d] = 3, 0.5
	}
	layer := func(in, out, k int) ContextLayer {
		ws := make([]float64, out*k*in)
		for i := range ws {
			ws[i] = math.Sin(float64(i)) / 4
		}
		bs := make([]float64, out)
		for i := range bs {
			bs[i] = float64(i) / 10
		}
		return ContextLayer{In: in, Out: out, Kernel: k, Weights: Float32Bytes(ws), Biases: Float32Bytes(bs)}
	}
	h.Layers = []ContextLayer{layer(graph.Classes, w, 3), layer(w, graph.Classes+1, 1)}
	return h
}

func headJSON(t *testing.T, h *ContextHead) []byte {
	t.Helper()
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseContext(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(h *ContextHead)
		raw   string // instead of the edited head's JSON
		error string // "" for none
	}{
		{name: "valid", edit: func(h *ContextHead) {}},
		{name: "version", edit: func(h *ContextHead) { h.Version = 2 }, error: "version 2"},
		{name: "no layers", edit: func(h *ContextHead) { h.Layers = nil }, error: "0 layers"},
		{name: "chain", edit: func(h *ContextHead) { h.Layers[1].In = 5 }, error: "takes 5 inputs"},
		{name: "even kernel", edit: func(h *ContextHead) { h.Layers[0].Kernel = 4 }, error: "kernel of 4"},
		{name: "huge width", edit: func(h *ContextHead) { h.Layers[0].Out = 1 << 20 }, error: "outputs"},
		{name: "short weights", edit: func(h *ContextHead) { h.Layers[0].Weights = h.Layers[0].Weights[:8] }, error: "bytes of weights"},
		{name: "outputs", edit: func(h *ContextHead) {
			h.Layers = h.Layers[:1]
		}, error: "outputs a window"},
		{name: "negative cost", edit: func(h *ContextHead) { h.DigitCost = -1 }, error: "costs"},
		{name: "nan weight", edit: func(h *ContextHead) {
			h.Layers[1].Biases = Float32Bytes([]float64{math.NaN(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
		}, error: "NaN"},
		{name: "not JSON", raw: "{", error: "context head"},
		{name: "huge", raw: strings.Repeat(" ", maxContextWeights*6+1), error: "bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := []byte(tc.raw)
			if tc.raw == "" {
				h := smallHead(4)
				tc.edit(h)
				b = headJSON(t, h)
			}
			_, err := ParseContext(b)
			switch {
			case tc.error == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.error != "" && (err == nil || !strings.Contains(err.Error(), tc.error)):
				t.Fatalf("error %v, want one with %q", err, tc.error)
			}
		})
	}
}

// Apply gives probabilities that add up to 1 and keeps the distances.
func TestContextApply(t *testing.T) {
	h, err := ParseContext(headJSON(t, smallHead(5)))
	if err != nil {
		t.Fatal(err)
	}
	scores := make([]Scores, 7)
	for i := range scores {
		for d := range graph.Classes {
			scores[i].Cost[d] = float64((i*3+d*7)%40) + 0.5
		}
	}
	got := h.Apply(scores)
	if len(got) != len(scores) {
		t.Fatalf("%d scores for %d", len(got), len(scores))
	}
	for i, s := range got {
		sum := s.None
		for _, p := range s.Prob {
			sum += p
		}
		if math.Abs(sum-1) > 1e-9 || s.Cost != scores[i].Cost || s.MaxProb != 1 {
			t.Errorf("window %d: probabilities add up to %v, cost kept %v, MaxProb %v", i, sum, s.Cost == scores[i].Cost, s.MaxProb)
		}
	}
	if len(h.Apply(nil)) != 0 {
		t.Error("no windows: want no scores")
	}
}

func FuzzParseContext(f *testing.F) {
	b, _ := json.Marshal(smallHead(3))
	f.Add(b)
	f.Add([]byte(`{"version":1,"layers":[{"in":10,"out":11,"kernel":1,"weights":"","biases":""}]}`))
	f.Add([]byte(`{"version":1,"layers":[{"in":10,"out":1024,"kernel":31}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseContext(b)
		if err != nil {
			return
		}
		// A head that parses computes on any windows.
		scores := make([]Scores, 3)
		for _, s := range h.Apply(scores) {
			if math.IsNaN(s.None) {
				t.Fatal("NaN probability")
			}
		}
	})
}

// withContext returns the shipped SDNN's network with head h (raw JSON)
// in its metadata.
func withContext(t *testing.T, raw string) *modelfile.Model {
	t.Helper()
	m, err := models.SDNN()
	if err != nil {
		t.Fatal(err)
	}
	out := *m
	out.Meta = maps.Clone(m.Meta)
	out.Meta[KeySDNNContext] = raw
	return &out
}

// The SDNN reads through its file's context head: a head that says
// "none" everywhere reads nothing where the network reads a number; a
// broken head is an error naming the key; the head changes the network's
// fingerprint.
func TestSDNNReadsThroughContext(t *testing.T) {
	set, _ := fixture(t)
	img, want := composeLine(set, []int{0, 1, 2}, spacings[0], rand.New(rand.NewPCG(1, 2)))
	plain := sdnnReader(t)
	got, err := plain.Read(img)
	if err != nil || got.Text == "" {
		t.Fatalf("the shipped SDNN read %q as %v (%v), want some digits", want, got, err)
	}

	h := smallHead(4)
	nothing := make([]float64, graph.Classes+1)
	nothing[graph.Classes] = 60 // none's bias: far above any digit's
	h.Layers[1].Biases = Float32Bytes(nothing)
	h.Layers[1].Weights = Float32Bytes(make([]float64, h.Layers[1].Out*h.Layers[1].Kernel*h.Layers[1].In))
	m := withContext(t, string(headJSON(t, h)))
	r, err := NewSDNN(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, err := r.Read(img); err != nil || got.Text != "" {
		t.Errorf("through a head that sees no digit: %+v, %v; want an empty reading", got, err)
	}
	if NetworkFingerprint(m) == NetworkFingerprint(withoutContext(m)) {
		t.Error("the head does not change the fingerprint")
	}

	if _, err := NewSDNN(withContext(t, `{"version":1}`), Options{}); err == nil || !strings.Contains(err.Error(), KeySDNNContext) {
		t.Errorf("a broken head: %v, want an error naming %s", err, KeySDNNContext)
	}
}

func withoutContext(m *modelfile.Model) *modelfile.Model {
	out := *m
	out.Meta = maps.Clone(m.Meta)
	delete(out.Meta, KeySDNNContext)
	return &out
}
