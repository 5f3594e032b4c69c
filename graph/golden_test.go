package graph

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/nlpodyssey/safetensors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The golden vectors (docs/spec.md §10) were computed in float64 by an
// independent implementation of the specification; they live in
// testdata/golden so the tests stand alone.

// readGolden reads a safetensors file of testdata/golden as float64 tensors.
func readGolden(t *testing.T, name string) (map[string]Tensor, map[string]string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden", name))
	if err != nil {
		t.Fatal(err)
	}
	st, err := safetensors.Deserialize(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	_, header, err := safetensors.ReadMetadata(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out := map[string]Tensor{}
	for _, nt := range st.Tensors() {
		tv := nt.TensorView
		shape := make([]int, len(tv.Shape()))
		for i, d := range tv.Shape() {
			shape[i] = int(d)
		}
		raw := tv.Data()
		var vals []float64
		switch tv.DType() {
		case safetensors.F64:
			for i := 0; i < len(raw); i += 8 {
				vals = append(vals, math.Float64frombits(binary.LittleEndian.Uint64(raw[i:])))
			}
		case safetensors.F32:
			for i := 0; i < len(raw); i += 4 {
				vals = append(vals, float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[i:]))))
			}
		case safetensors.I64:
			for i := 0; i < len(raw); i += 8 {
				vals = append(vals, float64(int64(binary.LittleEndian.Uint64(raw[i:]))))
			}
		default:
			t.Fatalf("%s: tensor %s has dtype %v", name, nt.Name, tv.DType())
		}
		out[nt.Name] = Tensor{Shape: shape, Data: vals}
	}
	return out, header.Metadata()
}

// scaledErr is the measure of docs/spec.md §10: max |got - want| / max |want|.
func scaledErr(got, want []float64) float64 {
	var diff, scale float64
	for i := range want {
		diff = math.Max(diff, math.Abs(got[i]-want[i]))
		scale = math.Max(scale, math.Abs(want[i]))
	}
	if scale == 0 {
		return diff
	}
	return diff / scale
}

// goldenRun builds the network for the golden batch in dtype, loads the
// model file, runs forward and backward once and returns the net and loss.
func goldenRun(t *testing.T, head Head, dtype tensor.Dtype, model string, opts ...Option) (*Net, *G.Node) {
	t.Helper()
	batch, _ := readGolden(t, "batch.safetensors")
	weights, meta := readGolden(t, model)
	if meta["head"] != head.String() {
		t.Fatalf("%s is a %s model", model, meta["head"])
	}
	g := G.NewGraph()
	x := NewInput(g, dtype, 8)
	net, err := New(x, append([]Option{WithHead(head), WithJ(DefaultJ)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := net.SetWeights(weights); err != nil {
		t.Fatalf("loading %s: %v", model, err)
	}
	labels := net.NewLabels()
	loss, err := net.Loss(labels)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := G.Grad(loss, net.Learnables()...); err != nil {
		t.Fatal(err)
	}
	onehot := make([]float64, 8*Classes)
	for n, l := range batch["labels"].Data {
		onehot[n*Classes+int(l)] = 1
	}
	mustLet(t, x, batch["input"].Data, dtype)
	mustLet(t, labels, onehot, dtype)
	vm := G.NewTapeMachine(g, G.BindDualValues(net.Learnables()...))
	t.Cleanup(func() { vm.Close() })
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	return net, loss
}

// mustLet binds vals to an input node, converted to dtype.
func mustLet(t *testing.T, n *G.Node, vals []float64, dtype tensor.Dtype) {
	t.Helper()
	var backing any = slices.Clone(vals)
	if dtype == tensor.Float32 {
		v32 := make([]float32, len(vals))
		for i, v := range vals {
			v32[i] = float32(v)
		}
		backing = v32
	}
	if err := G.Let(n, tensor.New(tensor.WithShape(n.Shape()...), tensor.WithBacking(backing))); err != nil {
		t.Fatal(err)
	}
}

// values reads a node's value (or, with grad, its gradient) as float64.
func values(t *testing.T, n *G.Node, grad bool) []float64 {
	t.Helper()
	v := n.Value()
	if grad {
		var err error
		if v, err = n.Grad(); err != nil {
			t.Fatalf("%s: %v", n.Name(), err)
		}
	}
	switch d := v.Data().(type) {
	case []float32:
		out := make([]float64, len(d))
		for i, x := range d {
			out[i] = float64(x)
		}
		return out
	case []float64:
		return d
	case float32:
		return []float64{float64(d)}
	case float64:
		return []float64{d}
	}
	t.Fatalf("%s holds %T", n.Name(), v.Data())
	return nil
}

func TestGoldenForwardAndGradients(t *testing.T) {
	rbfWant, _ := readGolden(t, "expect-rbf.safetensors")
	smWant, _ := readGolden(t, "expect-softmax.safetensors")
	tests := []struct {
		name  string
		head  Head
		dtype tensor.Dtype
		model string
		tol   float64
		// inPlace builds with WithInPlaceSquash: every value and
		// gradient as without it, but each weighted sum overwritten by
		// its squashed value.
		inPlace bool
	}{
		{"rbf float64", RBF, tensor.Float64, "model-rbf.safetensors", 1e-9, false},
		{"rbf float32", RBF, tensor.Float32, "model-rbf-f32.safetensors", 1e-4, false},
		{"softmax float64", Softmax, tensor.Float64, "model-softmax.safetensors", 1e-9, false},
		{"softmax float32", Softmax, tensor.Float32, "model-softmax-f32.safetensors", 1e-4, false},
		{"rbf float32 in place", RBF, tensor.Float32, "model-rbf-f32.safetensors", 1e-4, true},
		{"softmax float64 in place", Softmax, tensor.Float64, "model-softmax.safetensors", 1e-9, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []Option
			if tc.inPlace {
				opts = append(opts, WithInPlaceSquash())
			}
			net, loss := goldenRun(t, tc.head, tc.dtype, tc.model, opts...)
			check := func(what string, got, want []float64) {
				t.Helper()
				if len(got) != len(want) {
					t.Fatalf("%s: %d values, golden %d", what, len(got), len(want))
				}
				e := scaledErr(got, want)
				t.Logf("%-22s error %.2g", what, e)
				if e > tc.tol {
					t.Errorf("%s: error %.3g > %g", what, e, tc.tol)
				}
			}
			// The body's stages are stored once, in expect-rbf.
			for _, l := range net.Layers()[1:7] {
				key := map[string]string{"C1": "c1", "S2": "s2", "C3": "c3", "S4": "s4", "C5": "c5", "F6": "f6"}[l.Name]
				pre := rbfWant[key+".pre"].Data
				if tc.inPlace {
					pre = rbfWant[key].Data
				}
				check(key+".pre", values(t, l.Pre, false), pre)
				check(key, values(t, l.Out, false), rbfWant[key].Data)
			}
			want := rbfWant
			outName := "rbf"
			if tc.head == Softmax {
				want, outName = smWant, "logits"
			}
			check(outName, values(t, net.Output, false), want[outName].Data)
			probs, err := net.Probabilities()
			if err != nil {
				t.Fatal(err)
			}
			check("probabilities", probs, want["probabilities"].Data)
			check("loss", values(t, loss, false), want["loss"].Data)
			for _, p := range net.Learnables() {
				got := values(t, p, true)
				if p.Name() == "c3.weight" {
					got = c3Dense(got)
				}
				check("grad."+p.Name(), got, want["grad."+p.Name()].Data)
			}
		})
	}
}

// The batch cannot exercise the MAP loss's competition term (all
// distances are near 84); the probe's hand-made F6 vectors near the codes
// do. The head and loss run on them directly.
func TestGoldenRBFHeadProbe(t *testing.T) {
	want, _ := readGolden(t, "expect-rbf.safetensors")
	batch, _ := readGolden(t, "batch.safetensors")
	for _, dtype := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		t.Run(dtype.String(), func(t *testing.T) {
			tol := map[tensor.Dtype]float64{tensor.Float64: 1e-9, tensor.Float32: 1e-4}[dtype]
			g := G.NewGraph()
			f6 := G.NewMatrix(g, dtype, G.WithShape(8, F6Units), G.WithName("f6"))
			codes := RBFCodes()
			var backing any = codes
			if dtype == tensor.Float32 {
				c := make([]float32, len(codes))
				for i, v := range codes {
					c[i] = float32(v)
				}
				backing = c
			}
			cn := G.NewConstant(tensor.New(tensor.WithShape(Classes, F6Units), tensor.WithBacking(backing)))
			y := G.Must(G.ApplyOp(newRBFOp(Classes, F6Units), f6, cn))
			labels := G.NewMatrix(g, dtype, G.WithShape(8, Classes), G.WithName("labels"))
			loss := G.Must(G.ApplyOp(newLossOp(mapLoss, DefaultJ), y, labels))
			if _, err := G.Grad(loss, f6); err != nil {
				t.Fatal(err)
			}
			onehot := make([]float64, 8*Classes)
			for n, l := range batch["labels"].Data {
				onehot[n*Classes+int(l)] = 1
			}
			mustLet(t, f6, want["probe.f6"].Data, dtype)
			mustLet(t, labels, onehot, dtype)
			vm := G.NewTapeMachine(g, G.BindDualValues(f6))
			defer vm.Close()
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name string
				got  []float64
			}{
				{"probe.rbf", values(t, y, false)},
				{"probe.probabilities", Probabilities(RBF, values(t, y, false))},
				{"probe.loss", values(t, loss, false)},
				{"probe.dloss.f6", values(t, f6, true)},
			} {
				if e := scaledErr(c.got, want[c.name].Data); e > tol {
					t.Errorf("%s: error %.3g > %g", c.name, e, tol)
				}
			}
		})
	}
}
