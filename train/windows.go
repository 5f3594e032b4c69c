package train

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/internal/synth"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/read"
)

// Training the SDNN's network (Config.Windows; LeCun et al. 1998, Section
// VII): written numbers are made from the run's training digits by
// synth.Strings and seen as read.Windows sees them. A window whose centre
// lies within windowDigitReach reference heights of a digit's centre is a
// pattern of that digit, neighbours' ink at its sides and all; one at
// least windowRubbishReach from every digit's centre (between two digits,
// or on a digit's edge) is a pattern of the rubbish class; those in
// between are left out. With WindowsAligned labels, the network as it is
// at the start of the epoch labels every window instead: the least-cost
// labelling of the SDNN's character model that reads the number's true
// digits, each digit's windows over that digit's box (read.AlignFrames;
// the paper's Viterbi training, Section VI.A). Of each number, every
// digit window and as many rubbish ones, chosen at random. Made afresh
// each epoch with seed WindowSeed(seed, epoch); not distorted.

// Bounds and rules of the windows.
const (
	// MaxWindows bounds Config.Windows.
	MaxWindows = 10
	// windowDigitReach is how far from a digit's centre, in reference
	// heights, a window is that digit: read's frame step, so that each
	// digit has two windows (one or three at the edges).
	windowDigitReach = 0.1
	// windowRubbishReach is how far from every digit's centre a window is
	// no digit: half the distance between the centres of touching digits.
	windowRubbishReach = 0.25
)

// The labellings of Config.WindowsLabels.
const (
	// WindowsCentred labels windows by their distance to the digits'
	// centres (the default, "").
	WindowsCentred = "centred"
	// WindowsAligned labels windows by the network's own best path
	// through the true digits.
	WindowsAligned = "aligned"
)

// WindowGenerator names the windows' generator and its version, recorded
// in the model file, for the labelling labels (Config.WindowsLabels).
func WindowGenerator(labels string) string {
	if labels == WindowsAligned {
		return fmt.Sprintf("read.Windows v%d of internal/synth.Strings v%d, labelled by read.AlignFrames with the network at the start of each epoch, digits within their boxes",
			read.WindowsVersion, synth.StringsVersion)
	}
	return fmt.Sprintf("read.Windows v%d of internal/synth.Strings v%d, digit within %g, rubbish from %g reference heights",
		read.WindowsVersion, synth.StringsVersion, windowDigitReach, windowRubbishReach)
}

// WindowSeed returns the seed of epoch's written numbers (epoch counted
// from 0) for a run with the given seed.
func WindowSeed(seed uint64, epoch int) uint64 {
	return NonDigitSeed(seed^0x77696e646f777320, epoch) // "windows "
}

// Windows returns count labelled windows of the written numbers made from
// digits with seed, in the MNIST format; with spacing not "", of the
// numbers written with that spacing only (Config.WindowsSpacing). With
// aligner not nil, that network labels the windows (WindowsAligned).
// workers goroutines cut numbers at once; the result does not depend on
// them.
func Windows(digits []synth.Digit, count int, seed uint64, workers int, spacing string, aligner *modelfile.Model) (*data.Set, error) {
	only, err := windowsSpacing(spacing)
	if err != nil {
		return nil, err
	}
	// With an aligner, one scorer a worker, made once for the whole call
	// (numberPatterns asks for a cutter every round of numbers) and closed
	// at its end: a scorer runs one batch at a time.
	var scorers chan *read.ModelScorer
	if aligner != nil {
		scorers = make(chan *read.ModelScorer, max(workers, 1))
		for range cap(scorers) {
			sc, err := read.NewModelScorer(aligner)
			if err != nil {
				for range len(scorers) {
					(<-scorers).Close()
				}
				return nil, err
			}
			scorers <- sc
		}
		defer func() {
			for range cap(scorers) {
				(<-scorers).Close()
			}
		}()
	}
	return numberPatterns(digits, count, seed, workers, "windows", func() (sampleCutter, error) {
		return func(s synth.Sample, i int) ([]labelledPiece, error) {
			if only != nil && s.Spacing != *only {
				return nil, nil
			}
			if scorers == nil {
				return sampleWindows(s, seed, i, nil)
			}
			sc := <-scorers
			defer func() { scorers <- sc }()
			return sampleWindows(s, seed, i, sc)
		}, nil
	})
}

// windowsLabels checks Config.WindowsLabels.
func windowsLabels(name string) error {
	switch name {
	case "", WindowsCentred, WindowsAligned:
		return nil
	}
	return fmt.Errorf("-windows-labels %q: want %s or %s", name, WindowsCentred, WindowsAligned)
}

// windowsSpacing parses Config.WindowsSpacing: nil for "" (every
// spacing).
func windowsSpacing(name string) (*synth.Spacing, error) {
	if name == "" {
		return nil, nil
	}
	if s, ok := synth.SpacingNamed(name); ok {
		return &s, nil
	}
	return nil, fmt.Errorf("-windows-spacing %q: want apart, close or touching", name)
}

// sampleWindows returns the labelled windows of one written number, the
// i-th of seed's; with scorer not nil, labelled by aligning its scores.
func sampleWindows(s synth.Sample, seed uint64, i int, scorer *read.ModelScorer) ([]labelledPiece, error) {
	f, err := read.Windows(s.Image)
	if errors.Is(err, data.ErrNoDigit) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("number %q: %w", s.Text, err)
	}
	var digits, rubbish []labelledPiece
	if scorer != nil {
		labels, err := alignedLabels(s, f, scorer)
		if err != nil {
			return nil, fmt.Errorf("number %q: %w", s.Text, err)
		}
		if labels != nil {
			for t, l := range labels {
				if l == read.NoneLabel {
					rubbish = append(rubbish, labelledPiece{f.Windows[t], data.Rubbish})
				} else {
					digits = append(digits, labelledPiece{f.Windows[t], uint8(l)})
				}
			}
			return balanced(digits, rubbish, seed, i), nil
		}
	}
	for t, x := range f.X {
		near, which := math.Inf(1), 0
		for d, b := range s.Boxes {
			if v := math.Abs(x - float64(b.Min.X+b.Max.X)/2); v < near {
				near, which = v, d
			}
		}
		switch {
		case near <= windowDigitReach*f.Ref:
			digits = append(digits, labelledPiece{f.Windows[t], s.Text[which] - '0'})
		case near >= windowRubbishReach*f.Ref:
			rubbish = append(rubbish, labelledPiece{f.Windows[t], data.Rubbish})
		}
	}
	return balanced(digits, rubbish, seed, i), nil
}

// balanced returns the digit windows of the i-th number of seed's and as
// many of its rubbish windows (at least one), chosen at random.
func balanced(digits, rubbish []labelledPiece, seed uint64, i int) []labelledPiece {
	rng := rand.New(rand.NewPCG(seed, uint64(i)))
	rng.Shuffle(len(rubbish), func(a, b int) { rubbish[a], rubbish[b] = rubbish[b], rubbish[a] })
	return append(digits, rubbish[:min(len(rubbish), max(len(digits), 1))]...)
}

// alignedLabels labels the windows f of number s by the scorer's best
// path through its true digits, each digit's windows over its box; nil
// when no path does (too few windows over a narrow digit, as a 1 can
// be), and the windows are labelled by their centres instead.
func alignedLabels(s synth.Sample, f *read.Frames, scorer *read.ModelScorer) ([]int, error) {
	scores, err := scorer.Score(f.Windows)
	if err != nil {
		return nil, err
	}
	labels, err := read.AlignFrames(scores, s.Text, func(t, d int) bool {
		b := s.Boxes[d]
		return f.X[t] >= float64(b.Min.X) && f.X[t] <= float64(b.Max.X)
	})
	if errors.Is(err, read.ErrNoAlignment) {
		return nil, nil
	}
	return labels, err
}

// windowMetadata returns the metadata that says which windows the epochs
// so far were trained with.
func (t *Trainer) windowMetadata() map[string]string {
	if t.cfg.Windows == 0 {
		return nil
	}
	return map[string]string{
		modelfile.KeyWindowsGenerator: WindowGenerator(t.cfg.WindowsLabels),
		modelfile.KeyWindowsSeeds:     t.passSeeds(WindowSeed),
	}
}
