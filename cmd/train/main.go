// Command train trains LeNet-5 on MNIST with Gorgonia and writes the
// model file.
//
//	go run ./cmd/train [flags]
//
// With no flags it trains the default configuration (docs/training.md) on the real
// MNIST, found with no set-up, and writes lenet5.safetensors. Run with -h
// for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"github.com/lenet5-go/lenet5/cmd/train/internal/report"
	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/internal/atomicfile"
	"github.com/lenet5-go/lenet5/internal/cpu"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/train"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Exit statuses.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitInterrupted = 130
)

func main() {
	// LENET5_CPU asking for a path this CPU lacks is a usage error.
	if err := cpu.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(exitUsage)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stderr))
	stop()
	os.Exit(code)
}

// options are the flags beyond the training configuration.
type options struct {
	cfg        train.Config
	dataDir    string
	out        string
	checkpoint string
	resume     bool
	metrics    string
	plot       string
	summary    bool
	// boost trains a boosted committee of cfg.Net (-net boosted-NAME).
	boost         bool
	boostPool     int
	boostPatterns int
}

// parseFlags reads args into options; it prints usage for -h and errors.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	o := options{cfg: train.DefaultConfig()}
	c := &o.cfg
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: train [flags]\n\nTrains LeNet-5 on MNIST and writes the model file.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.dataDir, "data", "", "folder holding the four MNIST files (default: $"+data.EnvMNIST+", else the GoMNIST module)")
	fs.IntVar(&c.Epochs, "epochs", c.Epochs, "passes over the training images")
	fs.IntVar(&c.Batch, "batch", c.Batch, "images per training step")
	p := train.PaperConfig()
	fs.StringVar(&c.Solver, "solver", c.Solver, fmt.Sprintf("solver: %s; sdlm defaults to the paper's recipe, -schedule %s -lr %g -batch %d -epochs %d -distort %d, with two settings of ours where the paper's diverge: -mu %g (paper: %g) and -sdlm-refresh %d (paper: 0); docs/sdlm.md",
		strings.Join(train.SolverNames(), ", "), p.Schedule, p.LR, p.Batch, p.Epochs, p.Distort, p.Mu, train.PaperMu, p.CurvatureRefresh))
	fs.Float64Var(&c.LR, "lr", c.LR, "learning rate (the schedule's base)")
	fs.Float64Var(&c.Momentum, "momentum", c.Momentum, "momentum of the momentum solver")
	fs.Float64Var(&c.Mu, "mu", c.Mu, fmt.Sprintf("sdlm: the safety term mu of each parameter's rate eta/(mu+h); the paper's %g diverges with our curvature estimate", train.PaperMu))
	fs.IntVar(&c.CurvaturePatterns, "sdlm-patterns", c.CurvaturePatterns, "sdlm: training patterns each curvature estimate is made from (before each epoch and at each -sdlm-refresh point)")
	fs.StringVar(&c.Curvature, "sdlm-curvature", c.Curvature, "sdlm: combine the per-pattern curvatures by their mean (the spec's) or sum (closest to the paper's rates; docs/sdlm.md)")
	fs.IntVar(&c.CurvatureRefresh, "sdlm-refresh", c.CurvatureRefresh, "sdlm: also re-estimate the curvature within each epoch after N, 2N, 4N, ... training patterns (0 = only before each epoch, the paper's)")
	fs.Float64Var(&c.L2, "l2", c.L2, "L2 regularization (0 = off); with sdlm a variant, not in the paper (docs/sdlm.md)")
	fs.Float64Var(&c.Clip, "clip", c.Clip, "clip gradient values to [-clip, clip] (0 = off)")
	fs.StringVar(&c.Schedule, "schedule", c.Schedule, "learning-rate schedule: "+strings.Join(train.ScheduleNames, ", "))
	fs.IntVar(&c.StepEvery, "lr-step", c.StepEvery, "step schedule: epochs between cuts")
	fs.Float64Var(&c.StepGamma, "lr-gamma", c.StepGamma, "step schedule: factor of each cut")
	fs.StringVar(&c.Net, "net", c.Net, "network: "+strings.Join(graph.NetNames(), ", ")+", the paper's (docs/family.md); or lenet5-wide, ours, for the SDNN's windows (docs/sdnn.md)")
	fs.StringVar(&c.Head, "head", c.Head, "output head: rbf (the paper's, MAP loss) or softmax (default: the network's own, rbf for lenet5 and lenet5-wide, softmax for the others)")
	fs.Float64Var(&c.J, "j", c.J, "constant j of the MAP loss (rbf head)")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed of the initial weights and the data order")
	fs.IntVar(&c.TrainLimit, "train-limit", 0, "use only the first N training images (0 = all)")
	fs.IntVar(&c.TestLimit, "test-limit", 0, "evaluate on the first N test images (0 = all)")
	fs.IntVar(&c.Validation, "validation", 0, "hold out N training images, chosen by the seed, as a validation split")
	fs.Uint64Var(&c.ValidationSeed, "validation-seed", 0, "choose the -validation split with this seed instead of -seed's (0 = -seed)")
	fs.IntVar(&c.Distort, "distort", c.Distort, "add N randomly distorted copies of each training image to every epoch")
	fs.IntVar(&c.Workers, "workers", 0, "CPU threads to use (0 = all cores)")
	fs.Float64Var(&c.NonDigits, "nondigits", 0, "add this fraction of the epoch's digit patterns as non-digit patterns (rubbish class of the MAP loss, -head rbf), made afresh each epoch from the training digits by internal/synth (0 = none)")
	fs.Float64Var(&c.Windows, "windows", 0, "add this fraction of the epoch's digit patterns as the SDNN's windows of written numbers of the training digits, each labelled with the digit it is centred on or the rubbish class: trains the network of the SDNN reader (read.NewSDNN, models.SDNN; -head rbf; 0 = none)")
	fs.StringVar(&c.WindowsLabels, "windows-labels", "", "with -windows: label the windows by their distance to the digits' centres (centred, \"\") or by the network's own best path through the true digits at the start of each epoch (aligned: the paper's Viterbi training)")
	fs.StringVar(&c.WindowsSpacing, "windows-spacing", "", "with -windows: make the windows of numbers written with this spacing only: apart, close or touching (\"\" = all)")
	fs.Float64Var(&c.StringPieces, "string-pieces", 0, "add this fraction of the epoch's digit patterns as pieces that read's segmentation cuts from written numbers of the training digits, each labelled with its digit or the rubbish class (-head rbf; 0 = none)")
	fs.StringVar(&c.Init, "init", "", "start from this model file's weights instead of random ones (fine-tuning); the new file records it in its metadata (init, init_sha256, history)")
	fs.StringVar(&o.out, "out", "lenet5.safetensors", "model file to write")
	fs.StringVar(&o.checkpoint, "checkpoint", "lenet5.checkpoint.safetensors", `resumable checkpoint written after every epoch and on interruption ("" = none)`)
	fs.BoolVar(&o.resume, "resume", false, "continue from -checkpoint")
	fs.StringVar(&o.metrics, "metrics", "", "write one JSON object per epoch to this file (boosted-NAME: one file per net, FILE.net1.jsonl ...)")
	fs.StringVar(&o.plot, "plot", "", "draw loss and error curves to this PNG file")
	fs.BoolVar(&o.summary, "summary", false, "print the per-layer table of the network and exit")
	fs.IntVar(&o.boostPool, "boost-pool", 20, "boosted-NAME: distorted copies of each training image that each filter draws nets 2's and 3's patterns from")
	fs.IntVar(&o.boostPatterns, "boost-patterns", 60000, "boosted-NAME: patterns in nets 2's and 3's training sets")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, usageError(fs, "unexpected argument %q", fs.Arg(0))
	}
	if c.Solver == "sdlm" {
		paperDefaults(fs, c)
	}
	if modelfile.IsBoosted(c.Net) {
		o.boost, c.Net = true, strings.TrimPrefix(c.Net, modelfile.BoostedPrefix)
		if o.resume || o.summary {
			return o, usageError(fs, "-net %s%s: a committee takes no -resume and no -summary (see -net %s -summary)", modelfile.BoostedPrefix, c.Net, c.Net)
		}
		o.checkpoint = ""
	}
	if err := c.Validate(); err != nil {
		return o, usageError(fs, "%v", err)
	}
	if c.Workers < 0 {
		return o, usageError(fs, "-workers %d: must not be negative", c.Workers)
	}
	if o.resume && o.checkpoint == "" {
		return o, usageError(fs, "-resume needs -checkpoint FILE")
	}
	if c.Init != "" {
		if st, err := os.Stat(c.Init); err != nil || st.IsDir() {
			return o, usageError(fs, "-init %s: not a model file", c.Init)
		}
	}
	if o.dataDir != "" {
		if st, err := os.Stat(o.dataDir); err != nil || !st.IsDir() {
			return o, usageError(fs, "-data %s: not a folder", o.dataDir)
		}
	}
	if !o.summary {
		if err := checkOutputs(o); err != nil {
			return o, usageError(fs, "%v", err)
		}
	}
	return o, nil
}

// checkOutputs refuses, before any training, an output path that could not
// be written (a folder, a missing folder): the model file is written only
// at the end of the run, the others after the first epoch.
func checkOutputs(o options) error {
	if o.out == "" {
		return errors.New("-out: needs a file name")
	}
	for _, f := range []struct{ flag, path string }{
		{"out", o.out}, {"checkpoint", o.checkpoint}, {"metrics", o.metrics}, {"plot", o.plot},
	} {
		if f.path == "" {
			continue
		}
		if err := atomicfile.Check(f.path); err != nil {
			return fmt.Errorf("-%s: %w", f.flag, err)
		}
	}
	return nil
}

// paperDefaults gives -solver sdlm the paper's recipe (train.PaperConfig)
// for each of its flags the command line leaves unset.
func paperDefaults(fs *flag.FlagSet, c *train.Config) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	p := train.PaperConfig()
	for name, apply := range map[string]func(){
		"epochs":       func() { c.Epochs = p.Epochs },
		"batch":        func() { c.Batch = p.Batch },
		"lr":           func() { c.LR = p.LR },
		"schedule":     func() { c.Schedule = p.Schedule },
		"distort":      func() { c.Distort = p.Distort },
		"sdlm-refresh": func() { c.CurvatureRefresh = p.CurvatureRefresh },
	} {
		if !set[name] {
			apply()
		}
	}
}

// errUsage marks errors that exit with status 2 after the usage was printed.
var errUsage = errors.New("usage")

func usageError(fs *flag.FlagSet, format string, args ...any) error {
	fmt.Fprintf(fs.Output(), "train: "+format+"\n\n", args...)
	fs.Usage()
	return errUsage
}

// run is the program; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, terminal bool) int {
	o, err := parseFlags(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case err != nil:
		return exitUsage
	}
	if o.cfg.Workers > 0 {
		runtime.GOMAXPROCS(o.cfg.Workers)
	}
	if o.summary {
		return printSummary(o.cfg, stdout, stderr)
	}
	if err := trainAndSave(ctx, o, stdout, stderr, terminal); err != nil {
		if errors.Is(err, train.ErrInterrupted) {
			switch {
			case o.checkpoint == "":
				fmt.Fprintln(stderr, `train: interrupted; no checkpoint written (-checkpoint ""), so the run cannot be resumed`)
			case err != train.ErrInterrupted: // the checkpoint could not be written
				fmt.Fprintln(stderr, "train:", err)
			default:
				fmt.Fprintf(stderr, "train: interrupted; checkpoint written to %s\nresume with: %s\n", o.checkpoint, resumeCommand(args))
			}
			return exitInterrupted
		}
		fmt.Fprintln(stderr, "train:", err)
		return exitFailure
	}
	return exitOK
}

// printSummary prints the per-layer table of the configured network.
func printSummary(cfg train.Config, stdout, stderr io.Writer) int {
	a, err := cfg.Arch()
	if err == nil {
		// Building the network checks that it builds, not only that it
		// adds up.
		_, err = graph.New(a.NewInput(G.NewGraph(), tensor.Float32, 1), graph.WithArch(a))
	}
	var s graph.Summary
	if err == nil {
		s, err = a.Summary()
	}
	if err != nil {
		fmt.Fprintln(stderr, "train:", err)
		return exitFailure
	}
	f := train.InputFormat(a)
	fmt.Fprintf(stdout, "%s, %v head, input %s, per image:\n%s", a.Name, a.Head(), f, s)
	if k := s.Kernels(); k != "" {
		path, _ := graph.KernelPath()
		fmt.Fprintf(stdout, "convolution kernels on this CPU (%s): %s\n", path, k)
	}
	total := s.Total()
	p, ok := paper[a.Name]
	if !ok {
		fmt.Fprintf(stdout, "the paper gives no parameter or connection count for %s (docs/family.md)\n", a.Name)
		return exitOK
	}
	fmt.Fprintf(stdout, "%-13s %14s %14s\n", "", "ours", "the paper's")
	fmt.Fprintf(stdout, "%-13s %14s %14s\n", "parameters", thousands(total.Params), p.params)
	fmt.Fprintf(stdout, "%-13s %14s %14s\n", "connections", thousands(total.Connections), p.connections)
	if p.multiplyAdds != "" {
		fmt.Fprintf(stdout, "%-13s %14s %14s  (Fig. 11)\n", "multiply-adds", thousands(total.MACs), p.multiplyAdds)
		fmt.Fprintf(stdout, "%-13s %14s %14s  (Fig. 12)\n", "variables", thousands(total.Params), p.variables)
	}
	return exitOK
}

// thousands formats n with comma separators, as the paper's tables.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// trainAndSave runs the training and writes the outputs.
func trainAndSave(ctx context.Context, o options, stdout, stderr io.Writer, terminal bool) error {
	mnist, err := data.Load(o.dataDir)
	if err != nil {
		return err
	}
	if o.boost {
		return boostAndSave(ctx, o, mnist, stdout, stderr, terminal)
	}
	t, err := train.New(o.cfg, mnist, o.checkpoint)
	if err != nil {
		return err
	}
	defer t.Close()
	if o.resume {
		c, err := train.LoadCheckpoint(o.checkpoint)
		if err != nil {
			return err
		}
		if err := t.Resume(c); err != nil {
			return fmt.Errorf("resuming from %s: %w", o.checkpoint, err)
		}
		fmt.Fprintf(stderr, "resuming %s after epoch %d, batch %d\n", o.checkpoint, c.Epoch(), c.Batch())
	}
	progress := newProgress(stdout, stderr, terminal)
	t.OnBatch = progress.batch
	t.OnEpoch = func(m train.EpochMetrics) {
		progress.epoch(m)
		if o.metrics != "" {
			if err := report.WriteMetrics(o.metrics, t.Metrics()); err != nil {
				fmt.Fprintln(stderr, "train:", err)
			}
		}
		if o.plot != "" {
			if err := report.WritePlot(o.plot, t.Metrics()); err != nil {
				fmt.Fprintln(stderr, "train:", err)
			}
		}
	}
	if err := t.Run(ctx); err != nil {
		return err
	}
	if err := modelfile.Write(o.out, t.Model(nil)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "model written to %s\n", o.out)
	// The last epoch's evaluation is of the final weights.
	last := t.Metrics()[len(t.Metrics())-1]
	fmt.Fprintf(stdout, "test error %.2f%% (%d/%d)\n", 100*last.TestError, last.TestErrors, last.TestImages)
	return nil
}

// resumeCommand is the command line that continues an interrupted run.
func resumeCommand(args []string) string {
	prog := os.Args[0]
	if strings.Contains(prog, string(os.PathSeparator)+"go-build") {
		prog = "go run ./cmd/train"
	}
	parts := []string{prog}
	resume := false
	for _, a := range args {
		parts = append(parts, shellQuote(a))
		resume = resume || a == "-resume" || a == "--resume"
	}
	if !resume {
		parts = append(parts, "-resume")
	}
	return strings.Join(parts, " ")
}

// shellQuote quotes an argument for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '/' || r == '=' || r == ':' || r == ',' ||
			(r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
