package tape

import (
	"os"
	"regexp"
	"runtime/debug"
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// recheck says what to verify in Gorgonia's vm_tape.go before moving
// PinnedGorgonia to a new version.
const recheck = `Run calls Gorgonia's unexported (*tapeMachine).runall through go:linkname and reads its closureQueue field.
Before changing PinnedGorgonia, read the new version's vm_tape.go and check that:
  - runall still has the signature (errChan chan error, doneChan chan struct{}) and reports a failure by one send on errChan;
  - RunAll still does nothing else on a CPU but run runall and then the closures of closureQueue ([]func() error);
then run this package's and graph's RunTape tests (go test ./internal/tape ./graph -run 'Run').`

// The module pins the Gorgonia version Run was written against, and the
// test binary holds it. This fails loudly when go.mod moves Gorgonia.
func TestPinnedGorgonia(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?gorgonia\.org/gorgonia\s+(\S+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod does not require gorgonia.org/gorgonia")
	}
	if string(m[1]) != PinnedGorgonia {
		t.Fatalf("go.mod requires Gorgonia %s; internal/tape was written against %s.\n%s", m[1], PinnedGorgonia, recheck)
	}
	if regexp.MustCompile(`(?m)^\s*(?:replace\s+)?gorgonia\.org/gorgonia\b.*=>`).Match(mod) {
		t.Fatalf("go.mod replaces gorgonia.org/gorgonia; Run falls back to RunAll with a replaced Gorgonia.\n%s", recheck)
	}
	g, _, _, _ := buildNet(t)
	if !onCaller(G.NewTapeMachine(g)) {
		t.Fatalf("Run would not run a TapeMachine on the calling goroutine: G.NewTapeMachine no longer returns a *tapeMachine with closureQueue []func() error, or the binary holds another Gorgonia.\n%s", recheck)
	}
}

// mayHoldPinned accepts only the pinned, unreplaced Gorgonia, or a binary
// that lists no modules.
func TestMayHoldPinned(t *testing.T) {
	dep := func(v string, r *debug.Module) *debug.BuildInfo {
		return &debug.BuildInfo{Deps: []*debug.Module{{Path: "x/y", Version: PinnedGorgonia}, {Path: gorgoniaPath, Version: v, Replace: r}}}
	}
	for _, tc := range []struct {
		info *debug.BuildInfo
		want bool
	}{
		{dep(PinnedGorgonia, nil), true},
		{dep("v0.9.19", nil), false},
		{dep(PinnedGorgonia, &debug.Module{Path: "../gorgonia"}), false},
		{&debug.BuildInfo{Deps: []*debug.Module{{Path: "x/y", Version: "v1.0.0"}}}, false},
		{&debug.BuildInfo{}, true},
	} {
		if got := mayHoldPinned(tc.info); got != tc.want {
			t.Errorf("mayHoldPinned(%v) = %v, want %v", tc.info.Deps, got, tc.want)
		}
	}
}

// buildNet makes a small net of Gorgonia's own ops with a loss and its
// gradients: y = sum(tanh(x·w) * x·w).
func buildNet(t *testing.T) (*G.ExprGraph, *G.Node, *G.Node, *G.Node) {
	t.Helper()
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 4), G.WithName("x"))
	w := G.NewMatrix(g, tensor.Float64, G.WithShape(4, 2), G.WithName("w"),
		G.WithValue(tensor.New(tensor.WithShape(4, 2), tensor.WithBacking([]float64{0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8}))))
	xw := G.Must(G.Mul(x, w))
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(G.Must(G.Tanh(xw)), xw))))
	if _, err := G.Grad(loss, w); err != nil {
		t.Fatal(err)
	}
	return g, x, w, loss
}

// Run computes exactly what RunAll computes, gradients included, and
// accumulates gradients across runs the same way.
func TestRunEqualsRunAll(t *testing.T) {
	var results [][]float64
	for _, fast := range []bool{false, true} {
		g, x, w, loss := buildNet(t)
		in := make([]float64, 12)
		for i := range in {
			in[i] = float64(i%5) - 1.5
		}
		if err := G.Let(x, tensor.New(tensor.WithShape(3, 4), tensor.WithBacking(in))); err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g, G.BindDualValues(w))
		if fast && !onCaller(vm) {
			t.Fatal("Run would take RunAll's path")
		}
		for range 2 {
			run := vm.RunAll
			if fast {
				run = func() error { return Run(vm) }
			}
			if err := run(); err != nil {
				t.Fatal(err)
			}
			vm.Reset()
		}
		grad, err := w.Grad()
		if err != nil {
			t.Fatal(err)
		}
		r := append([]float64{loss.Value().Data().(float64)}, grad.Data().([]float64)...)
		results = append(results, r)
		vm.Close()
	}
	if !slices.Equal(results[0], results[1]) || results[0][1] == 0 {
		t.Fatalf("Run and RunAll differ:\n%v\n%v", results[0], results[1])
	}
}

// A failing op's error comes back from Run as from RunAll, and a VM that
// is not a TapeMachine runs through RunAll.
func TestRunReportsErrorsAndFallsBack(t *testing.T) {
	g, _, _, _ := buildNet(t)
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	// x has no value bound: the matrix product gets a nil input.
	if err := Run(vm); err == nil {
		t.Fatal("no error for an unbound input")
	}

	g, x, w, loss := buildNet(t)
	if err := G.Let(x, tensor.New(tensor.WithShape(3, 4), tensor.WithBacking(make([]float64, 12)))); err != nil {
		t.Fatal(err)
	}
	lisp := G.NewLispMachine(g, G.ExecuteFwdOnly())
	defer lisp.Close()
	if onCaller(lisp) {
		t.Fatal("a LispMachine taken for a TapeMachine")
	}
	if err := Run(lisp); err != nil {
		t.Fatal(err)
	}
	if loss.Value() == nil || w.Value() == nil {
		t.Fatal("the LispMachine did not run")
	}
}

// onCaller reports whether Run runs vm on the calling goroutine.
func onCaller(vm G.VM) bool {
	_, ok := queueOffset(vm)
	return ok
}
