package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Finite-difference gradient checks in float64: every custom op, and the
// whole network's loss with respect to every learnable, both heads.

// randomNode adds a float64 input node of the shape, filled uniformly in [lo, hi).
func randomNode(g *G.ExprGraph, rng *rand.Rand, name string, lo, hi float64, shape ...int) *G.Node {
	n := 1
	for _, d := range shape {
		n *= d
	}
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = lo + (hi-lo)*rng.Float64()
	}
	return G.NewTensor(g, tensor.Float64, len(shape), G.WithShape(shape...), G.WithName(name),
		G.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(vals))))
}

// checkGradients compares the gradient of loss with respect to each node
// of wrt, computed by gorgonia.Grad through our ops, with fourth-order
// central finite differences of the loss (h = 1e-3: truncation near 1e-12,
// rounding near 1e-13), on up to maxCoords coordinates per node.
func checkGradients(t *testing.T, g *G.ExprGraph, loss *G.Node, wrt []*G.Node, maxCoords int, tol float64) {
	t.Helper()
	if _, err := G.Grad(loss, wrt...); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(wrt...))
	defer vm.Close()
	run := func() float64 {
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		return loss.Value().Data().(float64)
	}
	run()
	analytic := make([][]float64, len(wrt))
	for k, n := range wrt {
		gv, err := n.Grad()
		if err != nil {
			t.Fatalf("%s: %v", n.Name(), err)
		}
		analytic[k] = append([]float64(nil), gv.Data().([]float64)...)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	const h = 1e-3
	for k, n := range wrt {
		vals := n.Value().Data().([]float64)
		coords := rng.Perm(len(vals))[:min(len(vals), maxCoords)]
		got, want := make([]float64, len(coords)), make([]float64, len(coords))
		for c, i := range coords {
			orig := vals[i]
			at := func(d float64) float64 {
				vals[i] = orig + d
				return run()
			}
			want[c] = (-at(2*h) + 8*at(h) - 8*at(-h) + at(-2*h)) / (12 * h)
			vals[i] = orig
			got[c] = analytic[k][i]
		}
		e := scaledErr(got, want)
		t.Logf("%-10s %4d coordinates, error %.2g", n.Name(), len(coords), e)
		if e > tol || math.IsNaN(e) {
			t.Errorf("%s: gradient error %.3g > %g", n.Name(), e, tol)
		}
	}
}

// weightedSum returns sum(y * R) for a fixed random R, so each output
// element gets its own upstream gradient.
func weightedSum(g *G.ExprGraph, rng *rand.Rand, y *G.Node) *G.Node {
	r := randomNode(g, rng, "R", -1, 1, y.Shape()...)
	return G.Must(G.Sum(G.Must(G.HadamardProd(y, r))))
}

func TestOpGradients(t *testing.T) {
	tests := []struct {
		name  string
		build func(g *G.ExprGraph, rng *rand.Rand) (loss *G.Node, wrt []*G.Node)
	}{
		{"masked conv C3 table", func(g *G.ExprGraph, rng *rand.Rand) (*G.Node, []*G.Node) {
			x := randomNode(g, rng, "x", -1, 1, 2, 6, 14, 14)
			w := randomNode(g, rng, "w", -0.2, 0.2, C3Table.Pairs(), 5, 5)
			b := randomNode(g, rng, "b", -1, 1, 16)
			y := G.Must(G.ApplyOp(newMaskedConvOp(C3Table, 5, 5, 3, true, 2), x, w, b))
			return weightedSum(g, rng, y), []*G.Node{x, w, b}
		}},
		{"full conv 3x2 kernel", func(g *G.ExprGraph, rng *rand.Rand) (*G.Node, []*G.Node) {
			x := randomNode(g, rng, "x", -1, 1, 3, 2, 9, 7)
			w := randomNode(g, rng, "w", -0.5, 0.5, 4, 2, 3, 2)
			b := randomNode(g, rng, "b", -1, 1, 4)
			y := G.Must(G.ApplyOp(newMaskedConvOp(FullTable(2, 4), 3, 2, 4, true, 2), x, w, b))
			return weightedSum(g, rng, y), []*G.Node{x, w, b}
		}},
		{"sub-sampling", func(g *G.ExprGraph, rng *rand.Rand) (*G.Node, []*G.Node) {
			x := randomNode(g, rng, "x", -1, 1, 2, 3, 8, 6)
			coef := randomNode(g, rng, "coef", -1, 1, 3)
			b := randomNode(g, rng, "b", -1, 1, 3)
			y := G.Must(G.ApplyOp(newSubsampleOp(1, 2), x, coef, b))
			return weightedSum(g, rng, y), []*G.Node{x, coef, b}
		}},
		{"sub-sampling in pairs", func(g *G.ExprGraph, rng *rand.Rand) (*G.Node, []*G.Node) {
			x := randomNode(g, rng, "x", -1, 1, 2, 3, 8, 6)
			coef := randomNode(g, rng, "coef", -1, 1, 6)
			b := randomNode(g, rng, "b", -1, 1, 6)
			y := G.Must(G.ApplyOp(newSubsampleOp(2, 2), x, coef, b))
			return weightedSum(g, rng, y), []*G.Node{x, coef, b}
		}},
		{"sparse conv 4 to 12 (LeNet-1's H3)", func(g *G.ExprGraph, rng *rand.Rand) (*G.Node, []*G.Node) {
			x := randomNode(g, rng, "x", -1, 1, 2, 4, 12, 12)
			w := randomNode(g, rng, "w", -0.5, 0.5, LeNet1Table.Pairs(), 5, 5)
			b := randomNode(g, rng, "b", -1, 1, 12)
			y := G.Must(G.ApplyOp(newMaskedConvOp(LeNet1Table, 5, 5, 3, true, 2), x, w, b))
			return weightedSum(g, rng, y), []*G.Node{x, w, b}
		}},
		{"fully connected from maps", func(g *G.ExprGraph, rng *rand.Rand) (*G.Node, []*G.Node) {
			x := randomNode(g, rng, "x", -1, 1, 3, 4, 5, 5)
			w := randomNode(g, rng, "w", -0.2, 0.2, 7, 4, 5, 5)
			b := randomNode(g, rng, "b", -1, 1, 7)
			y := G.Must(G.ApplyOp(newLinearOp(4, 4, 100, 7, 2), x, w, b))
			return weightedSum(g, rng, y), []*G.Node{x, w, b}
		}},
		{"squash", func(g *G.ExprGraph, rng *rand.Rand) (*G.Node, []*G.Node) {
			x := randomNode(g, rng, "x", -3, 3, 4, 9)
			y := G.Must(G.ApplyOp(newSquashOp(2, 2, false), x))
			return weightedSum(g, rng, y), []*G.Node{x}
		}},
		{"RBF", func(g *G.ExprGraph, rng *rand.Rand) (*G.Node, []*G.Node) {
			x := randomNode(g, rng, "x", -1.5, 1.5, 3, F6Units)
			codes := G.NewConstant(tensor.New(tensor.WithShape(Classes, F6Units), tensor.WithBacking(RBFCodes())))
			y := G.Must(G.ApplyOp(newRBFOp(Classes, F6Units), x, codes))
			return weightedSum(g, rng, y), []*G.Node{x}
		}},
		{"MAP loss", func(g *G.ExprGraph, rng *rand.Rand) (*G.Node, []*G.Node) {
			// Distances of 0..3, so the competition term matters.
			y := randomNode(g, rng, "y", 0, 3, 4, Classes)
			return G.Must(G.ApplyOp(newLossOp(mapLoss, 0.3), y, oneHotNode(g, 4, 1, 5, 0, 9))), []*G.Node{y}
		}},
		{"softmax cross-entropy", func(g *G.ExprGraph, rng *rand.Rand) (*G.Node, []*G.Node) {
			y := randomNode(g, rng, "y", -3, 3, 4, Classes)
			return G.Must(G.ApplyOp(newLossOp(softmaxLoss, 0), y, oneHotNode(g, 4, 1, 5, 0, 9))), []*G.Node{y}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := G.NewGraph()
			loss, wrt := tc.build(g, rand.New(rand.NewPCG(1, 2)))
			checkGradients(t, g, loss, wrt, 120, 1e-6)
		})
	}
}

// oneHotNode adds a float64 one-hot labels constant for the given labels.
func oneHotNode(g *G.ExprGraph, n int, labels ...int) *G.Node {
	vals := make([]float64, n*Classes)
	for s, l := range labels[:n] {
		vals[s*Classes+l] = 1
	}
	return G.NewConstant(tensor.New(tensor.WithShape(n, Classes), tensor.WithBacking(vals)))
}

func TestNetworkGradients(t *testing.T) {
	for _, head := range []Head{RBF, Softmax} {
		t.Run(head.String(), func(t *testing.T) {
			g := G.NewGraph()
			rng := rand.New(rand.NewPCG(3, 4))
			x := randomNode(g, rng, "input", -0.1, 1.175, 3, 1, 32, 32)
			net, err := New(x, WithHead(head), WithSeed(7), WithJ(0.5))
			if err != nil {
				t.Fatal(err)
			}
			loss, err := net.Loss(oneHotNode(g, 3, 2, 7, 4))
			if err != nil {
				t.Fatal(err)
			}
			checkGradients(t, g, loss, net.Learnables(), 40, 1e-6)
		})
	}
}

// WithInputGradient makes the loss differentiable with respect to the
// input image, and the gradient agrees with finite differences.
func TestInputGradient(t *testing.T) {
	g := G.NewGraph()
	rng := rand.New(rand.NewPCG(8, 9))
	x := randomNode(g, rng, "input", -0.1, 1.175, 2, 1, 32, 32)
	net, err := New(x, WithHead(Softmax), WithSeed(3), WithInputGradient())
	if err != nil {
		t.Fatal(err)
	}
	loss, err := net.Loss(oneHotNode(g, 2, 4, 1))
	if err != nil {
		t.Fatal(err)
	}
	checkGradients(t, g, loss, []*G.Node{x}, 60, 1e-6)
}
