package train

import (
	"slices"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/internal/synth"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
	"github.com/lenet5-go/lenet5/read"
)

// StringPieces cuts written numbers into pieces labelled with their digit
// or the rubbish class, the same for any number of workers; the shipped
// model reads most digit pieces as their label and finds the rubbish ones
// far from every digit.
func TestStringPieces(t *testing.T) {
	src, err := synth.Digits(realMNIST(t).Train, data.Range(2000))
	if err != nil {
		t.Fatal(err)
	}
	const n = 1500
	one, err := StringPieces(src, n, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	two, err := StringPieces(src, n, 5, 2)
	if err != nil {
		t.Fatal(err)
	}
	if one.Len() != n || !slices.Equal(one.Images, two.Images) || !slices.Equal(one.Labels, two.Labels) {
		t.Fatalf("%d pieces with one worker, %d with two, or not the same", one.Len(), two.Len())
	}
	other, err := StringPieces(src, n, 6, 2)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(other.Images, one.Images) {
		t.Error("another seed gave the same pieces")
	}
	m, err := models.Default()
	if err != nil {
		t.Fatal(err)
	}
	s, err := read.NewModelScorer(m)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pieces := make([][]uint8, n)
	for i := range pieces {
		pieces[i] = one.Image(i)
	}
	scores, err := s.Score(pieces)
	if err != nil {
		t.Fatal(err)
	}
	var digits, right, rubbish, farRubbish int
	for i, sc := range scores {
		best := 0
		for d := range sc.Cost {
			if sc.Cost[d] < sc.Cost[best] {
				best = d
			}
		}
		if one.Label(i) == data.Rubbish {
			rubbish++
			if sc.Cost[best] > 1 {
				farRubbish++
			}
			continue
		}
		digits++
		if best == int(one.Label(i)) {
			right++
		}
	}
	t.Logf("%d digit pieces, %d read right by the shipped model; %d rubbish pieces, %d with every distance above 1", digits, right, rubbish, farRubbish)
	if share := float64(rubbish) / n; share < 0.2 || share > 0.6 {
		t.Errorf("%.0f%% of the pieces are rubbish, want 20-60%% (as many as digits of each number at most)", 100*share)
	}
	if float64(right) < 0.85*float64(digits) {
		t.Errorf("the shipped model reads %d of %d digit pieces as their label, want at least 85%%: the labels do not match the pieces", right, digits)
	}
	if float64(farRubbish) < 0.5*float64(rubbish) {
		t.Errorf("only %d of %d rubbish pieces are farther than 1 from every digit: they look like digits", farRubbish, rubbish)
	}
}

// An epoch with -string-pieces holds the pieces after the digits (and
// the non-digits), from the training digits with the epoch's seed, and
// the model file says how they were made.
func TestStringPiecesOfAnEpoch(t *testing.T) {
	cfg := smallConfig("rbf", "sdlm", 0.0001)
	cfg.TrainLimit, cfg.Validation, cfg.Distort, cfg.NonDigits, cfg.StringPieces = 200, 40, 1, 0.25, 0.5
	cfg.Epochs = 1
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
	if len(entries) != digits+80+160 || extra.Len() != 80+160 {
		t.Fatalf("%d entries and %d extra patterns, want %d and 240", len(entries), extra.Len(), digits+240)
	}
	src, _ := synth.Digits(realMNIST(t).Train, tr.trainIdx)
	want, err := StringPieces(src, 160, StringPieceSeed(cfg.Seed, 0), 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(extra.Images[80*data.ImageSize:], want.Images) || !slices.Equal(extra.Labels[80:], want.Labels) {
		t.Error("the epoch's pieces are not StringPieces' of the training digits")
	}
	if StringPieceSeed(1, 0) == NonDigitSeed(1, 0) || StringPieceSeed(1, 0) == StringPieceSeed(1, 1) {
		t.Error("StringPieceSeed repeats a seed")
	}
	if err := tr.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	meta := tr.Model(nil).Meta
	if meta[modelfile.KeyStringPieces] != "0.5" || !strings.Contains(meta[modelfile.KeyStringPiecesGenerator], "Strings v") ||
		meta[modelfile.KeyStringPiecesSeeds] == "" {
		t.Errorf("metadata %q %q %q", meta[modelfile.KeyStringPieces], meta[modelfile.KeyStringPiecesGenerator], meta[modelfile.KeyStringPiecesSeeds])
	}
}

func TestStringPiecesConfig(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"negative", func(c *Config) { c.StringPieces = -1 }, "-string-pieces -1"},
		{"too many", func(c *Config) { c.StringPieces = 11 }, "between 0 and 10"},
		{"softmax", func(c *Config) { c.StringPieces, c.Head = 0.5, "softmax" }, "RBF head"},
		{"mlp", func(c *Config) { c.StringPieces, c.Net = 0.5, "mlp-300-10" }, "LeNet-5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.change(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want an error with %q", err, tc.want)
			}
		})
	}
}
