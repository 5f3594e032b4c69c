package modelfile

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// seededModel returns a fresh RBF model with its own seed.
func seededModel(t *testing.T, seed uint64) *Model {
	t.Helper()
	net, err := graph.New(graph.NewInput(G.NewGraph(), tensor.Float32, 1), graph.WithSeed(seed))
	if err != nil {
		t.Fatal(err)
	}
	return FromNet(net, map[string]string{"seed": strings.Repeat("1", int(seed))})
}

// An ensemble's file round-trips its members, each with its own metadata;
// BuildAll runs them on one input and AverageOutputs is their mean.
func TestEnsemble(t *testing.T) {
	a, b := seededModel(t, 1), seededModel(t, 2)
	e, err := Ensemble([]*Model{a, b}, map[string]string{"note": "two"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "e.safetensors")
	if err := Write(path, e); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Net != "ensemble-lenet5" || got.Meta["note"] != "two" {
		t.Fatalf("read back %s, metadata %v", got.Net, got.Meta)
	}
	members, err := got.Members()
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 2 || members[0].Meta["seed"] != "1" || members[1].Meta["seed"] != "11" {
		t.Fatalf("%d members, metadata %v and %v", len(members), members[0].Meta, members[1].Meta)
	}
	if _, err := got.Arch(); err == nil {
		t.Error("an ensemble has an Arch of its own")
	}
	// Outputs of the ensemble against each member's own.
	x := make([]float32, 32*32)
	for i := range x {
		x[i] = float32(i%7) / 7
	}
	run := func(m *Model) ([]float64, int) {
		g := G.NewGraph()
		in := graph.NewInput(g, tensor.Float32, 1)
		nets, err := m.BuildAll(in)
		if err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g)
		defer vm.Close()
		if err := G.Let(in, tensor.New(tensor.WithShape(1, 1, 32, 32), tensor.WithBacking(x))); err != nil {
			t.Fatal(err)
		}
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		y, err := AverageOutputs(nets)
		if err != nil {
			t.Fatal(err)
		}
		return y, len(nets)
	}
	ya, _ := run(a)
	yb, _ := run(b)
	ye, n := run(got)
	if n != 2 {
		t.Fatalf("BuildAll built %d networks, want 2", n)
	}
	for i := range ye {
		if want := (ya[i] + yb[i]) / 2; math.Abs(ye[i]-want) > 1e-4*math.Max(1, math.Abs(want)) {
			t.Errorf("output %d: %v, want the members' mean %v", i, ye[i], want)
		}
	}
}

func TestEnsembleErrors(t *testing.T) {
	a := seededModel(t, 1)
	soft := testModel(t, graph.Softmax)
	for _, tc := range []struct {
		name    string
		members []*Model
		want    string
	}{
		{"one member", []*Model{a}, "2 to 8 members"},
		{"nine members", []*Model{a, a, a, a, a, a, a, a, a}, "2 to 8 members"},
		{"mixed heads", []*Model{a, soft}, "member 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Ensemble(tc.members, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one with %q", err, tc.want)
			}
		})
	}
	// Tensors outside the members' prefixes, a gap in the members, a lone
	// member: the file is refused.
	e, err := Ensemble([]*Model{a, seededModel(t, 2)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		rename func(string) string
		want   string
	}{
		{"no prefix", func(n string) string { return strings.TrimPrefix(n, "2/") }, "not under a member's prefix"},
		{"gap", func(n string) string { return strings.Replace(n, "2/", "3/", 1) }, "member 2 has no tensors"},
		{"lone", func(n string) string { return strings.Replace(n, "2/", "1/", 1) }, "1 members"},
		{"zero-padded", func(n string) string { return strings.Replace(n, "2/", "02/", 1) }, "not under a member's prefix"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			broken := &Model{Net: e.Net, Head: e.Head, J: e.J, Weights: map[string]graph.Tensor{}, Meta: map[string]string{}}
			for n, w := range e.Weights {
				if strings.HasPrefix(n, "2/") {
					n = tc.rename(n)
				}
				broken.Weights[n] = w
			}
			if err := broken.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate: %v, want an error with %q", err, tc.want)
			}
		})
	}
}
