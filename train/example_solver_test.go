package train_test

import (
	"fmt"

	"github.com/lenet5-go/lenet5/train"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Our solvers step any Gorgonia model: here Adam fits y = 2x + 1 with a
// TapeMachine, the loop every Gorgonia program writes.
func ExampleNewAdam() {
	g := G.NewGraph()
	matrix := func(name string, rows int, v ...float32) *G.Node {
		return G.NewMatrix(g, tensor.Float32, G.WithShape(rows, 1), G.WithName(name),
			G.WithValue(tensor.New(tensor.WithShape(rows, 1), tensor.WithBacking(v))))
	}
	x, y := matrix("x", 4, 0, 1, 2, 3), matrix("y", 4, 1, 3, 5, 7)
	w, b := matrix("w", 1, 0), matrix("b", 1, 0) // parameters are tensors, not Gorgonia scalars
	pred := G.Must(G.BroadcastAdd(G.Must(G.Mul(x, w)), b, nil, []byte{0}))
	loss := G.Must(G.Mean(G.Must(G.Square(G.Must(G.Sub(pred, y))))))
	if _, err := G.Grad(loss, w, b); err != nil {
		panic(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(w, b))
	defer vm.Close()

	solver := train.NewAdam(0.1)
	for range 500 {
		if err := vm.RunAll(); err != nil {
			panic(err)
		}
		if err := solver.Step(G.NodesToValueGrads(G.Nodes{w, b})); err != nil {
			panic(err)
		}
		vm.Reset()
	}
	fmt.Printf("w %.2f, b %.2f after %d steps\n", w.Value().Data().([]float32)[0], b.Value().Data().([]float32)[0], solver.Steps)
	// Output: w 2.00, b 1.00 after 500 steps
}
