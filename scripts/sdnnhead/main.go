// Command sdnnhead trains the SDNN's context head (read.ContextHead) and
// writes the SDNN's network file with it (issue 22: touching digits).
//
//	go run ./scripts/sdnnhead -out FILE                 # on the shipped SDNN's network
//	go run ./scripts/sdnnhead -model NET -out FILE
//	go run ./scripts/sdnnhead -tune -model NET -out FILE  # NET's C5, F6 and head learn together
//
// The network reads the windows of numbers written from the training
// digits (synth.Split's train part, the digits the network trained on;
// never the validation split's or the test digits) and of non-digits made
// from them (every kind but pairs of digits, whose truth is two digits),
// once; the head then learns, pass after pass, to read each number's
// windows, by the CTC loss over the character model (a non-digit's truth
// is no digit). The pass kept is the one that reads the most validation
// strings of the chosen spacing right (readbench's validation strings:
// numbers of the held-out training digits); then the character model's
// costs are chosen on the same strings, read through read.NewSDNN as the
// reader will read them. The file keeps the network's weights and
// metadata and adds the head (read.KeySDNNContext); its SDNN calibration
// is dropped, since it was fitted to readings without the head: run
// scripts/calibrate on it.
//
// With -tune, the network's layers above S4 (or S2, -tune-from) learn with
// NET's head, from where both are, by the same loss (tune.go); the file
// then also records the network's new error on MNIST's test digits.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	stdimage "image"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	conv "github.com/lenet5-go/lenet5/internal/conv1d"
	"github.com/lenet5-go/lenet5/internal/synth"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
	"github.com/lenet5-go/lenet5/read"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sdnnhead:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// validationSeed is readbench's: the head is chosen on its validation
// strings.
const validationSeed = 22_1998

// options are the command's flags.
type options struct {
	model, out         string
	strings, nonDigits int
	spacing            string
	validation         int
	epochs, hidden     int
	rate, gamma        float64
	seed               uint64
	workers            int
	kernels            []int
	tune               bool
	tuneFrom           string
	netRate            float64
}

func run(args []string, stdout io.Writer) error {
	var o options
	fs := flag.NewFlagSet("sdnnhead", flag.ContinueOnError)
	fs.StringVar(&o.model, "model", "", "the SDNN's network (default: the shipped one, models.SDNN)")
	fs.StringVar(&o.out, "out", "", "write the network with its head to this `FILE` (required)")
	fs.IntVar(&o.strings, "strings", 150_000, "numbers to write from the training digits, a third in each spacing (those of -spacing are kept)")
	fs.StringVar(&o.spacing, "spacing", "touching", "train and choose on the numbers of this spacing: apart, close, touching or all")
	fs.IntVar(&o.nonDigits, "nondigits", 10_000, "non-digits to make from the training digits (pairs of digits left out)")
	fs.IntVar(&o.validation, "validation", 3_000, "readbench's validation strings to choose on (those of -spacing)")
	fs.IntVar(&o.epochs, "epochs", 8, "passes over the numbers")
	fs.IntVar(&o.hidden, "hidden", 64, "width of the head's two hidden layers")
	fs.Float64Var(&o.rate, "lr", 1e-3, "Adam's step size in the first pass")
	fs.Float64Var(&o.gamma, "lr-gamma", 0.8, "the step size's factor from one pass to the next")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the numbers, the non-digits, the head's first weights and the order of the passes")
	fs.IntVar(&o.workers, "workers", 2, "networks reading windows at once")
	kernels := fs.String("kernels", "7,5", "the head's hidden layers' kernels, odd, in windows (0.1 reference heights each)")
	fs.BoolVar(&o.tune, "tune", false, "train the network's layers above -tune-from with its context head (the model must have one), from where they are")
	fs.StringVar(&o.tuneFrom, "tune-from", "S4", "with -tune, the `STAGE` whose maps are computed once: S4 (C5 and F6 learn) or S2 (C3 too)")
	fs.Float64Var(&o.netRate, "net-lr", 1e-4, "with -tune, Adam's step size for C5 and F6 in the first pass")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	var err error
	if o.kernels, err = kernelsOf(*kernels); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	only, err := spacingOf(o.spacing)
	switch {
	case err != nil:
		return fmt.Errorf("%w: %w", errUsage, err)
	case fs.NArg() > 0 || o.out == "":
		return fmt.Errorf("%w: sdnnhead -out FILE [-model NET] [flags]", errUsage)
	case o.strings < 1 || o.strings > 1_000_000 || o.nonDigits < 0 || o.nonDigits > 1_000_000 || o.validation < 3 || o.validation > 100_000:
		return fmt.Errorf("%w: -strings 1..1000000, -nondigits 0..1000000, -validation 3..100000", errUsage)
	case o.epochs < 1 || o.epochs > 200 || o.hidden < 1 || o.hidden > 512 || o.workers < 1:
		return fmt.Errorf("%w: -epochs 1..200, -hidden 1..512, -workers at least 1", errUsage)
	case o.tuneFrom != "S4" && o.tuneFrom != "S2":
		return fmt.Errorf("%w: -tune-from %q: want S4 or S2", errUsage, o.tuneFrom)
	case !(o.rate > 0 && o.rate < 1) || !(o.gamma > 0 && o.gamma <= 1) || !(o.netRate > 0 && o.netRate < 1):
		return fmt.Errorf("%w: -lr and -net-lr in (0, 1), -lr-gamma in (0, 1]", errUsage)
	}
	m, err := loadModel(o.model)
	if err != nil {
		return err
	}
	if _, err := read.NewSDNN(m, read.Options{}); err != nil { // a network trained on windows
		return err
	}
	if o.tune {
		if _, err := headNet(m); err != nil { // before the numbers are made
			return err
		}
	}
	mnist, err := data.Load("")
	if err != nil {
		return err
	}
	trainDigits, validationDigits, _, err := synth.Split(mnist)
	if err != nil {
		return err
	}
	featurize := withFeatures
	if o.tune {
		featurize = func(m *modelfile.Model, ex []example, workers int) error { return withMaps(m, o.tuneFrom, ex, workers) }
	}
	start := time.Now()
	// The numbers are made and read a batch at a time, and only their
	// features kept: 150,000 pictures would take gigabytes.
	var train []example
	for first := 0; first < o.strings; first += numberBatch {
		batch, err := synth.StringsFrom(trainDigits, first, min(numberBatch, o.strings-first), o.seed)
		if err != nil {
			return err
		}
		ex := numbersOf(batch, only)
		if err := featurize(m, ex, o.workers); err != nil {
			return err
		}
		for i := range ex {
			ex[i].img = nil
		}
		train = append(train, readable(ex)...)
	}
	numberCount := len(train)
	nd, err := synth.NonDigits(trainDigits, o.nonDigits, o.seed)
	if err != nil {
		return err
	}
	var others []example
	for _, n := range nd {
		if n.Kind != synth.Pair {
			others = append(others, example{img: grayImage(n.Pixels), text: ""})
		}
	}
	if err := featurize(m, others, o.workers); err != nil {
		return err
	}
	train = append(train, readable(others)...)
	valStrings, err := synth.Strings(validationDigits, o.validation, validationSeed)
	if err != nil {
		return err
	}
	val := numbersOf(valStrings, only)
	if err := featurize(m, val, o.workers); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d numbers (%s) and %d non-digits of the training digits, %d validation numbers: windows read in %.0f s\n",
		numberCount, o.spacing, len(train)-numberCount, len(val), time.Since(start).Seconds())
	if o.tune {
		return runTune(o, args, m, train, val, numberCount, stdout)
	}

	mean, scale := standardise(train)
	rng := rand.New(rand.NewPCG(o.seed, 0x68656164)) // "head"
	n := newNet(o.hidden, o.kernels, mean, scale, rng)
	best, bestEpoch := -1.0, 0
	var kept *net
	for epoch := 1; epoch <= o.epochs; epoch++ {
		start := time.Now()
		rng.Shuffle(len(train), func(a, b int) { train[a], train[b] = train[b], train[a] })
		rate := o.rate * math.Pow(o.gamma, float64(epoch-1))
		loss, count := 0.0, 0
		for _, e := range train {
			if l, ok := n.step(e, rate); ok {
				loss += l
				count++
			}
		}
		if count == 0 {
			return fmt.Errorf("no number fits in its windows")
		}
		if !finite(loss) {
			return fmt.Errorf("pass %d: the loss diverged (%v): try a smaller -lr", epoch, loss)
		}
		acc := greedyAccuracy(n, val)
		fmt.Fprintf(stdout, "pass %d  lr %.3g  loss %.4f  validation strings right (best path) %.2f%%  %.0f s\n", epoch, rate, loss/float64(count), 100*acc, time.Since(start).Seconds())
		if acc > best {
			best, bestEpoch, kept = acc, epoch, n.clone()
		}
	}
	fmt.Fprintf(stdout, "kept pass %d\n", bestEpoch)

	trained := fmt.Sprintf("scripts/sdnnhead %s: %d numbers (%s) and %d non-digits of the training digits (seed %d), pass %d of %d kept on %d validation strings",
		strings.Join(args, " "), numberCount, o.spacing, len(train)-numberCount, o.seed, bestEpoch, o.epochs, len(val))
	return chooseCostsAndWrite(o, m, kept, trained, val, stdout)
}

// chooseCostsAndWrite chooses the character model's costs for the head on
// the validation strings, read as the reader reads, and writes m with the
// head to o.out.
func chooseCostsAndWrite(o options, m *modelfile.Model, kept *net, trained string, val []example, stdout io.Writer) error {
	bestCosts, bestAcc := [2]float64{}, -1.0
	for _, digit := range []float64{0, 1, 2, 3} {
		for _, change := range []float64{0, 2, 4} {
			acc, err := readerAccuracy(m, kept.head(digit, change, trained), val)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "costs %g, %g: %.2f%%\n", digit, change, 100*acc)
			if acc > bestAcc {
				bestCosts, bestAcc = [2]float64{digit, change}, acc
			}
		}
	}
	fmt.Fprintf(stdout, "chose costs %g, %g: %.2f%% of the validation strings right\n", bestCosts[0], bestCosts[1], 100*bestAcc)
	out, err := withHead(m, kept.head(bestCosts[0], bestCosts[1], trained))
	if err != nil {
		return err
	}
	if err := modelfile.Write(o.out, out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (calibrate it: go run ./scripts/calibrate -model %s -out FILE)\n", o.out, o.out)
	return nil
}

// example is a picture and its truth, and the network's features of its
// windows.
type example struct {
	img  stdimage.Image
	text string
	x    [][graph.Classes]float64
	// With -tune: the windows' maps at -tune-from, t rows, bfloat16.
	maps []uint16
	t    int
}

// withFeatures reads every example's windows with m's network, workers
// at once.
func withFeatures(m *modelfile.Model, ex []example, workers int) error {
	return eachWindows(ex, workers, func() (func(i int, windows [][]uint8) error, func(), error) {
		s, err := read.NewModelScorer(m)
		if err != nil {
			return nil, nil, err
		}
		read1 := func(i int, windows [][]uint8) error {
			scores, err := s.Score(windows)
			if err != nil {
				return err
			}
			ex[i].x = read.ContextFeatures(scores)
			return nil
		}
		return read1, s.Close, nil
	})
}

// eachWindows calls, for every example with ink, a worker's function
// with its index and its windows (read.Windows), workers at once; open
// makes a worker's function and what closes it. The first error stops
// the work. An example without ink is left out.
func eachWindows(ex []example, workers int, open func() (func(i int, windows [][]uint8) error, func(), error)) error {
	jobs := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		do, done, err := open()
		if err != nil {
			close(jobs)
			wg.Wait()
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer done()
			for i := range jobs {
				f, err := read.Windows(ex[i].img)
				if errors.Is(err, data.ErrNoDigit) {
					continue // nothing to read: left out
				}
				if err == nil {
					err = do(i, f.Windows)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var err error
feed:
	for i := range ex {
		select {
		case jobs <- i:
		case err = <-errs:
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err != nil {
		return err
	}
	select {
	case err = <-errs:
		return err
	default:
		return nil
	}
}

// numberBatch is how many numbers are made and read at once.
const numberBatch = 3_000

// numbersOf returns the samples of the spacing only (nil: all) as
// examples.
func numbersOf(samples []synth.Sample, only *synth.Spacing) []example {
	var ex []example
	for _, s := range samples {
		if only == nil || s.Spacing == *only {
			ex = append(ex, example{img: s.Image, text: s.Text})
		}
	}
	return ex
}

// readable returns the examples that have windows.
func readable(ex []example) []example {
	var out []example
	for _, e := range ex {
		if e.x != nil || e.maps != nil {
			out = append(out, e)
		}
	}
	return out
}

// standardise returns the mean and 1/standard deviation of each feature
// over the examples' windows.
func standardise(ex []example) (mean, scale [graph.Classes]float64) {
	var sum, sq [graph.Classes]float64
	n := 0.0
	for _, e := range ex {
		for _, x := range e.x {
			for d, v := range x {
				sum[d] += v
				sq[d] += v * v
			}
			n++
		}
	}
	for d := range graph.Classes {
		mean[d] = sum[d] / n
		sd := math.Sqrt(max(sq[d]/n-mean[d]*mean[d], 0))
		scale[d] = 1 / max(sd, 1e-6)
	}
	return mean, scale
}

// greedyAccuracy returns the share of ex that n's best path reads right
// (those without windows count as wrong).
func greedyAccuracy(n *net, ex []example) float64 {
	right := 0
	for _, e := range ex {
		if e.x != nil && n.greedy(e.x) == e.text {
			right++
		}
	}
	return float64(right) / float64(len(ex))
}

// readerAccuracy returns the share of ex that read.NewSDNN reads right
// with m and the head h.
func readerAccuracy(m *modelfile.Model, h *read.ContextHead, ex []example) (float64, error) {
	withH, err := withHead(m, h)
	if err != nil {
		return 0, err
	}
	r, err := read.NewSDNN(withH, read.Options{})
	if err != nil {
		return 0, err
	}
	defer r.Close()
	right := 0
	for _, e := range ex {
		got, err := r.Read(e.img)
		if err == nil && got.Text == e.text {
			right++
		}
	}
	return float64(right) / float64(len(ex)), nil
}

// withHead returns m with the head h in its metadata and without its SDNN
// calibration (fitted to readings without the head).
func withHead(m *modelfile.Model, h *read.ContextHead) (*modelfile.Model, error) {
	b, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("encoding the head: %w", err)
	}
	meta := maps.Clone(m.Meta)
	delete(meta, read.MetaSDNNCalibration)
	meta[read.KeySDNNContext] = string(b)
	out := *m
	out.Meta = meta
	return &out, nil
}

// clone returns a copy of n's weights (moments and gradients left out).
func (n *net) clone() *net {
	c := &net{mean: n.mean, scale: n.scale}
	for _, l := range n.layers {
		c.layers = append(c.layers, &layer{Layer: conv.Layer{In: l.In, Out: l.Out, Kernel: l.Kernel, W: slices.Clone(l.W), B: slices.Clone(l.B)}})
	}
	return c
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// kernelsOf parses -kernels: one to six odd kernels of 1..31 windows.
func kernelsOf(list string) ([]int, error) {
	var ks []int
	for _, f := range strings.Split(list, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k < 1 || k > 31 || k%2 == 0 {
			return nil, fmt.Errorf("-kernels %q: want odd kernels of 1..31 windows, comma-separated", list)
		}
		ks = append(ks, k)
	}
	if len(ks) > 6 {
		return nil, fmt.Errorf("-kernels %q: at most 6 layers", list)
	}
	return ks, nil
}

func spacingOf(name string) (*synth.Spacing, error) {
	if name == "all" {
		return nil, nil
	}
	if s, ok := synth.SpacingNamed(name); ok {
		return &s, nil
	}
	return nil, fmt.Errorf("-spacing %q: want apart, close, touching or all", name)
}

// grayImage returns a 28x28 non-digit (ink bright) as a picture.
func grayImage(px []uint8) *stdimage.Gray {
	g := stdimage.NewGray(stdimage.Rect(0, 0, data.Side, data.Side))
	copy(g.Pix, px)
	return g
}

func loadModel(path string) (*modelfile.Model, error) {
	if path == "" {
		return models.SDNN()
	}
	return modelfile.Read(path)
}
