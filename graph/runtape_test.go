package graph

import (
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// RunTape computes exactly what RunAll computes, gradients included, and
// accumulates gradients across runs the same way.
func TestRunTapeEqualsRunAll(t *testing.T) {
	for _, h := range []Head{RBF, Softmax} {
		t.Run(h.String(), func(t *testing.T) {
			var results [][]float64
			for _, fast := range []bool{false, true} {
				net := newTestNet(t, tensor.Float64, 2, WithHead(h), WithSeed(4))
				labels := net.NewLabels()
				loss, err := net.Loss(labels)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := G.Grad(loss, net.Learnables()...); err != nil {
					t.Fatal(err)
				}
				in := make([]float64, 2*InputSide*InputSide)
				for i := range in {
					in[i] = -0.1 + 1.275*float64(i%7)/6
				}
				mustLet(t, net.Input, in, tensor.Float64)
				onehot := make([]float64, 2*Classes)
				onehot[3], onehot[Classes+8] = 1, 1
				mustLet(t, labels, onehot, tensor.Float64)
				vm := G.NewTapeMachine(net.g, G.BindDualValues(net.Learnables()...))
				for range 2 {
					var err error
					if fast {
						err = RunTape(vm)
					} else {
						err = vm.RunAll()
					}
					if err != nil {
						t.Fatal(err)
					}
					vm.Reset()
				}
				r := []float64{values(t, loss, false)[0]}
				for _, p := range net.Learnables() {
					r = append(r, values(t, p, true)...)
				}
				results = append(results, r)
				vm.Close()
			}
			if !slices.Equal(results[0], results[1]) {
				t.Fatal("RunTape and RunAll differ")
			}
		})
	}
}

// A failing op's error comes back from RunTape as from RunAll.
func TestRunTapeReportsErrors(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 3), G.WithName("x"))
	y := G.Must(G.ApplyOp(newSquashOp(2, 1, false), x))
	_ = y
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	// x has no value bound: the squash op gets a nil input.
	if err := RunTape(vm); err == nil {
		t.Fatal("no error for an unbound input")
	}
}
