package graph

import (
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestInPlaceSquashInference runs the golden batch through an inference
// graph built with and without WithInPlaceSquash, three times each (the
// first run fills Gorgonia's registers; later runs take the
// UsePreallocDo path): the outputs agree to the bit, and only the
// in-place graph's weighted sums hold the squashed values. If Gorgonia's
// compiler stops giving the op its input's register, the in-place graph's
// Pre keeps the weighted sums and this fails.
func TestInPlaceSquashInference(t *testing.T) {
	batch, _ := readGolden(t, "batch.safetensors")
	for _, tc := range []struct {
		dtype tensor.Dtype
		model string
	}{
		{tensor.Float32, "model-rbf-f32.safetensors"},
		{tensor.Float64, "model-rbf.safetensors"},
	} {
		t.Run(tc.dtype.String(), func(t *testing.T) {
			weights, _ := readGolden(t, tc.model)
			run := func(opts ...Option) (out []float64, pre, post [][]float64) {
				g := G.NewGraph()
				x := NewInput(g, tc.dtype, 8)
				net, err := New(x, append([]Option{WithJ(DefaultJ)}, opts...)...)
				if err != nil {
					t.Fatal(err)
				}
				if err := net.SetWeights(weights); err != nil {
					t.Fatal(err)
				}
				mustLet(t, x, batch["input"].Data, tc.dtype)
				vm := G.NewTapeMachine(g)
				defer vm.Close()
				for range 3 {
					vm.Reset()
					if err := vm.RunAll(); err != nil {
						t.Fatal(err)
					}
				}
				for _, l := range net.Layers() {
					if l.Pre != nil {
						pre = append(pre, values(t, l.Pre, false))
						post = append(post, values(t, l.Out, false))
					}
				}
				return values(t, net.Output, false), pre, post
			}
			plainOut, plainPre, plainPost := run()
			inOut, inPre, inPost := run(WithInPlaceSquash())
			if !slices.Equal(plainOut, inOut) {
				t.Fatalf("outputs differ: %v against %v", inOut[:4], plainOut[:4])
			}
			if len(inPre) != 6 {
				t.Fatalf("%d layers with a squashing function, want 6", len(inPre))
			}
			for k := range inPre {
				if !slices.Equal(inPost[k], plainPost[k]) {
					t.Errorf("layer %d: activations differ", k)
				}
				if !slices.Equal(inPre[k], inPost[k]) {
					t.Errorf("layer %d: in place, the weighted sums were not overwritten", k)
				}
				if slices.Equal(plainPre[k], plainPost[k]) {
					t.Errorf("layer %d: without the option, the weighted sums were overwritten", k)
				}
			}
		})
	}
}
