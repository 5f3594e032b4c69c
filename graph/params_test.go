package graph

import (
	"math"
	"slices"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// testImages returns n deterministic images in the spec's input range.
func testImages(n, salt int) []float64 {
	px := make([]float64, n*InputSide*InputSide)
	for i := range px {
		px[i] = -0.1 + 1.275*float64((i*7+salt*13)%11)/10
	}
	return px
}

// letImages binds images to x.
func letImages(t *testing.T, x *G.Node, px []float64) {
	t.Helper()
	if err := G.Let(x, tensor.New(tensor.WithShape(x.Shape()...), tensor.WithBacking(px))); err != nil {
		t.Fatal(err)
	}
}

// runGraph runs g once on a TapeMachine binding the gradients of learnables.
func runGraph(t *testing.T, g *G.ExprGraph, learnables ...*G.Node) {
	t.Helper()
	var opts []G.VMOpt
	if len(learnables) > 0 {
		opts = append(opts, G.BindDualValues(learnables...))
	}
	vm := G.NewTapeMachine(g, opts...)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
}

// gradOf returns the gradient value of a learnable after a run.
func gradOf(t *testing.T, n *G.Node) []float64 {
	t.Helper()
	gv, err := n.Grad()
	if err != nil {
		t.Fatalf("gradient of %s: %v", n.Name(), err)
	}
	return slices.Clone(gv.Data().([]float64))
}

// Two sets in one graph have their own nodes and values: an ensemble.
func TestTwoParamSetsAreSeparate(t *testing.T) {
	g := G.NewGraph()
	a, err := NewParams(g, WithPrefix("a/"), WithSeed(1), WithDtype(tensor.Float64))
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewParams(g, WithPrefix("b/"), WithSeed(1), WithDtype(tensor.Float64), WithHead(Softmax))
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range a.Learnables() {
		if slices.Contains(b.Learnables(), n) {
			t.Fatalf("%s is in both sets", n.Name())
		}
		if want := "a/" + bodyNames[i]; n.Name() != want {
			t.Errorf("learnable %d is named %q, want %q", i, n.Name(), want)
		}
	}
	// Same seed, same values; but setting one set leaves the other alone.
	wa, wb := a.Weights(), b.Weights()
	if !slices.Equal(wa["c5.weight"].Data, wb["c5.weight"].Data) {
		t.Fatal("two sets of the same seed differ")
	}
	edited := b.Weights()
	edited["c5.weight"].Data[0] += 0.5
	if err := b.SetWeights(edited); err != nil {
		t.Fatal(err)
	}
	if got := a.Weights()["c5.weight"].Data[0]; got != wa["c5.weight"].Data[0] {
		t.Fatalf("setting b changed a's c5.weight[0] to %v", got)
	}
	// Applied to one input, they give two networks whose gradients go to
	// their own learnables only.
	x := NewInput(g, tensor.Float64, 2)
	na, err := a.Apply(x)
	if err != nil {
		t.Fatal(err)
	}
	nb, err := b.Apply(x)
	if err != nil {
		t.Fatal(err)
	}
	la, err := na.Loss(na.NewLabels())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := G.Grad(la, b.Learnables()...); err == nil {
		t.Fatal("a's loss has a gradient with respect to b's learnables")
	}
	if _, err := G.Grad(la, a.Learnables()...); err != nil {
		t.Fatal(err)
	}
	letImages(t, x, testImages(2, 0))
	labels := g.ByName("a/labels")[0]
	onehot := make([]float64, 20)
	onehot[3], onehot[18] = 1, 1
	letImages2(t, labels, onehot)
	runGraph(t, g, a.Learnables()...)
	if slices.Equal(nodeData(na.F6), nodeData(nb.F6)) {
		t.Fatal("two sets with different weights give the same F6")
	}
}

// letImages2 binds any float64 values to n.
func letImages2(t *testing.T, n *G.Node, vals []float64) {
	t.Helper()
	if err := G.Let(n, tensor.New(tensor.WithShape(n.Shape()...), tensor.WithBacking(vals))); err != nil {
		t.Fatal(err)
	}
}

// One set applied to two inputs shares its weights: the same learnables,
// and the gradient of the sum of the two losses is the sum of each one's.
func TestOneParamSetAppliedTwiceShares(t *testing.T) {
	// grads builds one set applied to a batch of 3 and a batch of 2,
	// differentiates the sum of the chosen losses and returns the
	// learnables' gradients after one run.
	grads := func(t *testing.T, use ...bool) (map[string][]float64, []*Net) {
		g := G.NewGraph()
		p, err := NewParams(g, WithDtype(tensor.Float64), WithHead(Softmax), WithSeed(4))
		if err != nil {
			t.Fatal(err)
		}
		var cost *G.Node
		var nets []*Net
		for k := range 2 {
			n := 3 - k
			net, err := p.Apply(NewInput(g, tensor.Float64, n))
			if err != nil {
				t.Fatal(err)
			}
			labels := net.NewLabels()
			loss, err := net.Loss(labels)
			if err != nil {
				t.Fatal(err)
			}
			onehot := make([]float64, 10*n)
			for s := range n {
				onehot[s*10+(s+4*k)%10] = 1
			}
			letImages(t, net.Input, testImages(n, k))
			letImages2(t, labels, onehot)
			nets = append(nets, net)
			switch {
			case !use[k]:
			case cost == nil:
				cost = loss
			default:
				cost = G.Must(G.Add(cost, loss))
			}
		}
		if _, err := G.Grad(cost, p.Learnables()...); err != nil {
			t.Fatal(err)
		}
		runGraph(t, g, p.Learnables()...)
		out := map[string][]float64{}
		for _, n := range p.Learnables() {
			out[n.Name()] = gradOf(t, n)
		}
		return out, nets
	}
	sum, nets := grads(t, true, true)
	if nets[0].Input.Name() == nets[1].Input.Name() {
		t.Fatalf("two inputs are both named %q", nets[0].Input.Name())
	}
	if !slices.Equal(nets[0].Learnables(), nets[1].Learnables()) {
		t.Fatal("two applications of one set have different learnables")
	}
	g0, _ := grads(t, true, false)
	g1, _ := grads(t, false, true)
	for name, s := range sum {
		if slices.Equal(g0[name], g1[name]) {
			t.Fatalf("%s: the two losses have the same gradient; the test shows nothing", name)
		}
		for i := range s {
			want := g0[name][i] + g1[name][i]
			if math.Abs(s[i]-want) > 1e-12*(1+math.Abs(want)) {
				t.Fatalf("%s[%d]: gradient of the two losses %v, sum of each one's %v", name, i, s[i], want)
			}
		}
	}
}

// A set without a head builds C1..F6 only, has exactly the body's
// learnables, and takes the body of a model of either head.
func TestBodyOnly(t *testing.T) {
	g := G.NewGraph()
	p, err := NewParams(g, WithHead(NoHead), WithDtype(tensor.Float64))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range p.Learnables() {
		names = append(names, n.Name())
	}
	if !slices.Equal(names, bodyNames) {
		t.Fatalf("body-only learnables %v, want %v", names, bodyNames)
	}
	net, err := p.Apply(NewInput(g, tensor.Float64, 2))
	if err != nil {
		t.Fatal(err)
	}
	if net.Output != nil || net.Codes() != nil {
		t.Fatal("a body-only network has an output layer")
	}
	if last := net.Layers()[len(net.Layers())-1]; last.Name != "F6" {
		t.Fatalf("last stage %s, want F6", last.Name)
	}
	if _, err := net.Loss(nil); err == nil || !strings.Contains(err.Error(), "without a head") {
		t.Fatalf("loss of a body-only net: %v", err)
	}
	if _, err := NewGaussNewton(net); err == nil {
		t.Fatal("a curvature estimate of a body-only net")
	}
	if tot := net.Summary().Total(); tot.Params != 60000 {
		t.Fatalf("body holds %d parameters, want 60000", tot.Params)
	}
	// A user's own head on F6 trains with the body's learnables.
	w := G.NewMatrix(g, tensor.Float64, G.WithShape(F6Units, 3), G.WithName("mine.w"), G.WithInit(G.GlorotU(1)))
	cost := G.Must(G.Mean(G.Must(G.Square(G.Must(G.Mul(net.F6, w))))))
	learn := append(net.Learnables(), w)
	if _, err := G.Grad(cost, learn...); err != nil {
		t.Fatal(err)
	}
	letImages(t, net.Input, testImages(2, 0))
	runGraph(t, g, learn...)
	if gw := gradOf(t, p.Learnables()[0]); slices.Equal(gw, make([]float64, len(gw))) {
		t.Fatal("no gradient reached C1 through the user's head")
	}
	// Both heads' models load into the body.
	for _, h := range []Head{RBF, Softmax} {
		full := newTestNet(t, tensor.Float64, 1, WithHead(h), WithSeed(9))
		if err := p.SetWeights(full.Weights()); err != nil {
			t.Fatalf("%v model into a body-only set: %v", h, err)
		}
		if !slices.Equal(p.Weights()["f6.weight"].Data, full.Weights()["f6.weight"].Data) {
			t.Fatalf("%v model's body did not load", h)
		}
		if _, ok := p.Weights()["rbf.centers"]; ok {
			t.Fatal("a body-only set's weights hold the RBF codes")
		}
	}
}

// With the softmax head, a loss on F6 is differentiated with the body's
// learnables or those LearnablesOf finds; all of them fail as Gorgonia
// refuses a learnable off the path.
func TestLossOnF6WithSoftmaxHead(t *testing.T) {
	g := G.NewGraph()
	net, err := New(NewInput(g, tensor.Float64, 2), WithHead(Softmax))
	if err != nil {
		t.Fatal(err)
	}
	cost := G.Must(G.Mean(G.Must(G.Square(net.F6))))
	if _, err := G.Grad(cost, net.Learnables()...); err == nil {
		t.Fatal("Gorgonia now accepts learnables off the path; Body's doc can say so")
	}
	if got := net.LearnablesOf(cost); !slices.Equal(got, net.Body()) {
		t.Fatalf("LearnablesOf(a cost on F6) = %v, want the body's %v", got, net.Body())
	}
	if _, err := G.Grad(cost, net.Body()...); err != nil {
		t.Fatal(err)
	}
	loss, err := net.Loss(net.NewLabels())
	if err != nil {
		t.Fatal(err)
	}
	if got := net.LearnablesOf(loss); !slices.Equal(got, net.Learnables()) {
		t.Fatalf("LearnablesOf(the loss) = %v, want every learnable", got)
	}
}

// A second set under a name the graph has is refused with the name; so is
// a second New without a prefix. Inputs and labels get names of their own.
func TestNameClash(t *testing.T) {
	g := G.NewGraph()
	if _, err := New(NewInput(g, tensor.Float32, 1)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"same set again", nil, `node named "c1.weight"`},
		{"softmax again", []Option{WithHead(Softmax)}, `node named "c1.weight"`},
		{"codes", []Option{WithPrefix("q/")}, ""},
	}
	for _, tc := range tests {
		_, err := New(NewInput(g, tensor.Float32, 1), tc.opts...)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %s", tc.name, err, tc.want)
		}
	}
	// A node of the user's that has a set's name.
	G.NewScalar(g, tensor.Float32, G.WithName("u/s4.bias"))
	if _, err := NewParams(g, WithPrefix("u/")); err == nil || !strings.Contains(err.Error(), `"u/s4.bias"`) {
		t.Errorf("clash with a user's node: %v", err)
	}
	x1, x2 := NewInput(g, tensor.Float32, 1), NewInput(g, tensor.Float32, 1)
	if x1 == x2 || x1.Name() == x2.Name() {
		t.Fatalf("two inputs merged: %q and %q", x1.Name(), x2.Name())
	}
}

// A prefixed set reads and writes the unprefixed names of the model file.
func TestPrefixedSetUsesFileNames(t *testing.T) {
	src := newTestNet(t, tensor.Float32, 1, WithSeed(21))
	g := G.NewGraph()
	p, err := NewParams(g, WithPrefix("tower/"), WithSeed(22))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetWeights(src.Weights()); err != nil {
		t.Fatal(err)
	}
	for name, w := range p.Weights() {
		if strings.Contains(name, "tower/") {
			t.Fatalf("Weights key %q has the prefix", name)
		}
		if !slices.Equal(w.Data, src.Weights()[name].Data) {
			t.Fatalf("%s did not round-trip", name)
		}
	}
	if p.Codes().Name() != "tower/rbf.centers" {
		t.Errorf("codes named %q", p.Codes().Name())
	}
}

// Apply refuses inputs of another type or graph.
func TestApplyRejectsForeignInput(t *testing.T) {
	g := G.NewGraph()
	p, err := NewParams(g)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Apply(NewInput(g, tensor.Float64, 1)); err == nil {
		t.Error("a float32 set took a float64 input")
	}
	if _, err := p.Apply(NewInput(G.NewGraph(), tensor.Float32, 1)); err == nil {
		t.Error("a set took an input of another graph")
	}
	if _, err := New(NewInput(G.NewGraph(), tensor.Float32, 1), WithDtype(tensor.Float64)); err == nil {
		t.Error("New took WithDtype(float64) with a float32 input")
	}
}

// The geometry table agrees with the built graph: shapes, names, order.
func TestGeometryMatchesGraph(t *testing.T) {
	for _, h := range []Head{RBF, Softmax, NoHead} {
		net := newTestNet(t, tensor.Float32, 1, WithHead(h))
		var specs []ParamSpec
		for _, s := range Geometry() {
			if s.Learnable && (s.Body || s.Head == h) {
				specs = append(specs, s)
			}
		}
		ls := net.Learnables()
		if len(ls) != len(specs) {
			t.Fatalf("%v: %d learnables, table has %d", h, len(ls), len(specs))
		}
		for i, n := range ls {
			if n.Name() != specs[i].Name || !slices.Equal([]int(n.Shape()), specs[i].Shape) {
				t.Errorf("%v: learnable %d is %s %v, table says %s %v", h, i, n.Name(), n.Shape(), specs[i].Name, specs[i].Shape)
			}
			if w := net.Weights()[specs[i].Name]; !slices.Equal(w.Shape, specs[i].FileShape) {
				t.Errorf("%v: %s file shape %v, table says %v", h, specs[i].Name, w.Shape, specs[i].FileShape)
			}
		}
	}
}
