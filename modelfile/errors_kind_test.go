package modelfile_test

import (
	"bytes"
	"errors"
	"fmt"
	"hash"
	"strings"
	"testing"

	"github.com/chewxy/hm"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// errBoom is the error of failOp, an op of a program's own that fails
// inside the machine.
var errBoom = errors.New("boom")

type failOp struct{}

func (failOp) Arity() int { return 1 }
func (failOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}
func (failOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return in[0].(tensor.Shape).Clone(), nil
}
func (failOp) Do(...G.Value) (G.Value, error) { return nil, fmt.Errorf("failOp: %w", errBoom) }
func (failOp) ReturnsPtr() bool               { return false }
func (failOp) CallsExtern() bool              { return false }
func (failOp) OverwritesInput() int           { return -1 }
func (failOp) WriteHash(h hash.Hash)          { h.Write([]byte("failOp")) }
func (failOp) Hashcode() uint32               { return 1 }
func (failOp) String() string                 { return "failOp" }

// machineError is what a caller asserts a TapeMachine's error to
// (Gorgonia's unexported vmContextualError): the node that failed and the
// op's error.
type machineError interface {
	error
	Node() *G.Node
	Err() error
}

// A program that reads model files, builds networks and trains them with
// Gorgonia meets the typed errors of graph and modelfile and Gorgonia's
// own. Wrapped with fmt.Errorf's %w, as our packages and a caller wrap
// them, errors.As tells each kind apart: our types never match a Gorgonia
// error, and Gorgonia's exported SymDiffError and its pkg/errors layers
// are reached through our wraps. A machine's error is the exception: the
// chain ends at Gorgonia's context, and the op's own error is behind its
// Err method (docs/library.md, Errors).
func TestErrorKindsApart(t *testing.T) {
	// Ours.
	_, unknown := graph.ArchNamed("lenet9")
	_, format := modelfile.Decode([]byte("not a model file"), "junk.safetensors")
	net, err := graph.New(graph.NewInput(G.NewGraph(), tensor.Float64, 1), graph.WithHead(graph.Softmax))
	if err != nil {
		t.Fatal(err)
	}
	m := modelfile.FromNet(net, nil)
	_, mismatch := m.Params(G.NewGraph(), graph.WithHead(graph.RBF))
	meta := m.Metadata()
	meta[modelfile.KeyVersion] = "2"
	var b bytes.Buffer
	if err := modelfile.EncodeTensors(&b, m.Weights, meta); err != nil {
		t.Fatal(err)
	}
	_, unsupported := modelfile.Decode(b.Bytes(), "v2.safetensors")

	// Gorgonia's: Grad with a learnable the cost does not depend on (the
	// softmax head's, for a cost on F6); a shape error of its own ops; and
	// a machine run whose op fails.
	_, grad := G.Grad(G.Must(G.Mean(net.F6)), net.Learnables()...)
	a := G.NewMatrix(G.NewGraph(), tensor.Float64, G.WithShape(2, 3), G.WithName("a"))
	_, shape := G.Mul(a, a)
	g := G.NewGraph()
	x := G.NewVector(g, tensor.Float64, G.WithShape(2), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithBacking([]float64{1, 2}))))
	G.Must(G.ApplyOp(failOp{}, x))
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	run := graph.RunTape(vm)

	kinds := []struct {
		name string
		is   func(error) bool
	}{
		{"*graph.UnknownNetError", func(err error) bool { var e *graph.UnknownNetError; return errors.As(err, &e) }},
		{"*modelfile.FormatError", func(err error) bool { var e *modelfile.FormatError; return errors.As(err, &e) }},
		{"*modelfile.UnsupportedError", func(err error) bool { var e *modelfile.UnsupportedError; return errors.As(err, &e) }},
		{"*modelfile.MismatchError", func(err error) bool { var e *modelfile.MismatchError; return errors.As(err, &e) }},
		{"gorgonia.SymDiffError", func(err error) bool { var e G.SymDiffError; return errors.As(err, &e) }},
		{"Gorgonia's pkg/errors layer", func(err error) bool { var e fmt.Formatter; return errors.As(err, &e) }},
		{"machine error", func(err error) bool { var e machineError; return errors.As(err, &e) }},
	}
	for _, tc := range []struct {
		name string
		err  error
		kind string
	}{
		{"ArchNamed", unknown, "*graph.UnknownNetError"},
		{"Decode junk", format, "*modelfile.FormatError"},
		{"Decode version 2", unsupported, "*modelfile.UnsupportedError"},
		{"Params of the other head", mismatch, "*modelfile.MismatchError"},
		{"Grad", grad, "gorgonia.SymDiffError"},
		{"Mul", shape, "Gorgonia's pkg/errors layer"},
		{"RunTape", run, "machine error"},
	} {
		if tc.err == nil {
			t.Fatalf("%s: no error", tc.name)
		}
		wrapped := fmt.Errorf("step 3: %w", fmt.Errorf("training: %w", tc.err))
		for _, k := range kinds {
			if got, want := k.is(wrapped), k.name == tc.kind; got != want {
				t.Errorf("%s (%v): errors.As to %s = %v, want %v", tc.name, tc.err, k.name, got, want)
			}
		}
	}

	// Gorgonia's stack trace survives our wraps: %+v of the wrapped error
	// prints none, but the pkg/errors layer errors.As finds does.
	wrapped := fmt.Errorf("training: %w", shape)
	var layer fmt.Formatter
	if !errors.As(wrapped, &layer) {
		t.Fatal("no pkg/errors layer in a wrapped Gorgonia shape error")
	}
	if strings.Contains(fmt.Sprintf("%+v", wrapped), "gorgonia") || !strings.Contains(fmt.Sprintf("%+v", layer), "gorgonia.org/gorgonia") {
		t.Errorf("stack traces: %%+v of our wrap %q, of Gorgonia's layer %q", fmt.Sprintf("%+v", wrapped), fmt.Sprintf("%+v", layer))
	}

	// A machine's error hides the op's: errors.Is stops at Gorgonia's
	// context (it has no Unwrap); its Err is the op's error under
	// Gorgonia's pkg/errors wraps, which errors.Is walks.
	wrapped = fmt.Errorf("training: %w", run)
	if errors.Is(wrapped, errBoom) {
		t.Error("errors.Is reaches through Gorgonia's machine error: vmContextualError has gained an Unwrap; update docs/library.md")
	}
	var me machineError
	if !errors.As(wrapped, &me) || !errors.Is(me.Err(), errBoom) || !strings.HasPrefix(me.Node().Name(), "failOp") {
		t.Errorf("the machine error does not lead to the op's: %v", wrapped)
	}
}
