package graph

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// plainNet is LeNet-5 with the softmax head built from Gorgonia's own ops
// wherever Gorgonia has a correct one: Conv2d (C3 through a Hadamard mask
// on dense 16x6x5x5 weights), BroadcastAdd for biases, Tanh and scalar
// multiplications for f, Mul for F6 and the output, and LogSoftMax for
// the loss. Only the 2x2 sub-sampling is ours, since AveragePool2D
// computes wrong values. It is the baseline the custom ops are measured
// against, and a second implementation the network is checked against.
type plainNet struct {
	x, labels, loss, logits *G.Node
	params                  map[string]*G.Node
	learnables              G.Nodes
}

func newPlainNet(g *G.ExprGraph, dtype tensor.Dtype, n int, withGrad bool) (*plainNet, error) {
	p := &plainNet{params: map[string]*G.Node{}}
	p.x = NewInput(g, dtype, n)
	p.labels = G.NewMatrix(g, dtype, G.WithShape(n, Classes), G.WithName("labels"))
	param := func(name string, shape ...int) *G.Node {
		node := G.NewTensor(g, dtype, len(shape), G.WithShape(shape...), G.WithName(name), G.WithInit(G.GlorotU(1)))
		p.params[name] = node
		p.learnables = append(p.learnables, node)
		return node
	}
	scalar := func(v float64) *G.Node {
		if dtype == tensor.Float32 {
			return G.NewConstant(float32(v))
		}
		return G.NewConstant(v)
	}
	f := func(a *G.Node) *G.Node {
		return G.Must(G.HadamardProd(G.Must(G.Tanh(G.Must(G.HadamardProd(a, scalar(SquashS))))), scalar(SquashA)))
	}
	conv := func(x, w, b *G.Node) *G.Node {
		y := G.Must(G.Conv2d(x, w, tensor.Shape{5, 5}, []int{0, 0}, []int{1, 1}, []int{1, 1}))
		c := b.Shape()[0]
		return G.Must(G.BroadcastAdd(y, G.Must(G.Reshape(b, tensor.Shape{1, c, 1, 1})), nil, []byte{0, 2, 3}))
	}
	linear := func(x, w, b *G.Node) *G.Node {
		return G.Must(G.BroadcastAdd(G.Must(G.Mul(x, G.Must(G.Transpose(w)))), b, nil, []byte{0}))
	}
	mask := make([]float64, 16*6*25)
	for o := range 16 {
		for i := range 6 {
			if C3Table.Connected(o, i) {
				for k := range 25 {
					mask[(o*6+i)*25+k] = 1
				}
			}
		}
	}
	var maskBacking any = mask
	if dtype == tensor.Float32 {
		m32 := make([]float32, len(mask))
		for i, v := range mask {
			m32[i] = float32(v)
		}
		maskBacking = m32
	}
	maskNode := G.NewConstant(tensor.New(tensor.WithShape(16, 6, 5, 5), tensor.WithBacking(maskBacking)))

	c1 := f(conv(p.x, param("c1.weight", 6, 1, 5, 5), param("c1.bias", 6)))
	s2 := f(G.Must(G.ApplyOp(newSubsampleOp(1, defaultWorkers()), c1, param("s2.coef", 6), param("s2.bias", 6))))
	c3w := G.Must(G.HadamardProd(param("c3.weight", 16, 6, 5, 5), maskNode))
	c3 := f(conv(s2, c3w, param("c3.bias", 16)))
	s4 := f(G.Must(G.ApplyOp(newSubsampleOp(1, defaultWorkers()), c3, param("s4.coef", 16), param("s4.bias", 16))))
	c5 := f(G.Must(G.Reshape(conv(s4, param("c5.weight", 120, 16, 5, 5), param("c5.bias", 120)), tensor.Shape{n, 120})))
	f6 := f(linear(c5, param("f6.weight", F6Units, 120), param("f6.bias", F6Units)))
	p.logits = linear(f6, param("out.weight", Classes, F6Units), param("out.bias", Classes))
	logp := G.Must(G.LogSoftMax(p.logits))
	perPattern := G.Must(G.Sum(G.Must(G.HadamardProd(logp, p.labels)), 1))
	p.loss = G.Must(G.Neg(G.Must(G.Mean(perPattern))))
	if !withGrad {
		return p, nil
	}
	_, err := G.Grad(p.loss, p.learnables...)
	return p, err
}

// setWeights copies a Net's weights (model-file layout) into the plain net.
func (p *plainNet) setWeights(t testing.TB, ws map[string]Tensor) {
	t.Helper()
	for name, node := range p.params {
		if err := setNodeData(node, ws[name].Data); err != nil {
			t.Fatal(err)
		}
	}
}

// The plain-Gorgonia network and ours agree on the loss and its gradients
// with the same weights: the benchmark compares the same computation.
func TestPlainVariantMatches(t *testing.T) {
	const n = 4
	ours := newTestNet(t, tensor.Float64, n, WithHead(Softmax), WithSeed(3))
	oursLabels := ours.NewLabels()
	loss, err := ours.Loss(oursLabels)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := G.Grad(loss, ours.Learnables()...); err != nil {
		t.Fatal(err)
	}
	pg := G.NewGraph()
	plain, err := newPlainNet(pg, tensor.Float64, n, true)
	if err != nil {
		t.Fatal(err)
	}
	plain.setWeights(t, ours.Weights())
	golden, _ := readGolden(t, "batch.safetensors")
	onehot := make([]float64, n*Classes)
	for s := range n {
		onehot[s*Classes+int(golden["labels"].Data[s])] = 1
	}
	for _, b := range []struct{ x, labels *G.Node }{{ours.Input, oursLabels}, {plain.x, plain.labels}} {
		mustLet(t, b.x, golden["input"].Data[:n*1024], tensor.Float64)
		mustLet(t, b.labels, onehot, tensor.Float64)
	}
	vmOurs := G.NewTapeMachine(ours.g, G.BindDualValues(ours.Learnables()...))
	defer vmOurs.Close()
	vmPlain := G.NewTapeMachine(pg, G.BindDualValues(plain.learnables...))
	defer vmPlain.Close()
	if err := vmOurs.RunAll(); err != nil {
		t.Fatal(err)
	}
	if err := vmPlain.RunAll(); err != nil {
		t.Fatal(err)
	}
	if e := scaledErr(values(t, plain.loss, false), values(t, loss, false)); e > 1e-12 {
		t.Errorf("loss differs: error %.3g", e)
	}
	for _, p := range ours.Learnables() {
		got := values(t, p, true)
		if p.Name() == "c3.weight" {
			got = c3Dense(got)
		}
		want := values(t, plain.params[p.Name()], true)
		if p.Name() == "c3.weight" {
			want = maskUnconnected(want)
		}
		if e := scaledErr(got, want); e > 1e-10 {
			t.Errorf("grad %s differs: error %.3g", p.Name(), e)
		}
	}
}
