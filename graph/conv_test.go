package graph

import (
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The masked convolution must equal Gorgonia's own Conv2d run on the dense
// 16x6x5x5 weights with the unconnected slices zeroed (plus the bias):
// forward, input gradient, and the weight gradient on every connected pair.
func TestMaskedConvMatchesGorgoniaConv2d(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	g := G.NewGraph()
	x := randomNode(g, rng, "x", -1, 1, 3, 6, 14, 14)
	packed := randomNode(g, rng, "w", -0.3, 0.3, C3Table.Pairs(), 5, 5)
	b := randomNode(g, rng, "b", -1, 1, 16)
	denseVals := c3Dense(packed.Value().Data().([]float64))
	denseW := G.NewTensor(g, tensor.Float64, 4, G.WithShape(16, 6, 5, 5), G.WithName("wDense"),
		G.WithValue(tensor.New(tensor.WithShape(16, 6, 5, 5), tensor.WithBacking(denseVals))))
	// Ours.
	ours := G.Must(G.ApplyOp(newMaskedConvOp(C3Table, 5, 5, 3, true, 2), x, packed, b))
	// Gorgonia's: Conv2d, then the bias broadcast over N, H, W.
	conv := G.Must(G.Conv2d(x, denseW, tensor.Shape{5, 5}, []int{0, 0}, []int{1, 1}, []int{1, 1}))
	theirs := G.Must(G.BroadcastAdd(conv, G.Must(G.Reshape(b, tensor.Shape{1, 16, 1, 1})), nil, []byte{0, 2, 3}))
	// One upstream gradient R for both, through sum(y * R).
	r := randomNode(g, rng, "R", -1, 1, 3, 16, 10, 10)
	lossOurs := G.Must(G.Sum(G.Must(G.HadamardProd(ours, r))))
	lossTheirs := G.Must(G.Sum(G.Must(G.HadamardProd(theirs, r))))
	gradsOurs, err := G.Grad(lossOurs, x, packed)
	if err != nil {
		t.Fatal(err)
	}
	gradsTheirs, err := G.Grad(lossTheirs, x, denseW)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	get := func(n *G.Node) []float64 { return n.Value().Data().([]float64) }
	if e := scaledErr(get(ours), get(theirs)); e > 1e-12 {
		t.Errorf("forward differs from Conv2d: error %.3g", e)
	}
	if e := scaledErr(get(gradsOurs[0]), get(gradsTheirs[0])); e > 1e-12 {
		t.Errorf("input gradient differs from Conv2d's: error %.3g", e)
	}
	// Conv2d's weight gradient is dense; compare it on the 60 connected pairs.
	denseGrad := get(gradsTheirs[1])
	connected, err := c3Packed(maskUnconnected(denseGrad))
	if err != nil {
		t.Fatal(err)
	}
	if e := scaledErr(get(gradsOurs[1]), connected); e > 1e-12 {
		t.Errorf("weight gradient differs from Conv2d's on the connected pairs: error %.3g", e)
	}
}

// maskUnconnected zeroes the unconnected C3 pairs of a dense 16x6x5x5 tensor.
func maskUnconnected(dense []float64) []float64 {
	out := append([]float64(nil), dense...)
	for o := range 16 {
		for i := range 6 {
			if !C3Table.Connected(o, i) {
				clear(out[(o*6+i)*25 : (o*6+i+1)*25])
			}
		}
	}
	return out
}

// c3Dense unpacks C3's 60 kernels into 16 x 6 x 5 x 5, as Weights does.
func c3Dense(packed []float64) []float64 { return denseKernels(C3Table, 25, packed) }

// c3Packed packs a dense C3 weight, as SetWeights does.
func c3Packed(dense []float64) ([]float64, error) {
	return packKernels("c3.weight", C3Table, 25, dense)
}
