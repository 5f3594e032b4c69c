package onnx_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
	"github.com/lenet5-go/lenet5/onnx"
	"github.com/lenet5-go/lenet5/onnx/internal/onnxpb"
	"google.golang.org/protobuf/proto"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// shipped returns the shipped (RBF) model.
func shipped(t *testing.T) *modelfile.Model {
	t.Helper()
	m, err := models.Default()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// softmaxModel returns a softmax-head model with the spec's initial
// weights of seed 7.
func softmaxModel(t *testing.T) *modelfile.Model {
	t.Helper()
	net, err := graph.New(graph.NewInput(G.NewGraph(), tensor.Float32, 1), graph.WithHead(graph.Softmax), graph.WithSeed(7), graph.WithWorkers(1))
	if err != nil {
		t.Fatal(err)
	}
	return modelfile.FromNet(net, map[string]string{"seed": "7"})
}

// decode parses ONNX bytes with the generated types.
func decode(t *testing.T, b []byte) *onnxpb.ModelProto {
	t.Helper()
	var mp onnxpb.ModelProto
	if err := proto.Unmarshal(b, &mp); err != nil {
		t.Fatal(err)
	}
	return &mp
}

// floats reads a float32 initializer.
func floats(t *testing.T, tp *onnxpb.TensorProto) []float32 {
	t.Helper()
	if tp.GetDataType() != int32(onnxpb.TensorProto_FLOAT) || len(tp.GetRawData())%4 != 0 {
		t.Fatalf("initializer %s: data type %d, %d raw bytes", tp.GetName(), tp.GetDataType(), len(tp.GetRawData()))
	}
	raw := tp.GetRawData()
	out := make([]float32, len(raw)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out
}

// The exported file decodes to the graph described in the package doc,
// for both heads: the input and output names and shapes with the dynamic
// batch dimension, the stages' nodes in order, every weight bit for bit
// in float32, S2/S4's kernels made of their coefficients, and the model
// file's metadata with the preprocessing.
func TestExportRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name    string
		model   *modelfile.Model
		outputs []string
		ops     []string
	}{
		{"rbf", shipped(t), []string{"distances", "probabilities"},
			[]string{"Reshape", "Sub", "Mul", "ReduceSum", "Neg", "Softmax"}},
		{"softmax", softmaxModel(t), []string{"logits", "probabilities"},
			[]string{"Gemm", "Softmax"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := onnx.Write(&buf, tc.model); err != nil {
				t.Fatal(err)
			}
			mp := decode(t, buf.Bytes())
			if mp.GetIrVersion() != onnx.IRVersion || len(mp.GetOpsetImport()) != 1 || mp.GetOpsetImport()[0].GetVersion() != onnx.Opset {
				t.Errorf("IR %d, opsets %v; want IR %d, opset %d", mp.GetIrVersion(), mp.GetOpsetImport(), onnx.IRVersion, onnx.Opset)
			}
			g := mp.GetGraph()
			checkValue(t, g.GetInput(), []string{"input"}, []any{"N", int64(1), int64(32), int64(32)})
			checkValue(t, g.GetOutput(), tc.outputs, []any{"N", int64(10)})

			// Stage by stage: Conv, then f as Mul, Tanh, Mul, named after the stage.
			var names, ops []string
			for _, n := range g.GetNode() {
				names, ops = append(names, n.GetName()), append(ops, n.GetOpType())
			}
			wantOps := []string{}
			wantNames := []string{}
			for _, st := range []struct{ stage, op string }{{"C1", "Conv"}, {"S2", "Conv"}, {"C3", "Conv"}, {"S4", "Conv"}, {"C5", "Conv"}, {"F6", "Gemm"}} {
				if st.stage == "F6" {
					wantOps, wantNames = append(wantOps, "Flatten"), append(wantNames, "C5/flatten")
				}
				wantOps = append(wantOps, st.op, "Mul", "Tanh", "Mul")
				wantNames = append(wantNames, st.stage, st.stage+"/f/scale", st.stage+"/f/tanh", st.stage+"/f/amplitude")
			}
			wantOps = append(wantOps, tc.ops...)
			if !slices.Equal(ops, wantOps) || !slices.Equal(names[:len(wantNames)], wantNames) {
				t.Errorf("nodes %v %v,\nwant %v %v...", names, ops, wantNames, wantOps)
			}
			for _, n := range g.GetNode() {
				if n.GetName() == "S2" || n.GetName() == "S4" {
					if grp := attr(n, "group"); grp != map[string]int64{"S2": 6, "S4": 16}[n.GetName()] {
						t.Errorf("%s: group %d, want depthwise", n.GetName(), grp)
					}
				}
			}

			inits := map[string]*onnxpb.TensorProto{}
			for _, tp := range g.GetInitializer() {
				inits[tp.GetName()] = tp
			}
			for _, name := range graph.ParamNames(tc.model.Head) {
				w := tc.model.Weights[name]
				switch name {
				case "s2.coef", "s4.coef":
					k := floats(t, inits[strings.TrimSuffix(name, ".coef")+".kernel"])
					for c, v := range w.Data {
						for j := range 4 {
							if k[4*c+j] != float32(v) {
								t.Fatalf("%s kernel map %d tap %d is %v, want the coefficient %v", name, c, j, k[4*c+j], float32(v))
							}
						}
					}
					continue
				}
				tp, ok := inits[name]
				if !ok {
					t.Fatalf("no initializer %s", name)
				}
				if got := tp.GetDims(); !slices.Equal(got, toInt64(w.Shape)) {
					t.Errorf("%s: dims %v, want %v", name, got, w.Shape)
				}
				for i, v := range floats(t, tp) {
					if v != float32(w.Data[i]) {
						t.Fatalf("%s[%d] is %v, want %v", name, i, v, float32(w.Data[i]))
					}
				}
			}
			if tc.model.Head == graph.RBF {
				codes := floats(t, inits["rbf.centers"])
				for i, v := range graph.RBFCodes() {
					if codes[i] != float32(v) {
						t.Fatalf("rbf.centers[%d] = %v, want %v", i, codes[i], v)
					}
				}
			}

			meta := map[string]string{}
			for _, p := range mp.GetMetadataProps() {
				meta[p.GetKey()] = p.GetValue()
			}
			for k, v := range tc.model.Meta {
				if meta[k] != v {
					t.Errorf("metadata %s = %q, want the model's %q", k, meta[k], v)
				}
			}
			if meta["head"] != tc.model.Head.String() || meta["preprocessing"] != onnx.PreprocessingDoc || meta["preprocessing.background"] != "-0.1" || meta["preprocessing.ink"] != "1.175" {
				t.Errorf("metadata %v lacks the head or the preprocessing", meta)
			}
		})
	}
}

// checkValue checks names and shapes of graph inputs or outputs.
func checkValue(t *testing.T, vs []*onnxpb.ValueInfoProto, names []string, shape []any) {
	t.Helper()
	if len(vs) != len(names) {
		t.Fatalf("%d values, want %v", len(vs), names)
	}
	for i, v := range vs {
		tt := v.GetType().GetTensorType()
		var got []any
		for _, d := range tt.GetShape().GetDim() {
			if p, ok := d.GetValue().(*onnxpb.TensorShapeProto_Dimension_DimParam); ok {
				got = append(got, p.DimParam)
			} else {
				got = append(got, d.GetDimValue())
			}
		}
		if v.GetName() != names[i] || tt.GetElemType() != int32(onnxpb.TensorProto_FLOAT) || !slices.Equal(got, shape) {
			t.Errorf("value %d: %s %d %v, want %s float %v", i, v.GetName(), tt.GetElemType(), got, names[i], shape)
		}
	}
}

// attr returns an INT attribute of a node.
func attr(n *onnxpb.NodeProto, name string) int64 {
	for _, a := range n.GetAttribute() {
		if a.GetName() == name {
			return a.GetI()
		}
	}
	return -1
}

func toInt64(s []int) []int64 {
	out := make([]int64, len(s))
	for i, d := range s {
		out[i] = int64(d)
	}
	return out
}

// The same model always gives the same bytes.
func TestExportDeterministic(t *testing.T) {
	a, err := onnx.Marshal(shipped(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := onnx.Marshal(shipped(t))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("two exports of the shipped model differ")
	}
}

// A model that lacks a tensor or has one of the wrong shape is refused
// with the tensor's name.
func TestExportRefusesBadModels(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(m *modelfile.Model)
		want string
	}{
		{"missing", func(m *modelfile.Model) { delete(m.Weights, "c5.bias") }, "missing tensor c5.bias"},
		{"shape", func(m *modelfile.Model) {
			m.Weights["f6.weight"] = graph.Tensor{Shape: []int{84, 12}, Data: make([]float64, 84*12)}
		}, "tensor f6.weight has shape [84 12]"},
		{"head", func(m *modelfile.Model) { m.Head, m.Meta["head"] = graph.Softmax, "softmax" }, "the tensors are of an rbf model, but the network has the softmax head"},
		{"c3-table", func(m *modelfile.Model) { m.Weights["c3.weight"].Data[(0*6+4)*25] = 0.25 }, "c3.weight[0,4,0,0] is 0.25"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := shipped(t)
			tc.edit(m)
			if _, err := onnx.Marshal(m); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// WriteFile writes atomically: on an unwritable path it fails naming the
// path and leaves nothing; on success the file holds Marshal's bytes.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	m := shipped(t)
	want, err := onnx.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "lenet5.onnx")
	if err := onnx.WriteFile(good, m); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(good); err != nil || !bytes.Equal(got, want) {
		t.Errorf("file holds %d bytes (err %v), want Marshal's %d", len(got), err, len(want))
	}
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(dir, "no-such-folder", "x.onnx"), "folder " + filepath.Join(dir, "no-such-folder") + ": no such file or directory"},
		{filepath.Join(dir, "lenet5.onnx", "x.onnx"), filepath.Join(dir, "lenet5.onnx") + " is not a folder"},
		{dir, "is a folder, not a file name"},
	} {
		err := onnx.WriteFile(tc.path, m)
		if err == nil || !strings.Contains(err.Error(), "writing "+tc.path+": ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("WriteFile(%s): error %v, want one naming the path and saying %q", tc.path, err, tc.want)
		}
	}
	// A folder that exists but cannot be written (not as root, who may).
	ro := filepath.Join(dir, "read-only")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	if err := onnx.WriteFile(filepath.Join(ro, "x.onnx"), m); err == nil && os.Geteuid() != 0 {
		t.Errorf("WriteFile into a read-only folder succeeded")
	} else if err != nil && !strings.Contains(err.Error(), filepath.Join(ro, "x.onnx")) {
		t.Errorf("WriteFile into a read-only folder: %v, want an error naming the path", err)
	}
	os.Remove(filepath.Join(ro, "x.onnx"))
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("folder holds %d entries after the failed writes, want only lenet5.onnx and read-only", len(entries))
	}
}

// ForOnnxGo replaces the operators onnx-go cannot run: S2 and S4 are
// ordinary convolutions whose kernels hold the coefficient on the
// diagonal only, and the RBF sum is a MatMul by ones.
func TestForOnnxGo(t *testing.T) {
	m := shipped(t)
	b, err := onnx.Marshal(m, onnx.ForOnnxGo())
	if err != nil {
		t.Fatal(err)
	}
	g := decode(t, b).GetGraph()
	var ops []string
	for _, n := range g.GetNode() {
		ops = append(ops, n.GetOpType())
		if (n.GetName() == "S2" || n.GetName() == "S4") && attr(n, "group") != 1 {
			t.Errorf("%s: group %d, want 1", n.GetName(), attr(n, "group"))
		}
	}
	if slices.Contains(ops, "ReduceSum") || !slices.Contains(ops, "MatMul") || !slices.Contains(ops, "Identity") {
		t.Errorf("operators %v, want MatMul and Identity, no ReduceSum", ops)
	}
	for _, tp := range g.GetInitializer() {
		if tp.GetName() != "s4.kernel" {
			continue
		}
		k := floats(t, tp)
		coef := m.Weights["s4.coef"].Data
		if !slices.Equal(tp.GetDims(), []int64{16, 16, 2, 2}) {
			t.Fatalf("s4.kernel dims %v, want 16 x 16 x 2 x 2", tp.GetDims())
		}
		for o := range 16 {
			for i := range 16 {
				want := float32(0)
				if o == i {
					want = float32(coef[o])
				}
				for j := range 4 {
					if v := k[(o*16+i)*4+j]; v != want {
						t.Fatalf("s4.kernel[%d,%d] tap %d is %v, want %v", o, i, j, v, want)
					}
				}
			}
		}
		return
	}
	t.Error("no s4.kernel initializer")
}
