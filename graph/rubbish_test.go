package graph

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The MAP criterion's rubbish class (loss.go): labels with an 11th column.

// rubbishNode adds a float64 labels constant of n rows and 11 columns:
// label Rubbish puts its 1 in the last column.
func rubbishNode(g *G.ExprGraph, labels ...int) *G.Node {
	vals := make([]float64, len(labels)*(Classes+1))
	for s, l := range labels {
		vals[s*(Classes+1)+l] = 1
	}
	return G.NewConstant(tensor.New(tensor.WithShape(len(labels), Classes+1), tensor.WithBacking(vals)))
}

// The gradient of the MAP loss with rubbish rows (and soft labels that
// weigh the rubbish class) agrees with finite differences, at distances
// around j so that the rubbish term matters.
func TestRubbishLossGradient(t *testing.T) {
	for _, tc := range []struct {
		name string
		j    float64
		lo   float64
		hi   float64
	}{
		{"j 0.3, distances 0..3", 0.3, 0, 3},
		{"j 5, distances 3..8", 5, 3, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := G.NewGraph()
			rng := rand.New(rand.NewPCG(11, 12))
			y := randomNode(g, rng, "y", tc.lo, tc.hi, 5, Classes)
			labels := rubbishNode(g, 1, Rubbish, 0, Rubbish, 9)
			// A soft row too: 0.25 rubbish, 0.75 a 4.
			soft := labels.Value().Data().([]float64)[4*(Classes+1):]
			clear(soft)
			soft[4], soft[Rubbish] = 0.75, 0.25
			loss := G.Must(G.ApplyOp(newLossOp(mapLoss, tc.j), y, labels))
			checkGradients(t, g, loss, []*G.Node{y}, 120, 1e-6)
		})
	}
}

// The whole network's gradient with a rubbish row.
func TestRubbishNetworkGradient(t *testing.T) {
	g := G.NewGraph()
	rng := rand.New(rand.NewPCG(13, 14))
	x := randomNode(g, rng, "input", -0.1, 1.175, 3, 1, 32, 32)
	net, err := New(x, WithHead(RBF), WithSeed(7), WithJ(2))
	if err != nil {
		t.Fatal(err)
	}
	loss, err := net.Loss(rubbishNode(g, 2, Rubbish, 4))
	if err != nil {
		t.Fatal(err)
	}
	checkGradients(t, g, loss, net.Learnables(), 40, 1e-6)
}

// The loss value is the formula: E = y_D + log(e^-j + sum e^-y_i) for a
// digit D, E = j + log(e^-j + sum e^-y_i) for rubbish; the batch's mean.
func TestRubbishLossValue(t *testing.T) {
	const j = 1.5
	rng := rand.New(rand.NewPCG(15, 16))
	labels := []int{3, Rubbish, 7, Rubbish}
	y := make([]float64, len(labels)*Classes)
	for i := range y {
		y[i] = 0.5 + 4*rng.Float64()
	}
	var want float64
	for s, l := range labels {
		row := y[s*Classes : (s+1)*Classes]
		sum := math.Exp(-j)
		for _, v := range row {
			sum += math.Exp(-v)
		}
		d := j
		if l != Rubbish {
			d = row[l]
		}
		want += d + math.Log(sum)
	}
	want /= float64(len(labels))
	g := G.NewGraph()
	yn := G.NewMatrix(g, tensor.Float64, G.WithShape(len(labels), Classes), G.WithName("y"),
		G.WithValue(tensor.New(tensor.WithShape(len(labels), Classes), tensor.WithBacking(y))))
	loss := G.Must(G.ApplyOp(newLossOp(mapLoss, j), yn, rubbishNode(g, labels...)))
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	if got := loss.Value().Data().(float64); math.Abs(got-want) > 1e-12*math.Abs(want) {
		t.Errorf("loss %.15g, want %.15g", got, want)
	}
	// A rubbish pattern's loss is log(1 + e^j sum e^-y_i) > 0, and its
	// gradient pushes every distance up (dE/dy_k < 0).
	dy := make([]float64, Classes)
	row := y[Classes : 2*Classes]
	e := patternLoss(mapLoss, j, row, []float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, dy)
	var s float64
	for _, v := range row {
		s += math.Exp(-v)
	}
	if w := math.Log1p(math.Exp(j) * s); math.Abs(e-w) > 1e-12 {
		t.Errorf("rubbish pattern: E = %.15g, want log(1 + e^j sum e^-y) = %.15g", e, w)
	}
	for k, d := range dy {
		if !(d < 0) {
			t.Errorf("rubbish pattern: dE/dy_%d = %g, want < 0", k, d)
		}
	}
}

// A digit's labels in 11 columns give the loss and gradient of its 10,
// bit for bit, in float32 and float64.
func TestRubbishColumnZeroIsTenColumns(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	y := make([]float32, Classes)
	for k := range y {
		y[k] = 0.3 + 6*rng.Float32()
	}
	y64 := make([]float64, Classes)
	for k, v := range y {
		y64[k] = float64(v)
	}
	for d := range Classes {
		t10 := make([]float32, Classes)
		t11 := make([]float32, Classes+1)
		t10[d], t11[d] = 1, 1
		g10, g11 := make([]float32, Classes), make([]float32, Classes)
		e10 := patternLoss(mapLoss, DefaultJ, y, t10, g10)
		e11 := patternLoss(mapLoss, DefaultJ, y, t11, g11)
		if e10 != e11 || !slicesEqual(g10, g11) {
			t.Errorf("digit %d, float32: 10 columns %v %v, 11 columns %v %v", d, e10, g10, e11, g11)
		}
		u10 := make([]float64, Classes)
		u11 := make([]float64, Classes+1)
		u10[d], u11[d] = 1, 1
		h10, h11 := make([]float64, Classes), make([]float64, Classes)
		f10 := patternLoss(mapLoss, DefaultJ, y64, u10, h10)
		f11 := patternLoss(mapLoss, DefaultJ, y64, u11, h11)
		if f10 != f11 || !slicesEqual(h10, h11) {
			t.Errorf("digit %d, float64: 10 columns %v %v, 11 columns %v %v", d, f10, h10, f11, h11)
		}
	}
}

func slicesEqual[T float](a, b []T) bool {
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

// The softmax head has no rubbish class: 11-column labels are refused,
// by Net.Loss and by the loss op, with an error that says why.
func TestRubbishSoftmaxRefused(t *testing.T) {
	g := G.NewGraph()
	net, err := New(NewInput(g, tensor.Float32, 2), WithHead(Softmax))
	if err != nil {
		t.Fatal(err)
	}
	_, err = net.Loss(net.NewRubbishLabels())
	if err == nil || !strings.Contains(err.Error(), "rubbish") {
		t.Errorf("softmax Loss with 11 columns: error %v, want one naming the rubbish class", err)
	}
	op := newLossOp(softmaxLoss, 0)
	if _, err := op.InferShape(tensor.Shape{2, Classes}, tensor.Shape{2, Classes + 1}); err == nil || !strings.Contains(err.Error(), "rubbish") {
		t.Errorf("softmax loss op with 11 columns: error %v", err)
	}
	// The RBF head takes them; 12 columns are refused.
	g = G.NewGraph()
	rbf, err := New(NewInput(g, tensor.Float32, 2), WithHead(RBF))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rbf.Loss(rbf.NewRubbishLabels()); err != nil {
		t.Errorf("RBF Loss with 11 columns: %v", err)
	}
	bad := G.NewMatrix(g, tensor.Float32, G.WithShape(2, Classes+2), G.WithName("bad"))
	if _, err := rbf.Loss(bad); err == nil {
		t.Error("RBF Loss with 12 columns: no error")
	}
}

// RubbishProbabilities: eleven probabilities summing to 1, the formula's.
func TestRubbishProbabilities(t *testing.T) {
	out := []float64{
		1, 5, 6, 7, 8, 9, 10, 11, 12, 13, // a confident 0
		900, 950, 1000, 1200, 999, 1500, 2000, 800, 850, 3000, // far from every code: rubbish, no underflow
	}
	const j = 3
	p := RubbishProbabilities(out, j)
	if len(p) != 2*(Classes+1) {
		t.Fatalf("%d probabilities, want 22", len(p))
	}
	for s := range 2 {
		var sum float64
		for _, v := range p[s*(Classes+1) : (s+1)*(Classes+1)] {
			sum += v
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("row %d sums to %v", s, sum)
		}
	}
	z := math.Exp(-j)
	for _, v := range out[:Classes] {
		z += math.Exp(-v)
	}
	if w := math.Exp(-j) / z; math.Abs(p[Rubbish]-w) > 1e-12 {
		t.Errorf("P(rubbish) of the 0: %v, want %v", p[Rubbish], w)
	}
	if w := math.Exp(-1) / z; math.Abs(p[0]-w) > 1e-12 {
		t.Errorf("P(0) of the 0: %v, want %v", p[0], w)
	}
	if p[Classes+1+Rubbish] != 1 {
		t.Errorf("P(rubbish) far from every code: %v, want 1", p[Classes+1+Rubbish])
	}
}

// AccumulateRubbish: rubbish patterns have no correct-class term, so with
// SeedCorrectClass a batch of them adds nothing, and with SeedMAP they add
// the log-sum term only: the backward pass is linear in the seed, so
// SeedMAP on rubbish = SeedMAP on digits - SeedCorrectClass on digits.
func TestGaussNewtonRubbish(t *testing.T) {
	net, _ := goldenRun(t, RBF, tensor.Float64, "model-rbf.safetensors")
	all := make([]bool, 8)
	for i := range all {
		all[i] = true
	}
	diag := func(seed OutputSeed, rubbish []bool) []Tensor {
		t.Helper()
		e, err := NewGaussNewton(net)
		if err != nil {
			t.Fatal(err)
		}
		e.SetOutputSeed(seed)
		if err := e.AccumulateRubbish(rubbish); err != nil {
			t.Fatal(err)
		}
		if e.Patterns() != 8 {
			t.Fatalf("Patterns = %d, want 8", e.Patterns())
		}
		d, err := e.Diagonal()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	plain := gaussNewtonOf(t, net)
	for i, d := range diag(SeedCorrectClass, make([]bool, 8)) {
		name := net.Learnables()[i].Name()
		want := plain[name]
		if name == "c3.weight" {
			d.Data = c3Dense(d.Data)
		}
		if !slicesEqual(d.Data, want) {
			t.Errorf("%s: no rubbish flag set differs from Accumulate", name)
		}
	}
	for i, d := range diag(SeedCorrectClass, all) {
		for _, v := range d.Data {
			if v != 0 {
				t.Errorf("tensor %d: a batch of rubbish has curvature %g with SeedCorrectClass, want 0", i, v)
				break
			}
		}
	}
	mapDigits, correct, mapRubbish := diag(SeedMAP, nil), diag(SeedCorrectClass, nil), diag(SeedMAP, all)
	for i := range mapRubbish {
		want := make([]float64, len(correct[i].Data))
		for k := range want {
			want[k] = mapDigits[i].Data[k] - correct[i].Data[k]
		}
		if e := scaledErr(mapRubbish[i].Data, want); e > 1e-9 {
			t.Errorf("tensor %d: SeedMAP on rubbish differs from its log-sum term by %.3g", i, e)
		}
	}
	e, _ := NewGaussNewton(net)
	if err := e.AccumulateRubbish(make([]bool, 3)); err == nil {
		t.Error("3 flags for a batch of 8: no error")
	}
}
