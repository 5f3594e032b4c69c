package train

import (
	"slices"
	"strconv"
	"testing"

	"github.com/lenet5-go/lenet5/modelfile"
)

// A small boosting run on real MNIST: net 2's set is half what net 1 gets
// wrong, half what it gets right; the committee holds three LeNet-4s, its
// threshold is one of those tried, and it runs between one and three
// networks per image.
func TestBoostSmall(t *testing.T) {
	cfg := BoostConfig{Config: DefaultConfig(), Pool: 3, Patterns: 400}
	cfg.Net, cfg.Epochs, cfg.TrainLimit, cfg.TestLimit, cfg.Validation = "lenet4", 1, 2000, 500, 400
	var seen []int
	m, rep, err := Boost(t.Context(), cfg, realMNIST(t), func(k int, _ *Trainer) { seen = append(seen, k) })
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []int{0, 1, 2}) {
		t.Errorf("members trained: %v", seen)
	}
	if rep.Wrong == 0 || rep.Kept[0] != 2*rep.Wrong {
		t.Errorf("net 2's set: %d patterns, %d that net 1 gets wrong; want half", rep.Kept[0], rep.Wrong)
	}
	if rep.Kept[1] < 2*cfg.Batch || rep.Kept[1] > cfg.Patterns || rep.Drawn[1] < rep.Kept[1] {
		t.Errorf("net 3's set: kept %d of %d drawn", rep.Kept[1], rep.Drawn[1])
	}
	if !slices.Contains(boostConfidences, rep.Confidence) {
		t.Errorf("confidence %v is none of those tried", rep.Confidence)
	}
	members, err := m.Members()
	if err != nil || len(members) != modelfile.BoostedMembers || m.Net != "boosted-lenet4" {
		t.Fatalf("committee %s with %d members: %v", m.Net, len(members), err)
	}
	cost, err := strconv.ParseFloat(m.Meta[modelfile.KeyBoostCost], 64)
	if err != nil || cost < 1 || cost > 3 {
		t.Errorf("networks per test image %q", m.Meta[modelfile.KeyBoostCost])
	}
	if m.Meta[modelfile.KeyTestImages] != "500" {
		t.Errorf("test images %q", m.Meta[modelfile.KeyTestImages])
	}
	// Without a validation split there is nothing to choose the threshold on.
	cfg.Validation = 0
	if _, _, err := Boost(t.Context(), cfg, realMNIST(t), nil); err == nil {
		t.Error("boosting without -validation ran")
	}
}
