package graph

import (
	"fmt"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// benchVariant builds one network for a batch of n in float32 and returns
// its graph, input, labels, learnables and (with grad) its loss's gradients.
// Our variants run with RunTape; the plain one with Gorgonia's RunAll, as
// a plain Gorgonia program does.
type benchVariant struct {
	name  string
	run   func(G.VM) error
	build func(b *testing.B, n int, grad bool) (g *G.ExprGraph, x, labels *G.Node, learnables G.Nodes)
}

var benchVariants = []benchVariant{
	{"custom-rbf", RunTape, customBench(RBF)},
	{"custom-softmax", RunTape, customBench(Softmax)},
	{"plain-gorgonia-softmax", G.VM.RunAll, func(b *testing.B, n int, grad bool) (*G.ExprGraph, *G.Node, *G.Node, G.Nodes) {
		g := G.NewGraph()
		p, err := newPlainNet(g, tensor.Float32, n, grad)
		if err != nil {
			b.Fatal(err)
		}
		return g, p.x, p.labels, p.learnables
	}},
}

func customBench(head Head) func(b *testing.B, n int, grad bool) (*G.ExprGraph, *G.Node, *G.Node, G.Nodes) {
	return func(b *testing.B, n int, grad bool) (*G.ExprGraph, *G.Node, *G.Node, G.Nodes) {
		g := G.NewGraph()
		net, err := New(NewInput(g, tensor.Float32, n), WithHead(head))
		if err != nil {
			b.Fatal(err)
		}
		labels := net.NewLabels()
		if grad {
			loss, err := net.Loss(labels)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := G.Grad(loss, net.Learnables()...); err != nil {
				b.Fatal(err)
			}
		}
		return g, net.Input, labels, net.Learnables()
	}
}

// bindBatch binds random MNIST-range inputs and one-hot labels.
func bindBatch(b *testing.B, x, labels *G.Node) {
	n := x.Shape()[0]
	rng := rand.New(rand.NewPCG(1, 1))
	in := make([]float32, n*InputSide*InputSide)
	for i := range in {
		in[i] = -0.1 + 1.275*rng.Float32()
	}
	oh := make([]float32, n*Classes)
	for s := range n {
		oh[s*Classes+rng.IntN(Classes)] = 1
	}
	if err := G.Let(x, tensor.New(tensor.WithShape(x.Shape()...), tensor.WithBacking(in))); err != nil {
		b.Fatal(err)
	}
	if err := G.Let(labels, tensor.New(tensor.WithShape(n, Classes), tensor.WithBacking(oh))); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkForward runs the forward pass (inference) in float32.
func BenchmarkForward(b *testing.B) {
	for _, v := range benchVariants {
		for _, n := range []int{1, 32, 256} {
			b.Run(fmt.Sprintf("%s/batch=%d", v.name, n), func(b *testing.B) {
				g, x, labels, _ := v.build(b, n, false)
				bindBatch(b, x, labels)
				vm := G.NewTapeMachine(g)
				defer vm.Close()
				b.ReportAllocs()
				for b.Loop() {
					if err := v.run(vm); err != nil {
						b.Fatal(err)
					}
					vm.Reset()
				}
				b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "images/s")
			})
		}
	}
}

// BenchmarkTrainStep runs forward, backward and a plain SGD step in float32.
func BenchmarkTrainStep(b *testing.B) {
	for _, v := range benchVariants {
		for _, n := range []int{1, 32, 128} {
			b.Run(fmt.Sprintf("%s/batch=%d", v.name, n), func(b *testing.B) {
				g, x, labels, learnables := v.build(b, n, true)
				bindBatch(b, x, labels)
				vm := G.NewTapeMachine(g, G.BindDualValues(learnables...))
				defer vm.Close()
				solver := G.NewVanillaSolver(G.WithLearnRate(1e-4))
				grads := G.NodesToValueGrads(learnables)
				b.ReportAllocs()
				for b.Loop() {
					if err := v.run(vm); err != nil {
						b.Fatal(err)
					}
					if err := solver.Step(grads); err != nil {
						b.Fatal(err)
					}
					vm.Reset()
				}
				b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "images/s")
			})
		}
	}
}
