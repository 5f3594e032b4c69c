package train

import (
	"slices"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/internal/synth"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
)

// Windows labels the SDNN's windows of written numbers, the same for any
// number of workers: about as many rubbish windows as digit ones, and a
// digit window has ink in its middle column, where its digit is centred.
func TestWindows(t *testing.T) {
	src, err := synth.Digits(realMNIST(t).Train, data.Range(2000))
	if err != nil {
		t.Fatal(err)
	}
	const n = 1500
	one := windowsOfAnyWorkers(t, src, n, "", nil)
	other, err := Windows(src, n, 6, 1, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(other.Images, one.Images) {
		t.Error("another seed gave the same windows")
	}
	checkDigitWindows(t, one, 1)
	seen := map[int]bool{}
	for i := range n {
		seen[one.Label(i)] = true
	}
	if len(seen) != 11 {
		t.Errorf("labels seen: %v, want the ten digits and the rubbish class", seen)
	}
}

// An epoch with Config.Windows adds Windows' patterns of the training
// digits after the non-digits, and the model file records them.
func TestWindowsOfAnEpoch(t *testing.T) {
	cfg := smallConfig("rbf", "sdlm", 0.0001)
	cfg.TrainLimit, cfg.Validation, cfg.Distort, cfg.NonDigits, cfg.Windows = 200, 40, 1, 0.25, 0.5
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
	if len(entries) != 320+80+160 || extra.Len() != 80+160 {
		t.Fatalf("%d entries and %d extra patterns, want 560 and 240", len(entries), extra.Len())
	}
	src, _ := synth.Digits(realMNIST(t).Train, tr.trainIdx)
	want, err := Windows(src, 160, WindowSeed(cfg.Seed, 0), 1, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(extra.Images[80*data.ImageSize:], want.Images) || !slices.Equal(extra.Labels[80:], want.Labels) {
		t.Error("the epoch's windows are not Windows' of the training digits")
	}
	if WindowSeed(1, 0) == StringPieceSeed(1, 0) || WindowSeed(1, 0) == NonDigitSeed(1, 0) || WindowSeed(1, 0) == WindowSeed(1, 1) {
		t.Error("WindowSeed repeats a seed")
	}
	if err := tr.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	meta := tr.Model(nil).Meta
	if meta[modelfile.KeyWindows] != "0.5" || !strings.Contains(meta[modelfile.KeyWindowsGenerator], "read.Windows") ||
		meta[modelfile.KeyWindowsSeeds] == "" {
		t.Errorf("metadata %q %q %q", meta[modelfile.KeyWindows], meta[modelfile.KeyWindowsGenerator], meta[modelfile.KeyWindowsSeeds])
	}
}

// With a spacing, the windows come from numbers written with that spacing
// only: other windows than every spacing's, and touching digits' windows
// show more ink than apart digits' (the neighbours come closer).
func TestWindowsOfOneSpacing(t *testing.T) {
	src, err := synth.Digits(realMNIST(t).Train, data.Range(2000))
	if err != nil {
		t.Fatal(err)
	}
	const n = 600
	all, err := Windows(src, n, 5, 1, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	ink := map[string]int{}
	for _, spacing := range []string{"apart", "touching"} {
		set, err := Windows(src, n, 5, 1, spacing, nil)
		if err != nil {
			t.Fatal(err)
		}
		if set.Len() != n || slices.Equal(set.Images, all.Images) {
			t.Fatalf("%s: %d windows, or the same as every spacing's", spacing, set.Len())
		}
		for _, v := range set.Images {
			ink[spacing] += int(v)
		}
	}
	if ink["touching"] <= ink["apart"] {
		t.Errorf("touching windows hold %d of ink, apart ones %d: want more", ink["touching"], ink["apart"])
	}
	if _, err := Windows(src, n, 5, 1, "sideways", nil); err == nil {
		t.Error("an unknown spacing gave no error")
	}
}

func TestWindowsConfig(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"negative", func(c *Config) { c.Windows = -1 }, "-windows -1"},
		{"too many", func(c *Config) { c.Windows = 11 }, "between 0 and 10"},
		{"softmax", func(c *Config) { c.Windows, c.Head = 0.5, "softmax" }, "RBF head"},
		{"mlp", func(c *Config) { c.Windows, c.Net = 0.5, "mlp-300-10" }, "LeNet-5"},
		{"lenet1", func(c *Config) { c.Windows, c.Net = 0.5, "lenet1" }, "32x32 input"},
		{"spacing without windows", func(c *Config) { c.WindowsSpacing = "touching" }, "needs -windows"},
		{"unknown spacing", func(c *Config) { c.Windows, c.WindowsSpacing = 0.5, "overlapping" }, "want apart, close or touching"},
		{"labels without windows", func(c *Config) { c.WindowsLabels = WindowsAligned }, "needs -windows"},
		{"unknown labels", func(c *Config) { c.Windows, c.WindowsLabels = 0.5, "forced" }, "want centred or aligned"},
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

// The SDNN's window network may be LeNet-5 or its wide variant, with or
// without non-digits: both read 32x32 inputs with the RBF head.
func TestWindowsConfigNets(t *testing.T) {
	for _, net := range []string{"lenet5", "lenet5-wide"} {
		c := DefaultConfig()
		c.Windows, c.NonDigits, c.Net = 0.5, 0.5, net
		if err := c.Validate(); err != nil {
			t.Errorf("-net %s -windows 0.5 -nondigits 0.5: %v", net, err)
		}
	}
	c := DefaultConfig()
	c.NonDigits, c.Net, c.Head = 0.5, "lenet1", "rbf"
	if err := c.Validate(); err == nil {
		t.Error("-net lenet1 -nondigits 0.5: no error")
	} else if !strings.Contains(err.Error(), "lenet1") {
		t.Errorf("-net lenet1 -nondigits 0.5: %v, want it to name lenet1", err)
	}
}

// The validation split follows ValidationSeed when it is set, so that
// runs of different seeds hold out the same images.
func TestValidationSeed(t *testing.T) {
	split := func(seed, valSeed uint64) []int {
		cfg := smallConfig("rbf", "sdlm", 0.0001)
		cfg.TrainLimit, cfg.Validation, cfg.Seed, cfg.ValidationSeed = 200, 40, seed, valSeed
		tr, err := New(cfg, realMNIST(t), "")
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		return tr.valIdx
	}
	if a, b := split(1, 0), split(2, 1); !slices.Equal(a, b) {
		t.Error("seed 2 with validation seed 1 holds out other images than seed 1")
	}
	if a, b := split(1, 0), split(2, 0); slices.Equal(a, b) {
		t.Error("seeds 1 and 2 hold out the same images")
	}
}

// Windows labelled by a network's alignment (WindowsAligned): the same
// for any number of workers, other labels than the centred ones, digits
// for about half, and each digit window over ink.
func TestWindowsAligned(t *testing.T) {
	src, err := synth.Digits(realMNIST(t).Train, data.Range(2000))
	if err != nil {
		t.Fatal(err)
	}
	net, err := models.SDNN()
	if err != nil {
		t.Fatal(err)
	}
	const n = 800
	one := windowsOfAnyWorkers(t, src, n, "touching", net)
	centred, err := Windows(src, n, 5, 1, "touching", nil)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(centred.Images, one.Images) {
		t.Error("the aligned windows are the centred ones")
	}
	checkDigitWindows(t, one, 3)
}

// windowsOfAnyWorkers returns Windows(src, n, 5, 1, spacing, aligner),
// having checked that it has n windows and that two workers make the same.
func windowsOfAnyWorkers(t *testing.T, src []synth.Digit, n int, spacing string, aligner *modelfile.Model) *data.Set {
	t.Helper()
	one, err := Windows(src, n, 5, 1, spacing, aligner)
	if err != nil {
		t.Fatal(err)
	}
	two, err := Windows(src, n, 5, 2, spacing, aligner)
	if err != nil {
		t.Fatal(err)
	}
	if one.Len() != n || !slices.Equal(one.Images, two.Images) || !slices.Equal(one.Labels, two.Labels) {
		t.Fatalf("%d windows with one worker, %d with two, or not the same", one.Len(), two.Len())
	}
	return one
}

// checkDigitWindows checks that about half of the windows of set are
// digits, and that 95% of those have ink within reach columns of their
// middle, where their digit is.
func checkDigitWindows(t *testing.T, set *data.Set, reach int) {
	t.Helper()
	n := set.Len()
	var digits, inked int
	for i := range n {
		if set.Label(i) == data.Rubbish {
			continue
		}
		digits++
		img := set.Image(i)
		for y := 4; y < data.Side-4; y++ {
			row := img[y*data.Side : (y+1)*data.Side]
			if slices.Max(row[data.Side/2-reach:data.Side/2+reach+1]) > 128 {
				inked++
				break
			}
		}
	}
	if digits < n*2/5 || digits > n*3/5 {
		t.Errorf("%d of %d windows are digits, want about half", digits, n)
	}
	if inked < digits*95/100 {
		t.Errorf("%d of %d digit windows have ink in their middle columns", inked, digits)
	}
}
