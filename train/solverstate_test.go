package train

import (
	"context"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// testdata/checkpoint-format1-adam.safetensors was written by lenet5 while
// it trained with Gorgonia's AdamSolver and read its state by reflection
// (format 1), after one epoch of
//
//	train -solver adam -epochs 1 -train-limit 64 -test-limit 50 -batch 32 -distort 0 -workers 1
//
// and testdata/checkpoint-format1-adam-resumed.safetensors is the model
// that lenet5 wrote after resuming it with -epochs 2 -resume. Our Adam
// reads the old state and continues as Gorgonia's did, up to rounding.
func TestFormat1CheckpointResumes(t *testing.T) {
	c, err := LoadCheckpoint("testdata/checkpoint-format1-adam.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Solver.Scalars["format"]; ok || c.Solver.Scalars["iter"] != "2" {
		t.Fatalf("not the format-1 checkpoint this test expects: scalars %v", c.Solver.Scalars)
	}
	for k := range c.Model.Meta {
		if k == modelfile.KeyCheckpoint || strings.HasPrefix(k, modelfile.SolverPrefix) {
			t.Errorf("the checkpoint's model metadata holds %s, which is run or solver state", k)
		}
	}
	cfg := c.state.Config
	cfg.Epochs = 2
	tr, err := New(cfg, realMNIST(t), "")
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if err := tr.Resume(c); err != nil {
		t.Fatal(err)
	}
	adam := tr.Solver().(*Adam)
	if adam.Steps != 2 {
		t.Errorf("Adam resumed at step %d, want 2", adam.Steps)
	}
	for i, p := range tr.Net().Learnables() {
		for _, s := range []struct {
			old string
			vec Vec
		}{{"value", adam.M[i]}, {"deriv", adam.V[i]}} {
			want := c.Solver.Tensors["solver."+p.Name()+"."+s.old].Data
			if len(want) == 0 || !slices.Equal(asFloat64(s.vec.F32), want) {
				t.Errorf("%s: Adam's state from %s differs from the checkpoint's", p.Name(), s.old)
			}
		}
	}
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	old, err := LoadModel("testdata/checkpoint-format1-adam-resumed.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for name, w := range old.Weights {
		got := tr.Net().Weights()[name].Data
		for k, v := range w.Data {
			worst = max(worst, math.Abs(got[k]-v)/(1+math.Abs(v)))
		}
	}
	// Measured: 2.2e-8. Adam's moves in that epoch reach 1.7e-3.
	if worst > 1e-6 {
		t.Errorf("resumed weights differ from Gorgonia's continuation by up to %.3g (relative)", worst)
	}
}

// toFormat1 rewrites a format-2 state of a one-slot solver as lenet5
// wrote it with Gorgonia's solvers: value holds the slot, deriv zeros.
func toFormat1(st SolverState, slot string) SolverState {
	out := SolverState{Tensors: map[string]graph.Tensor{}, Scalars: map[string]string{}}
	for k, t := range st.Tensors {
		name := strings.TrimPrefix(k, "solver."+slot+".")
		out.Tensors["solver."+name+".value"] = t
		out.Tensors["solver."+name+".deriv"] = graph.Tensor{Shape: t.Shape, Data: make([]float64, len(t.Data))}
	}
	return out
}

// Format-1 states of the one-slot solvers load into the slot; a format
// this version does not know, or state for other parameters, is refused
// with a message saying why.
func TestSolverStateFormats(t *testing.T) {
	g := G.NewGraph()
	nodes := G.Nodes{
		G.NewTensor(g, tensor.Float32, 4, G.WithShape(6, 1, 5, 5), G.WithName("c1.weight")),
		G.NewVector(g, tensor.Float32, G.WithShape(6), G.WithName("c1.bias")),
	}
	var ps []testParam
	for _, n := range nodes {
		ps = append(ps, newTestParam(tensor.Float32, n.Shape()...))
	}
	for _, tc := range []struct {
		slot string
		mk   func() Solver
		vecs func(Solver) []Vec
	}{
		{"velocity", func() Solver { return NewMomentum(0.01, 0.9) }, func(s Solver) []Vec { return s.(*Momentum).Velocity }},
		{"meansquare", func() Solver { return NewRMSProp(0.01) }, func(s Solver) []Vec { return s.(*RMSProp).MeanSquare }},
		{"sumsquare", func() Solver { return NewAdaGrad(0.01) }, func(s Solver) []Vec { return s.(*AdaGrad).SumSquare }},
	} {
		t.Run(tc.slot, func(t *testing.T) {
			s := tc.mk()
			for i, p := range ps {
				p.setGrad(slices.Repeat([]float64{float64(i) + 0.5}, p.g.Size()))
			}
			if err := s.Step(valueGrads(ps)); err != nil {
				t.Fatal(err)
			}
			st, err := s.SolverState(nodes)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Tensors) != len(nodes) || st.Scalars["format"] != "2" {
				t.Fatalf("state %v", slices.Sorted(maps.Keys(st.Tensors)))
			}
			old := tc.mk()
			if err := old.SetSolverState(nodes, toFormat1(st, tc.slot)); err != nil {
				t.Fatal(err)
			}
			for i := range nodes {
				if v := tc.vecs(old)[i].F32; !slices.Equal(v, tc.vecs(s)[i].F32) || v[0] == 0 {
					t.Errorf("parameter %d: format-1 state did not load into %s", i, tc.slot)
				}
			}

			bad := SolverState{Tensors: st.Tensors, Scalars: map[string]string{"format": "3"}}
			if err := tc.mk().SetSolverState(nodes, bad); err == nil || !strings.Contains(err.Error(), `format "3"`) {
				t.Errorf("unknown format: error %v", err)
			}
			if err := tc.mk().SetSolverState(nodes[:1], st); err == nil || !strings.Contains(err.Error(), "does not have") ||
				!strings.HasSuffix(err.Error(), ": solver."+tc.slot+".c1.bias") {
				t.Errorf("state for a missing parameter: error %v, want it to name solver.%s.c1.bias", err, tc.slot)
			}
			odd := SolverState{Tensors: st.Tensors, Scalars: map[string]string{"format": "2", "zeta": "1"}}
			if err := tc.mk().SetSolverState(nodes, odd); err == nil || !strings.HasSuffix(err.Error(), "does not keep: zeta") {
				t.Errorf("a scalar the solver does not keep: error %v, want it to name zeta alone", err)
			}
			short := SolverState{Tensors: maps.Clone(st.Tensors), Scalars: st.Scalars}
			delete(short.Tensors, "solver."+tc.slot+".c1.bias")
			if err := tc.mk().SetSolverState(nodes, short); err == nil || !strings.Contains(err.Error(), "not for c1.bias") {
				t.Errorf("state missing a parameter: error %v", err)
			}
		})
	}
}
