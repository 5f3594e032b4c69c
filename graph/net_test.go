package graph

import (
	"math"
	"slices"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// bodyNames are the learnables of C1..F6 in model-file order.
var bodyNames = ParamNames(NoHead)

// fanIn returns the number of inputs of the unit that element i of the
// named learnable serves (docs/spec.md §5), 1 for an unknown name.
func fanIn(name string, i int) int {
	if s, ok := spec(name); ok && s.fanIn != nil {
		return s.fanIn(i)
	}
	return 1
}

// newTestNet builds a network for a batch of n in a fresh graph.
func newTestNet(t *testing.T, dtype tensor.Dtype, n int, opts ...Option) *Net {
	t.Helper()
	net, err := New(NewInput(G.NewGraph(), dtype, n), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func TestLearnablesCountAndOrder(t *testing.T) {
	tests := []struct {
		head  Head
		total int
	}{{RBF, 60000}, {Softmax, 60850}}
	for _, tc := range tests {
		t.Run(tc.head.String(), func(t *testing.T) {
			net := newTestNet(t, tensor.Float32, 2, WithHead(tc.head))
			var names []string
			total, body := 0, 0
			for _, p := range net.Learnables() {
				names = append(names, p.Name())
				total += p.Shape().TotalSize()
				if !strings.HasPrefix(p.Name(), "out.") {
					body += p.Shape().TotalSize()
				}
			}
			if !slices.Equal(names, ParamNames(tc.head)) {
				t.Errorf("learnables %v, want %v", names, ParamNames(tc.head))
			}
			if body != 60000 || total != tc.total {
				t.Errorf("C1..F6 hold %d values and all learnables %d; want 60000 and %d", body, total, tc.total)
			}
			for _, p := range net.Learnables() {
				if p.Name() == "rbf.centers" {
					t.Error("the RBF codes are a learnable")
				}
			}
		})
	}
}

// The 36 unconnected C3 pairs hold no parameters: c3.weight has exactly
// 60 kernels, and its dense form has zeros exactly there.
func TestC3UnconnectedPairsHoldNoParameters(t *testing.T) {
	net := newTestNet(t, tensor.Float64, 1)
	var c3 *G.Node
	for _, p := range net.Learnables() {
		if p.Name() == "c3.weight" {
			c3 = p
		}
	}
	if got := c3.Shape().TotalSize(); got != 60*25 {
		t.Fatalf("c3.weight holds %d values, want %d (60 kernels of 5x5)", got, 60*25)
	}
	dense := net.Weights()["c3.weight"].Data
	unconnected := 0
	for o := range 16 {
		for i := range 6 {
			block := dense[(o*6+i)*25 : (o*6+i+1)*25]
			zero := slices.Equal(block, make([]float64, 25))
			if C3Table.Connected(o, i) == zero {
				t.Errorf("pair (%d,%d): connected %v but all-zero %v", o, i, C3Table.Connected(o, i), zero)
			}
			if !C3Table.Connected(o, i) {
				unconnected++
			}
		}
	}
	if unconnected != 36 {
		t.Errorf("%d unconnected pairs, want 36", unconnected)
	}
}

func TestRBFCodesAreThePapersBitmaps(t *testing.T) {
	codes := RBFCodes()
	wantInk := []int{35, 27, 33, 32, 41, 35, 39, 25, 43, 39}
	for d := range Classes {
		ink := 0
		for _, v := range codes[d*F6Units : (d+1)*F6Units] {
			switch v {
			case 1:
				ink++
			case -1:
			default:
				t.Fatalf("code %d holds %v", d, v)
			}
		}
		if ink != wantInk[d] {
			t.Errorf("code %d has %d +1 cells, want %d", d, ink, wantInk[d])
		}
	}
	// The closest pair is 6/8, at Hamming distance 12.
	best, pair := math.MaxInt, [2]int{}
	for a := range Classes {
		for b := a + 1; b < Classes; b++ {
			h := 0
			for j := range F6Units {
				if codes[a*F6Units+j] != codes[b*F6Units+j] {
					h++
				}
			}
			if h < best {
				best, pair = h, [2]int{a, b}
			}
		}
	}
	if best != 12 || pair != [2]int{6, 8} {
		t.Errorf("closest codes %v at distance %d, want [6 8] at 12", pair, best)
	}
	// And they equal the golden model's rbf.centers, bit for bit.
	golden, _ := readGolden(t, "model-rbf.safetensors")
	if !slices.Equal(golden["rbf.centers"].Data, codes) {
		t.Error("codes differ from the golden model's rbf.centers")
	}
}

func TestSummaryTotals(t *testing.T) {
	tests := []struct {
		head                      Head
		params, connections, macs int
	}{
		{RBF, 60000, 340908, 328096},
		{Softmax, 60850, 340918, 328096},
	}
	for _, tc := range tests {
		t.Run(tc.head.String(), func(t *testing.T) {
			s := newTestNet(t, tensor.Float32, 4, WithHead(tc.head)).Summary()
			want := map[string]int{"C1": 122304, "S2": 5880, "C3": 151600, "S4": 2000, "C5": 48120, "F6": 10164}
			for _, r := range s {
				if c, ok := want[r.Name]; ok && r.Connections != c {
					t.Errorf("%s: %d connections, the paper says %d", r.Name, r.Connections, c)
				}
			}
			tot := s.Total()
			if tot.Params != tc.params || tot.Connections != tc.connections || tot.MACs != tc.macs {
				t.Errorf("totals %d params, %d connections, %d MACs; want %d, %d, %d", tot.Params, tot.Connections, tot.MACs, tc.params, tc.connections, tc.macs)
			}
			if !strings.Contains(s.String(), "340,9") || !strings.Contains(s.String(), "C3") {
				t.Errorf("table lacks the totals:\n%s", s)
			}
		})
	}
}

func TestInitialization(t *testing.T) {
	a := newTestNet(t, tensor.Float64, 1, WithSeed(5)).Weights()
	b := newTestNet(t, tensor.Float64, 1, WithSeed(5)).Weights()
	c := newTestNet(t, tensor.Float64, 1, WithSeed(6)).Weights()
	for _, name := range ParamNames(RBF) {
		if !slices.Equal(a[name].Data, b[name].Data) {
			t.Errorf("%s differs for the same seed", name)
		}
		if slices.Equal(a[name].Data, c[name].Data) {
			t.Errorf("%s equal for different seeds", name)
		}
	}
	// Every value lies in +-2.4/F, and spreads over most of it.
	packed := newTestNet(t, tensor.Float64, 1, WithSeed(5))
	for _, p := range packed.Learnables() {
		vals := p.Value().Data().([]float64)
		var maxRatio float64
		for i, v := range vals {
			r := math.Abs(v) / (2.4 / float64(fanIn(p.Name(), i)))
			if r > 1 {
				t.Fatalf("%s[%d] = %v outside +-2.4/%d", p.Name(), i, v, fanIn(p.Name(), i))
			}
			maxRatio = math.Max(maxRatio, r)
		}
		if len(vals) >= 16 && maxRatio < 0.7 {
			t.Errorf("%s uses only %.2f of its range", p.Name(), maxRatio)
		}
	}
	if fanIn("c3.weight", 0) != 75 || fanIn("c3.weight", 6*3*25+4*25) != 100 || fanIn("c3.weight", 59*25) != 150 {
		t.Error("C3 fan-ins are not 75, 100, 150 by map")
	}
}

func TestSetWeightsRejectsMismatches(t *testing.T) {
	good := newTestNet(t, tensor.Float64, 1).Weights()
	with := func(edit func(map[string]Tensor)) map[string]Tensor {
		w := map[string]Tensor{}
		for k, v := range good {
			w[k] = Tensor{Shape: slices.Clone(v.Shape), Data: slices.Clone(v.Data)}
		}
		edit(w)
		return w
	}
	tests := []struct {
		name string
		head Head
		ws   map[string]Tensor
		want string
	}{
		{"missing", RBF, with(func(w map[string]Tensor) { delete(w, "s4.coef") }), "missing tensor s4.coef"},
		{"wrong shape", RBF, with(func(w map[string]Tensor) { w["c5.bias"] = Tensor{Shape: []int{12}, Data: make([]float64, 12)} }), "c5.bias has shape [12], want [120]"},
		{"C3 non-zero", RBF, with(func(w map[string]Tensor) { w["c3.weight"].Data[(0*6+3)*25+7] = 0.5 }), "c3.weight[0,3,1,2] is 0.5"},
		{"NaN", RBF, with(func(w map[string]Tensor) { w["f6.bias"].Data[3] = math.NaN() }), "f6.bias value 3 is NaN"},
		{"+Inf", RBF, with(func(w map[string]Tensor) { w["c1.weight"].Data[0] = math.Inf(1) }), "c1.weight value 0 is +Inf"},
		{"-Inf", RBF, with(func(w map[string]Tensor) { w["f6.weight"].Data[9] = math.Inf(-1) }), "f6.weight value 9 is -Inf"},
		{"softmax file in RBF net", RBF, with(func(w map[string]Tensor) {
			delete(w, "rbf.centers")
			w["out.weight"] = Tensor{Shape: []int{10, 84}, Data: make([]float64, 840)}
			w["out.bias"] = Tensor{Shape: []int{10}, Data: make([]float64, 10)}
		}), "the tensors are of a softmax model, but the network has the rbf head"},
		{"RBF file in softmax net", Softmax, good, "the tensors are of an rbf model, but the network has the softmax head"},
		{"changed codes", RBF, with(func(w map[string]Tensor) { w["rbf.centers"].Data[0] = 1 }), "differs from the paper's fixed codes"},
		{"unknown tensor", RBF, with(func(w map[string]Tensor) { w["c7.weight"] = Tensor{Shape: []int{1}, Data: []float64{0}} }), "unknown tensor c7.weight"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			net := newTestNet(t, tensor.Float32, 1, WithHead(tc.head), WithSeed(99))
			before := net.Weights()
			err := net.SetWeights(tc.ws)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			if !slices.Equal(net.Weights()["c1.weight"].Data, before["c1.weight"].Data) {
				t.Fatal("a failed SetWeights changed the weights")
			}
		})
	}
	// And a good set round-trips exactly through float32.
	net := newTestNet(t, tensor.Float32, 1, WithSeed(99))
	if err := net.SetWeights(good); err != nil {
		t.Fatal(err)
	}
	for name, w := range net.Weights() {
		for i, v := range w.Data {
			if v != float64(float32(good[name].Data[i])) {
				t.Fatalf("%s[%d]: %v, want %v", name, i, v, float32(good[name].Data[i]))
			}
		}
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	g := G.NewGraph()
	tests := []struct {
		name string
		x    *G.Node
	}{
		{"nil", nil},
		{"28x28", G.NewTensor(g, tensor.Float32, 4, G.WithShape(2, 1, 28, 28))},
		{"3 maps", G.NewTensor(g, tensor.Float32, 4, G.WithShape(2, 3, 32, 32))},
		{"int", G.NewTensor(g, tensor.Int, 4, G.WithShape(2, 1, 32, 32))},
	}
	for _, tc := range tests {
		if _, err := New(tc.x); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	net := newTestNet(t, tensor.Float32, 2)
	if _, err := net.Loss(G.NewMatrix(net.g, tensor.Float32, G.WithShape(3, 10))); err == nil {
		t.Error("loss accepted labels of the wrong batch size")
	}
	if _, err := net.Predictions(); err == nil {
		t.Error("predictions before any run gave no error")
	}
}

func TestPredictAndProbabilities(t *testing.T) {
	out := []float64{5, 1, 3, 9, 9, 9, 9, 9, 9, 0.5}
	if got := Predict(RBF, out); got[0] != 9 {
		t.Errorf("RBF predicts %d, want the smallest distance, 9", got[0])
	}
	if got := Predict(Softmax, out); got[0] != 3 {
		t.Errorf("softmax predicts %d, want the largest logit, 3", got[0])
	}
	for _, h := range []Head{RBF, Softmax} {
		p := Probabilities(h, out)
		if s := sum(p); math.Abs(s-1) > 1e-12 {
			t.Errorf("%v probabilities sum to %v", h, s)
		}
		if best := Predict(Softmax, p)[0]; best != Predict(h, out)[0] {
			t.Errorf("%v: most probable %d is not the prediction %d", h, best, Predict(h, out)[0])
		}
	}
}
