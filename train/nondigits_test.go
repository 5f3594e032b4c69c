package train

import (
	"slices"
	"testing"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/internal/synth"
)

// An epoch with -nondigits holds, after the digits and their copies, the
// fraction's non-digits, labelled Rubbish, made by synth from the
// training digits only (not the validation split's) with the epoch's
// seed: other ones every epoch, the same ones when asked again.
func TestNonDigitsOfAnEpoch(t *testing.T) {
	cfg := smallConfig("rbf", "sdlm", 0.0001)
	cfg.TrainLimit, cfg.Validation, cfg.Distort, cfg.NonDigits = 200, 40, 1, 0.5
	tr, err := New(cfg, realMNIST(t), "")
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	entries, extra, err := tr.epochEntries(0)
	if err != nil {
		t.Fatal(err)
	}
	digits := 160 * 2
	if len(entries) != digits+160 || extra.Len() != 160 {
		t.Fatalf("%d entries and %d non-digits, want %d and 160", len(entries), extra.Len(), digits+160)
	}
	if want := data.ExtraEntries(realMNIST(t).Train.Len(), 1, 160); !slices.Equal(entries[digits:], want) {
		t.Errorf("non-digit entries %v..., want %v...", entries[digits:digits+3], want[:3])
	}
	for i := range extra.Len() {
		if extra.Label(i) != data.Rubbish {
			t.Fatalf("non-digit %d has label %d", i, extra.Label(i))
		}
	}
	src, err := synth.Digits(realMNIST(t).Train, tr.trainIdx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := synth.NonDigits(src, 160, NonDigitSeed(cfg.Seed, 0))
	if err != nil {
		t.Fatal(err)
	}
	for i, nd := range want {
		if !slices.Equal(extra.Image(i), nd.Pixels) {
			t.Fatalf("non-digit %d is not synth's from the training digits", i)
		}
	}
	// With the validation digits among the sources, pieces and pairs differ.
	all, _ := synth.Digits(realMNIST(t).Train, data.Range(200))
	other, _ := synth.NonDigits(all, 160, NonDigitSeed(cfg.Seed, 0))
	if slices.Equal(other[0].Pixels, extra.Image(0)) && slices.Equal(other[1].Pixels, extra.Image(1)) {
		t.Error("the pieces and pairs do not depend on the source digits")
	}
	again, _, _ := tr.epochEntries(0)
	if !slices.Equal(again, entries) {
		t.Error("epoch 0 asked twice gave other entries")
	}
	_, next, err := tr.epochEntries(1)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(next.Images, extra.Images) {
		t.Error("epoch 1 has epoch 0's non-digits")
	}
	if NonDigitSeed(1, 0) == NonDigitSeed(1, 1) || NonDigitSeed(1, 0) == NonDigitSeed(2, 0) {
		t.Error("NonDigitSeed repeats")
	}
	// Without -nondigits, the entries are the digits' alone.
	cfg.NonDigits = 0
	plain, err := New(cfg, realMNIST(t), "")
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if e, x, _ := plain.epochEntries(0); len(e) != digits || x != nil {
		t.Errorf("without non-digits: %d entries, extra %v", len(e), x)
	}
}
