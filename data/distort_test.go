package data

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The zero distortion is the identity: exactly Preprocess's input.
func TestZeroDistortionIsIdentity(t *testing.T) {
	m := realMNIST(t)
	want, got := make([]float32, InputSize), make([]float32, InputSize)
	for i := range 20 {
		Preprocess(want, m.Test.Image(i))
		Distortion{}.Apply(got, m.Test.Image(i))
		if !slices.Equal(got, want) {
			t.Fatalf("image %d: zero distortion changed the input", i)
		}
		// And the general resampling path agrees at a vanishing distortion.
		Distortion{DX: 1e-12}.Apply(got, m.Test.Image(i))
		for k := range got {
			if math.Abs(float64(got[k]-want[k])) > 1e-6 {
				t.Fatalf("image %d: resampling at zero shift differs at %d: %v vs %v", i, k, got[k], want[k])
			}
		}
	}
}

// A whole-pixel shift moves the image by exactly that much.
func TestDistortionShift(t *testing.T) {
	m := realMNIST(t)
	base, moved := make([]float32, InputSize), make([]float32, InputSize)
	Preprocess(base, m.Test.Image(0))
	Distortion{DX: 2, DY: -1}.Apply(moved, m.Test.Image(0))
	for r := range InputSide {
		for c := range InputSide {
			want := float32(Background)
			if sr, sc := r+1, c-2; sr >= 0 && sr < InputSide && sc >= 0 && sc < InputSide {
				want = base[sr*InputSide+sc]
			}
			if d := math.Abs(float64(moved[r*InputSide+c] - want)); d > 1e-6 {
				t.Fatalf("(%d,%d): %v, want %v", r, c, moved[r*InputSide+c], want)
			}
		}
	}
}

// Random distortions stay within their ranges, use most of them, and keep
// the ink inside the input with its total nearly unchanged by the shift
// and shear (which preserve area).
func TestRandomDistortionsStayInRange(t *testing.T) {
	r := DefaultDistortRanges
	rng := rand.New(rand.NewPCG(1, 2))
	var maxSeen Distortion
	for range 10000 {
		d := r.Random(rng)
		if !r.Within(d) {
			t.Fatalf("%+v outside %+v", d, r)
		}
		maxSeen.DX = math.Max(maxSeen.DX, math.Abs(d.DX))
		maxSeen.Scale = math.Max(maxSeen.Scale, math.Abs(d.Scale))
		maxSeen.Squeeze = math.Max(maxSeen.Squeeze, math.Abs(d.Squeeze))
		maxSeen.Shear = math.Max(maxSeen.Shear, math.Abs(d.Shear))
	}
	if maxSeen.DX < 0.99*r.Shift || maxSeen.Scale < 0.99*r.Scale || maxSeen.Squeeze < 0.99*r.Squeeze || maxSeen.Shear < 0.99*r.Shear {
		t.Errorf("draws do not cover the ranges: largest %+v", maxSeen)
	}
	m := realMNIST(t)
	in := make([]float32, InputSize)
	ink := func(x []float32) (total float64) {
		for _, v := range x {
			total += float64(v) - Background
		}
		return total
	}
	base := make([]float32, InputSize)
	for i := range 50 {
		Preprocess(base, m.Test.Image(i))
		d := Distortion{DX: 1.5, DY: -1.5, Shear: r.Shear}
		d.Apply(in, m.Test.Image(i))
		if ratio := ink(in) / ink(base); math.Abs(ratio-1) > 0.03 {
			t.Errorf("image %d: shift and shear changed the ink by %.1f%%", i, 100*(ratio-1))
		}
	}
}

func TestDistortedBatchesAreDeterministic(t *testing.T) {
	m := realMNIST(t)
	set, _ := m.Train.Slice(0, 40)
	order := Shuffled(WithCopies(Range(40), 40, 2), 3, 1)
	d := Distorted{Copies: 2, Ranges: DefaultDistortRanges, Seed: 3, Epoch: 1}
	walk := func(d Distorted) [][]float32 {
		it, err := NewDistortedBatches(set, order, 16, d)
		if err != nil {
			t.Fatal(err)
		}
		var out [][]float32
		for b := it.Next(); b != nil; b = it.Next() {
			for k := range b.N() {
				out = append(out, slices.Clone(b.Inputs[k*InputSize:(k+1)*InputSize]))
			}
		}
		return out
	}
	a, b := walk(d), walk(d)
	if len(a) != 120 {
		t.Fatalf("%d images, want 120 (40 and 2 copies each)", len(a))
	}
	for k := range a {
		if !slices.Equal(a[k], b[k]) {
			t.Fatal("the same walk gave different distortions")
		}
	}
	d.Epoch = 2
	c := walk(d)
	want := make([]float32, InputSize)
	same, originals := 0, 0
	for k, v := range order {
		if v < 40 {
			Preprocess(want, set.Image(v))
			if !slices.Equal(a[k], want) || !slices.Equal(c[k], want) {
				t.Fatal("copy 0 is not the original image")
			}
			originals++
		} else if slices.Equal(a[k], c[k]) {
			same++
		}
	}
	if originals != 40 || same > 0 {
		t.Fatalf("%d originals (want 40); %d distorted copies identical across epochs (want 0)", originals, same)
	}
	if _, err := NewDistortedBatches(set, []int{120}, 4, Distorted{Copies: 2, Ranges: DefaultDistortRanges}); err == nil {
		t.Error("an entry past the last copy was accepted")
	}
}
