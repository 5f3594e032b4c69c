package data

import (
	"encoding/binary"
	"math"
	"os"
	"testing"

	"github.com/nlpodyssey/safetensors"
)

// goldenBatch reads the spec's golden input batch: the first 8 MNIST test
// images preprocessed in float64 by an independent implementation.
func goldenBatch(t *testing.T) (input []float64, labels []int64) {
	t.Helper()
	b, err := os.ReadFile("testdata/golden-batch.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	st, err := safetensors.Deserialize(b)
	if err != nil {
		t.Fatal(err)
	}
	in, ok1 := st.Tensor("input")
	lab, ok2 := st.Tensor("labels")
	if !ok1 || !ok2 || in.DType() != safetensors.F64 || lab.DType() != safetensors.I64 {
		t.Fatal("golden batch lacks input F64 or labels I64")
	}
	for i := 0; i < len(in.Data()); i += 8 {
		input = append(input, math.Float64frombits(binary.LittleEndian.Uint64(in.Data()[i:])))
	}
	for i := 0; i < len(lab.Data()); i += 8 {
		labels = append(labels, int64(binary.LittleEndian.Uint64(lab.Data()[i:])))
	}
	return input, labels
}

func TestPreprocessMatchesGolden(t *testing.T) {
	m := realMNIST(t)
	want, labels := goldenBatch(t)
	if len(want) != 8*InputSize || len(labels) != 8 {
		t.Fatalf("golden batch holds %d values and %d labels", len(want), len(labels))
	}
	got32 := make([]float32, InputSize)
	got64 := make([]float64, InputSize)
	for n := range 8 {
		if int64(m.Test.Label(n)) != labels[n] {
			t.Errorf("test image %d has label %d, golden %d", n, m.Test.Label(n), labels[n])
		}
		Preprocess(got32, m.Test.Image(n))
		Preprocess64(got64, m.Test.Image(n))
		for i, w := range want[n*InputSize : (n+1)*InputSize] {
			if got64[i] != w {
				t.Fatalf("image %d value %d: float64 %v, golden %v", n, i, got64[i], w)
			}
			if got32[i] != float32(w) {
				t.Fatalf("image %d value %d: float32 %v, golden rounded %v", n, i, got32[i], float32(w))
			}
		}
	}
}

func TestPixelValueEnds(t *testing.T) {
	tests := []struct {
		p    uint8
		want float64
	}{{0, -0.1}, {255, 1.175}}
	for _, tc := range tests {
		if got := PixelValue(tc.p); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("PixelValue(%d) = %v, want %v", tc.p, got, tc.want)
		}
	}
	// The padding is exactly the background value.
	dst := make([]float32, InputSize)
	raw := make([]uint8, ImageSize)
	for i := range raw {
		raw[i] = 255
	}
	Preprocess(dst, raw)
	for r := range InputSide {
		for c := range InputSide {
			inside := r >= Pad && r < Pad+Side && c >= Pad && c < Pad+Side
			want := float32(Background)
			if inside {
				want = float32(Ink)
			}
			if dst[r*InputSide+c] != want {
				t.Fatalf("input (%d,%d) = %v, want %v", r, c, dst[r*InputSide+c], want)
			}
		}
	}
}
