package data

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestShuffledIsDeterministicPermutation(t *testing.T) {
	base := Range(1000)
	a := Shuffled(base, 42, 3)
	b := Shuffled(base, 42, 3)
	if !slices.Equal(a, b) {
		t.Fatal("same seed and epoch gave different orders")
	}
	if slices.Equal(a, base) {
		t.Fatal("order not shuffled")
	}
	for _, other := range [][]int{Shuffled(base, 43, 3), Shuffled(base, 42, 4)} {
		if slices.Equal(a, other) {
			t.Fatal("a different seed or epoch gave the same order")
		}
	}
	sorted := slices.Clone(a)
	slices.Sort(sorted)
	if !slices.Equal(sorted, base) {
		t.Fatal("not a permutation")
	}
	if !slices.Equal(base, Range(1000)) {
		t.Fatal("Shuffled changed its argument")
	}
}

// The order for a seed is part of the contract (runs resumed on another
// machine or Go release must see the same order): pin one.
func TestShuffledIsStableAcrossReleases(t *testing.T) {
	got := Shuffled(Range(10), 1, 0)
	want := []int{7, 6, 1, 3, 2, 4, 8, 9, 0, 5}
	if !slices.Equal(got, want) {
		t.Fatalf("Shuffled(Range(10), 1, 0) = %v, want %v", got, want)
	}
}

func TestBoundedUint64IsUniform(t *testing.T) {
	// 3 does not divide 2^64, so a biased method would show up as an excess
	// of small values over many draws; chi-square with 2 degrees of freedom.
	counts := make([]float64, 3)
	rng := newTestPCG()
	const draws = 300000
	for range draws {
		counts[boundedUint64(rng, 3)]++
	}
	chi2 := 0.0
	for _, c := range counts {
		d := c - draws/3.0
		chi2 += d * d / (draws / 3.0)
	}
	if chi2 > 13.8 { // p = 0.001
		t.Fatalf("counts %v, chi-square %.1f", counts, chi2)
	}
}

func TestSplitValidation(t *testing.T) {
	train, val, err := SplitValidation(1000, 100, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(train) != 900 || len(val) != 100 {
		t.Fatalf("split %d/%d, want 900/100", len(train), len(val))
	}
	all := append(slices.Clone(train), val...)
	slices.Sort(all)
	if !slices.Equal(all, Range(1000)) {
		t.Fatal("split is not a partition of the set")
	}
	if !slices.IsSorted(train) || !slices.IsSorted(val) {
		t.Fatal("split lists are not sorted")
	}
	_, val2, _ := SplitValidation(1000, 100, 7)
	_, val3, _ := SplitValidation(1000, 100, 8)
	if !slices.Equal(val, val2) || slices.Equal(val, val3) {
		t.Fatal("split does not follow the seed")
	}
	if slices.Equal(val, Range(100)) {
		t.Fatal("validation is the first 100 images, not a random choice")
	}
	for _, count := range []int{-1, 1000} {
		if _, _, err := SplitValidation(1000, count, 7); err == nil {
			t.Errorf("count %d gave no error", count)
		}
	}
}

func TestBatchesCoverEverythingWithPartialLast(t *testing.T) {
	m := realMNIST(t)
	tests := []struct {
		name     string
		size     int
		order    []int
		batches  int
		lastSize int
	}{
		{"test set by 32", 32, Range(TestCount), 313, 16},
		{"test set by 1000", 1000, Range(TestCount), 10, 1000},
		{"shuffled by 7", 7, Shuffled(Range(50), 9, 0), 8, 1},
		{"one image", 1, []int{5}, 1, 1},
		{"empty", 4, nil, 0, 0},
	}
	want := make([]float32, InputSize)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it, err := NewBatches(m.Test, tc.order, tc.size)
			if err != nil {
				t.Fatal(err)
			}
			if it.Len() != tc.batches {
				t.Fatalf("Len() = %d, want %d", it.Len(), tc.batches)
			}
			var seen []int
			count, last := 0, 0
			for b := it.Next(); b != nil; b = it.Next() {
				count++
				last = b.N()
				if len(b.Inputs) != b.N()*InputSize || len(b.Indices) != b.N() {
					t.Fatalf("batch %d: %d inputs, %d indices for %d images", count, len(b.Inputs), len(b.Indices), b.N())
				}
				for k, i := range b.Indices {
					if b.Labels[k] != m.Test.Label(i) {
						t.Fatalf("batch %d image %d: label %d, want %d", count, k, b.Labels[k], m.Test.Label(i))
					}
					Preprocess(want, m.Test.Image(i))
					if !slices.Equal(b.Inputs[k*InputSize:(k+1)*InputSize], want) {
						t.Fatalf("batch %d image %d: inputs differ from Preprocess", count, k)
					}
				}
				seen = append(seen, b.Indices...)
			}
			if count != tc.batches || last != tc.lastSize {
				t.Fatalf("%d batches, last of %d; want %d, last of %d", count, last, tc.batches, tc.lastSize)
			}
			if !slices.Equal(seen, tc.order) && !(len(seen) == 0 && len(tc.order) == 0) {
				t.Fatal("batches did not follow the order")
			}
			it.Reset()
			if tc.batches > 0 && it.Next() == nil {
				t.Fatal("Reset did not restart the walk")
			}
		})
	}
}

func TestBatchTensorAndOneHot(t *testing.T) {
	m := realMNIST(t)
	it, err := NewBatches(m.Test, Range(5), 5)
	if err != nil {
		t.Fatal(err)
	}
	b := it.Next()
	x := b.Tensor()
	if !slices.Equal([]int(x.Shape()), []int{5, 1, InputSide, InputSide}) {
		t.Fatalf("tensor shape %v", x.Shape())
	}
	if &x.Data().([]float32)[0] != &b.Inputs[0] {
		t.Fatal("tensor copies the inputs instead of sharing them")
	}
	y := b.OneHot()
	if !slices.Equal([]int(y.Shape()), []int{5, Classes}) {
		t.Fatalf("one-hot shape %v", y.Shape())
	}
	oh := y.Data().([]float32)
	for k, l := range b.Labels {
		for c := range Classes {
			want := float32(0)
			if c == l {
				want = 1
			}
			if oh[k*Classes+c] != want {
				t.Fatalf("one-hot[%d][%d] = %v for label %d", k, c, oh[k*Classes+c], l)
			}
		}
	}
}

func TestNewBatchesRejectsBadArguments(t *testing.T) {
	m := realMNIST(t)
	tests := []struct {
		name  string
		order []int
		size  int
	}{
		{"zero size", Range(3), 0},
		{"negative index", []int{-1}, 2},
		{"index past the end", []int{TestCount}, 2},
	}
	for _, tc := range tests {
		if _, err := NewBatches(m.Test, tc.order, tc.size); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// newTestPCG returns a fixed generator for tests of the sampling method.
func newTestPCG() *rand.PCG { return rand.NewPCG(1, 2) }

// Distorted.Extra: entries after the copies are the extra set's images,
// undistorted, with their labels; OneHotRubbish puts Rubbish last and
// OneHot leaves its row empty.
func TestDistortedBatchesWithExtra(t *testing.T) {
	m := realMNIST(t)
	set, err := m.Test.Slice(0, 4)
	if err != nil {
		t.Fatal(err)
	}
	extra := &Set{Images: make([]uint8, 2*ImageSize), Labels: []uint8{Rubbish, Rubbish}}
	for i := range extra.Images {
		extra.Images[i] = uint8(i * 7)
	}
	d := Distorted{Copies: 1, Ranges: DefaultDistortRanges, Seed: 3, Epoch: 1, Extra: extra}
	entries := append(WithCopies(Range(4), 4, 1), ExtraEntries(4, 1, 2)...)
	if want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}; !slices.Equal(entries, want) {
		t.Fatalf("entries %v, want %v", entries, want)
	}
	order := []int{8, 2, 9, 5}
	it, err := NewDistortedBatches(set, order, 4, d)
	if err != nil {
		t.Fatal(err)
	}
	b := it.Next()
	if want := []int{Rubbish, set.Label(2), Rubbish, set.Label(1)}; !slices.Equal(b.Labels, want) {
		t.Errorf("labels %v, want %v", b.Labels, want)
	}
	want := make([]float32, InputSize)
	Preprocess(want, extra.Image(1))
	if !slices.Equal(b.Inputs[2*InputSize:3*InputSize], want) {
		t.Error("extra image 1 is not its preprocessed pixels")
	}
	oh := b.OneHotRubbish()
	if !slices.Equal([]int(oh.Shape()), []int{4, Classes + 1}) {
		t.Fatalf("OneHotRubbish shape %v", oh.Shape())
	}
	v := oh.Data().([]float32)
	if v[Classes] != 1 || v[(Classes+1)+set.Label(2)] != 1 || v[(Classes+1)+Classes] != 0 {
		t.Errorf("OneHotRubbish rows 0 and 1: %v", v[:2*(Classes+1)])
	}
	plain := b.OneHot().Data().([]float32)
	for c := range Classes {
		if plain[c] != 0 {
			t.Errorf("OneHot of a Rubbish label has a 1 in column %d", c)
		}
	}
	if _, err := NewDistortedBatches(set, []int{10}, 1, d); err == nil {
		t.Error("entry past the extra images: no error")
	}
	d.Extra = nil
	if _, err := NewDistortedBatches(set, []int{8}, 1, d); err == nil {
		t.Error("extra entry without an extra set: no error")
	}
}

// Batches in a format hold that format's inputs, plain and distorted, with
// the labels of their images; Tensor is N x 1 x Side x Side.
func TestBatchesInFormats(t *testing.T) {
	m := realMNIST(t)
	set, err := m.Test.Slice(0, 30)
	if err != nil {
		t.Fatal(err)
	}
	const copies = 1
	d := Distorted{Copies: copies, Ranges: DefaultDistortRanges, Seed: 5, Epoch: 2}
	order := Shuffled(WithCopies(Range(30), 30, copies), 5, 2)
	tests := []struct {
		name      string
		f         InputFormat
		distorted bool
	}{
		{"LeNet-5", LeNet5Format, false},
		{"MNIST", MNISTFormat, false},
		{"LeNet-1", LeNet1Format, false},
		{"LeNet-5 distorted", LeNet5Format, true},
		{"MNIST distorted", MNISTFormat, true},
		{"LeNet-1 distorted", LeNet1Format, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			var it, twin *Batches
			var err error
			if tc.distorted {
				it, err = NewDistortedBatchesFormat(set, order, 16, d, f)
				if err == nil && f == LeNet5Format {
					twin, err = NewDistortedBatches(set, order, 16, d)
				}
			} else {
				it, err = NewBatchesFormat(set, Range(30), 16, f)
				if err == nil && f == LeNet5Format {
					twin, err = NewBatches(set, Range(30), 16)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			if it.Format() != f {
				t.Fatalf("Batches.Format() = %v, want %v", it.Format(), f)
			}
			want := make([]float32, f.Size())
			images := 0
			for b := it.Next(); b != nil; b = it.Next() {
				if b.Format() != f {
					t.Fatalf("Batch.Format() = %v, want %v", b.Format(), f)
				}
				x := b.Tensor()
				if !slices.Equal([]int(x.Shape()), []int{b.N(), 1, f.Side, f.Side}) || len(b.Inputs) != b.N()*f.Size() {
					t.Fatalf("tensor shape %v holding %d values for %d images", x.Shape(), len(b.Inputs), b.N())
				}
				if &x.Data().([]float32)[0] != &b.Inputs[0] {
					t.Fatal("tensor copies the inputs instead of sharing them")
				}
				for k, v := range b.Indices {
					i, copyNo := v%30, v/30
					if b.Labels[k] != set.Label(i) {
						t.Fatalf("entry %d: label %d, want %d", v, b.Labels[k], set.Label(i))
					}
					if copyNo == 0 {
						f.Preprocess(want, set.Image(i))
					} else {
						d.copyOf(v).ApplyFormat(f, want, set.Image(i))
					}
					if !slices.Equal(b.Inputs[k*f.Size():(k+1)*f.Size()], want) {
						t.Fatalf("entry %d: inputs differ from the format's (copy %d)", v, copyNo)
					}
					images++
				}
				if twin != nil && !slices.Equal(twin.Next().Inputs, b.Inputs) {
					t.Fatal("LeNet5Format's batches differ from the default batches")
				}
			}
			wantN := 30
			if tc.distorted {
				wantN *= 1 + copies
			}
			if images != wantN {
				t.Fatalf("%d images, want %d", images, wantN)
			}
		})
	}
	if _, err := NewBatchesFormat(set, Range(3), 2, InputFormat{Side: 28, Digit: 30}); err == nil {
		t.Error("an invalid format was accepted")
	}
	if _, err := NewDistortedBatchesFormat(set, Range(3), 2, d, InputFormat{}); err == nil {
		t.Error("an invalid format was accepted for distorted batches")
	}
	if got := (&Batch{}).Format(); got != LeNet5Format {
		t.Errorf("a zero Batch's format is %v, want LeNet5Format", got)
	}
}
