package graph

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/internal/cpu"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The paper's networks add up to the paper's counts (docs/family.md):
// LeNet-1 exactly as LeCun et al. 1989 state them, LeNet-5 as section II
// does, LeNet-4 our reading of "about 17,000 parameters and 260,000
// connections"; the fully connected nets by arithmetic.
func TestNetCounts(t *testing.T) {
	tests := []struct {
		name                string
		params, connections int
		head                Head
	}{
		{"linear", 7850, 7850, Softmax},
		{"mlp-300-10", 238510, 238510, Softmax},
		{"mlp-1000-10", 795010, 795010, Softmax},
		{"mlp-300-100-10", 266610, 266610, Softmax},
		{"mlp-500-150-10", 469160, 469160, Softmax},
		{"lenet1", 2578, 98442, Softmax},
		{"lenet4", 16998, 258306, Softmax},
		{"lenet5", 60000, 340908, RBF},
	}
	if got := len(NetNames()); got != len(tests) {
		t.Errorf("NetNames lists %d networks, this test %d", got, len(tests))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ArchNamed(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if a.Name != tc.name || a.Head() != tc.head {
				t.Errorf("ArchNamed(%q) is %q with the %v head", tc.name, a.Name, a.Head())
			}
			s, err := a.Summary()
			if err != nil {
				t.Fatal(err)
			}
			if tot := s.Total(); tot.Params != tc.params || tot.Connections != tc.connections {
				t.Errorf("%d parameters, %d connections; want %d, %d", tot.Params, tot.Connections, tc.params, tc.connections)
			}
			// The built graph holds as many learnable values as the summary says.
			net, err := New(a.NewInput(G.NewGraph(), tensor.Float32, 2), WithArch(a))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, l := range net.Learnables() {
				n += l.Shape().TotalSize()
			}
			if n != tc.params {
				t.Errorf("the graph holds %d learnable values, the summary %d", n, tc.params)
			}
			if got := net.Output.Shape(); !got.Eq(tensor.Shape{2, Classes}) {
				t.Errorf("output shape %v", got)
			}
		})
	}
	if _, err := ArchNamed("lenet6"); err == nil || !strings.Contains(err.Error(), "lenet5") {
		t.Errorf("ArchNamed(lenet6): %v, want an error listing the known networks", err)
	}
}

// An Arch that does not fit together is refused, saying where.
func TestArchValidate(t *testing.T) {
	conv := Conv{Name: "C1", Table: FullTable(1, 4), Kernel: 5}
	tests := []struct {
		name string
		a    Arch
		want string
	}{
		{"no layers", Arch{Name: "x", Input: []int{1, 8, 8}}, "no layers"},
		{"bad input", Arch{Name: "x", Input: []int{8, 8}, Layers: []LayerSpec{Squash{}}}, "maps x height x width"},
		{"squash first", Arch{Name: "x", Input: []int{1, 8, 8}, Layers: []LayerSpec{Squash{}}}, "must follow a weighted layer"},
		{"two squashes", Arch{Name: "x", Input: []int{1, 8, 8}, Layers: []LayerSpec{conv, Squash{}, Squash{}}}, "must follow a weighted layer"},
		{"head not last", Arch{Name: "x", Input: []int{1, 8, 8}, Layers: []LayerSpec{SoftmaxHead{}, conv}}, "must be the last layer"},
		{"same stage twice", Arch{Name: "x", Input: []int{1, 16, 16}, Layers: []LayerSpec{conv, Conv{Name: "C1", Table: FullTable(4, 4), Kernel: 3}}}, "used twice"},
		{"kernel too big", Arch{Name: "x", Input: []int{1, 4, 4}, Layers: []LayerSpec{conv}}, "does not fit"},
		{"wrong maps", Arch{Name: "x", Input: []int{3, 8, 8}, Layers: []LayerSpec{conv}}, "takes 1 input maps, got 3"},
		{"odd sub-sampling", Arch{Name: "x", Input: []int{1, 9, 9}, Layers: []LayerSpec{Subsample{Name: "S"}}}, "even map sides"},
		{"RBF on 10 units", Arch{Name: "x", Input: []int{1, 8, 8}, Layers: []LayerSpec{Full{Name: "F", Units: 10}, RBFHead{}}}, "must be 84 units"},
		{"bad table", Arch{Name: "x", Input: []int{2, 8, 8}, Layers: []LayerSpec{Conv{Name: "C", Table: Table{In: 2, Inputs: [][]int{{1, 0}}}, Kernel: 3}}}, "convolution C"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.a.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate: %v, want an error containing %q", err, tc.want)
			}
			if _, err := tc.a.NewParams(G.NewGraph()); err == nil {
				t.Error("NewParams built it")
			}
		})
	}
}

// LeNet5Wide, ours, is LeNet-5 with twice the maps and every C3 map
// reading every S2 map: its counts by arithmetic, and ArchNamed knows it
// though NetNames, the paper's networks, does not list it.
func TestLeNet5WideCounts(t *testing.T) {
	a, err := ArchNamed("lenet5-wide")
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(NetNames(), a.Name) {
		t.Errorf("NetNames lists %s, which is not the paper's", a.Name)
	}
	s, err := a.Summary()
	if err != nil {
		t.Fatal(err)
	}
	// C1 12x(25+1), S2 12x2, C3 32x(12x25+1), S4 32x2, C5 240x(800+1),
	// F6 84x(240+1).
	const params = 12*26 + 24 + 32*301 + 64 + 240*801 + 84*241
	if tot := s.Total(); tot.Params != params || a.Head() != RBF {
		t.Errorf("%d parameters, %v head; want %d, RBF", tot.Params, a.Head(), params)
	}
}

// A sparse table's weights are packed in the graph and dense in the file,
// both ways, for LeNet-4's C3 and F5 as for LeNet-5's C3; a value on a pair
// the table leaves out is refused.
func TestSparseWeightsRoundTrip(t *testing.T) {
	for _, name := range []string{"lenet1", "lenet4"} {
		t.Run(name, func(t *testing.T) {
			a, _ := ArchNamed(name)
			p, err := a.NewParams(G.NewGraph(), WithSeed(3))
			if err != nil {
				t.Fatal(err)
			}
			ws := p.Weights()
			q, err := a.NewParams(G.NewGraph(), WithSeed(4))
			if err != nil {
				t.Fatal(err)
			}
			if err := q.SetWeights(ws); err != nil {
				t.Fatal(err)
			}
			for name, w := range q.Weights() {
				for i, v := range w.Data {
					if v != ws[name].Data[i] {
						t.Fatalf("%s[%d] = %v after the round trip, want %v", name, i, v, ws[name].Data[i])
					}
				}
			}
			// A kernel of an unconnected pair: the first output map's
			// first unconnected input.
			for _, s := range a.Specs() {
				if s.table == nil {
					continue
				}
				o, i := 0, 0
				for i < s.table.In && s.table.Connected(o, i) {
					i++
				}
				bad := ws[s.Name]
				bad.Data = append([]float64(nil), bad.Data...)
				bad.Data[(o*s.table.In+i)*s.kernel] = 0.5
				broken := map[string]Tensor{}
				for k, v := range ws {
					broken[k] = v
				}
				broken[s.Name] = bad
				if err := a.CheckWeights(broken); err == nil || !strings.Contains(err.Error(), "not connected") {
					t.Errorf("%s: a value on an unconnected pair: %v", s.Name, err)
				}
			}
		})
	}
}

// Every one of the paper's networks differentiates exactly: the loss's
// gradient with respect to every learnable agrees with finite differences
// (float64), through LeNet-4's paired sub-sampling and sparse F5 and
// LeNet-1's 28x28 input.
func TestNetGradients(t *testing.T) {
	for _, name := range []string{"lenet1", "lenet4", "mlp-300-100-10"} {
		t.Run(name, func(t *testing.T) {
			a, _ := ArchNamed(name)
			g := G.NewGraph()
			rng := rand.New(rand.NewPCG(3, 4))
			x := randomNode(g, rng, "input", -0.1, 1.175, append([]int{2}, a.Input...)...)
			net, err := New(x, WithArch(a), WithSeed(7))
			if err != nil {
				t.Fatal(err)
			}
			loss, err := net.Loss(oneHotNode(g, 2, 3, 8))
			if err != nil {
				t.Fatal(err)
			}
			checkGradients(t, g, loss, net.Learnables(), 30, 1e-6)
		})
	}
}

// The SDLM curvature works for any network: positive for every learnable
// of LeNet-1 and LeNet-4 after a batch.
func TestGaussNewtonOfOtherNets(t *testing.T) {
	for _, name := range []string{"lenet1", "lenet4", "mlp-300-10"} {
		t.Run(name, func(t *testing.T) {
			a, _ := ArchNamed(name)
			g := G.NewGraph()
			rng := rand.New(rand.NewPCG(5, 6))
			x := randomNode(g, rng, "input", -0.1, 1.175, append([]int{4}, a.Input...)...)
			net, err := New(x, WithArch(a))
			if err != nil {
				t.Fatal(err)
			}
			gn, err := NewGaussNewton(net)
			if err != nil {
				t.Fatal(err)
			}
			vm := G.NewTapeMachine(g)
			defer vm.Close()
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			if err := gn.Accumulate(); err != nil {
				t.Fatal(err)
			}
			diag, err := gn.Diagonal()
			if err != nil {
				t.Fatal(err)
			}
			for k, d := range diag {
				sum := 0.0
				for _, v := range d.Data {
					if v < 0 {
						t.Fatalf("%s: negative curvature %v", net.Learnables()[k].Name(), v)
					}
					sum += v
				}
				if !(sum > 0) {
					t.Errorf("%s: curvature sums to %v", net.Learnables()[k].Name(), sum)
				}
			}
		})
	}
}

// On AVX-512 LeNet-5's convolutions run their generated fan kernels, and a
// structure without one says it falls back to the per-map kernels.
func TestSummaryNamesKernels(t *testing.T) {
	if cpu.Current() != cpu.AVX512 {
		t.Skipf("the kernel path is %v, not avx512", cpu.Current())
	}
	for name, want := range map[string]string{"lenet5": "C1 fan, C3 fan", "lenet1": "H1 fan, H3 fan", "lenet4": "C1 fan, C3 fan, F5 per-map"} {
		a, _ := ArchNamed(name)
		s, err := a.Summary()
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Kernels(); got != want {
			t.Errorf("%s: kernels %q, want %q", name, got, want)
		}
	}
}

// WithZeroWeights leaves every learnable at 0, for any network; the set
// then takes weights as a drawn one does.
func TestZeroWeights(t *testing.T) {
	for _, name := range []string{"lenet5", "lenet5-wide", "lenet1"} {
		t.Run(name, func(t *testing.T) {
			a, err := ArchNamed(name)
			if err != nil {
				t.Fatal(err)
			}
			drawn, err := a.NewParams(G.NewGraph(), WithSeed(5))
			if err != nil {
				t.Fatal(err)
			}
			p, err := a.NewParams(G.NewGraph(), WithSeed(5), WithZeroWeights())
			if err != nil {
				t.Fatal(err)
			}
			ws := p.Weights()
			for _, name := range a.ParamNames() { // the learnables, not the RBF codes
				if i := slices.IndexFunc(ws[name].Data, func(v float64) bool { return v != 0 }); i >= 0 {
					t.Fatalf("%s[%d] = %v, want 0", name, i, ws[name].Data[i])
				}
			}
			if err := p.SetWeights(drawn.Weights()); err != nil {
				t.Fatal(err)
			}
			for name, w := range p.Weights() {
				if !slices.Equal(w.Data, drawn.Weights()[name].Data) {
					t.Errorf("%s differs from the drawn set's after SetWeights", name)
				}
			}
		})
	}
}
