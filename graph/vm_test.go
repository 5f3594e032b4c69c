package graph

import (
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The package doc's statement about Gorgonia's machines: the LispMachine
// runs the network forward with the TapeMachine's results, but its
// backward pass skips our ops (they implement SymDiff, not DoDiff), so the
// learnables get no gradient. If this test fails, the doc must change.
func TestLispMachineRunsForwardButDoesNotTrain(t *testing.T) {
	build := func() (*G.ExprGraph, *Net) {
		g := G.NewGraph()
		net, err := New(NewInput(g, tensor.Float64, 2), WithHead(Softmax), WithSeed(3))
		if err != nil {
			t.Fatal(err)
		}
		letImages(t, net.Input, testImages(2, 0))
		return g, net
	}
	g, tape := build()
	runGraph(t, g)
	want := nodeData(tape.Output)

	g, lisp := build()
	if err := G.NewLispMachine(g, G.ExecuteFwdOnly()).RunAll(); err != nil {
		t.Fatalf("LispMachine forward: %v", err)
	}
	if got := nodeData(lisp.Output); !slices.Equal(got, want) {
		t.Fatalf("LispMachine output %v, TapeMachine %v", got, want)
	}

	g, lisp = build()
	labels := lisp.NewLabels()
	onehot := make([]float64, 20)
	onehot[1], onehot[12] = 1, 1
	letImages2(t, labels, onehot)
	if _, err := lisp.Loss(labels); err != nil {
		t.Fatal(err)
	}
	if err := G.NewLispMachine(g).RunAll(); err != nil {
		t.Fatalf("LispMachine forward and backward: %v", err)
	}
	for _, p := range lisp.Learnables() {
		if gv := gradOf(t, p); !slices.Equal(gv, make([]float64, len(gv))) {
			t.Fatalf("the LispMachine gave %s a gradient: it can train our ops now", p.Name())
		}
	}
}
