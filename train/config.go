package train

import (
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"

	"github.com/lenet5-go/lenet5/graph"
)

// Config is a training run's settings; cmd/train's flags map onto it.
type Config struct {
	Epochs    int     `json:"epochs"`
	Batch     int     `json:"batch"`
	Solver    string  `json:"solver"`
	LR        float64 `json:"lr"`
	Momentum  float64 `json:"momentum"`
	L2        float64 `json:"l2"`
	Clip      float64 `json:"clip"`
	Schedule  string  `json:"schedule"`
	StepEvery int     `json:"lr_step"`
	StepGamma float64 `json:"lr_gamma"`
	// Net names the network (graph.ArchNamed; "" = lenet5).
	Net string `json:"net"`
	// Head is "rbf" or "softmax"; "" is the network's own (rbf for
	// LeNet-5, softmax for the others).
	Head       string  `json:"head"`
	J          float64 `json:"j"`
	Seed       uint64  `json:"seed"`
	TrainLimit int     `json:"train_limit"`
	TestLimit  int     `json:"test_limit"`
	Validation int     `json:"validation"`
	// ValidationSeed chooses the validation split (0: Seed), so that
	// networks of different seeds can hold out the same images: the
	// members of an ensemble whose settings are chosen on them.
	ValidationSeed uint64 `json:"validation_seed"`
	// Distort adds this many randomly distorted copies of each training
	// image to every epoch (data.DefaultDistortRanges).
	Distort int `json:"distort"`
	// Mu is SDLM's safety term and CurvaturePatterns the number of
	// training patterns each of its curvature estimates is made from
	// (before each epoch, and at each CurvatureRefresh point); a count
	// above 100 is rounded down to a multiple of 100.
	Mu                float64 `json:"mu"`
	CurvaturePatterns int     `json:"sdlm_patterns"`
	// CurvatureRefresh, when positive, also re-estimates SDLM's curvature
	// within each pass after this many training patterns, then after
	// twice, four times ... as many, on the patterns about to be trained
	// on (0: only before each pass, the paper's).
	CurvatureRefresh int `json:"sdlm_refresh"`
	// Curvature is how the per-pattern curvatures are combined: "mean"
	// over the patterns (the spec's; "" is the same) or their "sum", the
	// reading whose rates come closest to the paper's (docs/sdlm.md).
	Curvature string `json:"sdlm_curvature"`
	// Workers is the number of goroutines each layer uses; it does not
	// change the result's meaning but does change float rounding.
	Workers int `json:"workers"`
	// NonDigits adds images that are not digits to every epoch, labelled
	// with the MAP loss's rubbish class: this fraction of the epoch's digit
	// patterns (distorted copies included), rounded to a whole number,
	// made afresh for each epoch by internal/synth from the training
	// digits only (nondigits.go). It needs the RBF head.
	NonDigits float64 `json:"nondigits"`
	// StringPieces adds the pieces read's segmentation cuts from written
	// numbers of the training digits to every epoch, each labelled with
	// its digit or the rubbish class (stringpieces.go): this fraction of
	// the epoch's digit patterns, made afresh for each epoch. It needs
	// the RBF head.
	StringPieces float64 `json:"string_pieces"`
	// Windows adds the SDNN's windows of written numbers of the training
	// digits to every epoch, each labelled with the digit it is centred on
	// or the rubbish class (windows.go): this fraction of the epoch's digit
	// patterns, made afresh for each epoch. It trains the network of the
	// SDNN reader (read.NewSDNN), not a reader of pieces. It needs the RBF
	// head.
	Windows float64 `json:"windows"`
	// WindowsSpacing, when not "", makes the windows of numbers written
	// with that spacing only ("apart", "close" or "touching"): the SDNN
	// is the second reader of lines the segmentation had to cut, which
	// are mostly touching digits.
	WindowsSpacing string `json:"windows_spacing"`
	// WindowsLabels says how the windows are labelled: WindowsCentred
	// ("" too) by their distance to the digits' centres, WindowsAligned by
	// the network's own best path through the true digits at the start of
	// each epoch (windows.go).
	WindowsLabels string `json:"windows_labels"`
	// Init, when not "", is a model file whose weights the run starts
	// from instead of random ones (fine-tuning); it must have the run's
	// head. Its identity and history go into the new model's metadata.
	Init string `json:"init"`
}

// DefaultConfig is the configuration of `go run ./cmd/train` with no
// flags, chosen by measurement (models/README.md): the paper's RBF head and MAP
// loss, Adam at 0.001 cut by 0.85 every epoch, batches of 32, and one
// distorted copy of each training image per epoch, for 12 epochs. Without
// distortions every solver we tried stalled at 1.03-1.2% test error.
func DefaultConfig() Config {
	return Config{
		Epochs: 12, Batch: 32, Solver: "adam", LR: 1e-3, Momentum: 0.9,
		Schedule: "step", StepEvery: 1, StepGamma: 0.85,
		Net: "lenet5", Head: "", J: graph.DefaultJ, Seed: 1, Distort: 1, Workers: 0,
		Mu: DefaultMu, CurvaturePatterns: DefaultCurvaturePatterns, Curvature: CurvatureMean,
	}
}

// PaperConfig is the paper's own training (docs/spec.md §7) as we run it:
// SDLM with per-pattern updates, its rate schedule from 0.0005, 20 passes,
// no distortions, the RBF head and MAP loss, the curvature averaged over
// 500 patterns before each pass; and two settings of ours where the
// paper's diverge (docs/sdlm.md): mu DefaultMu instead of PaperMu, and the
// curvature also re-estimated after 100, 200, 400, ... patterns of each
// pass. cmd/train takes these values for -solver sdlm unless the flags
// set them.
func PaperConfig() Config {
	c := DefaultConfig()
	c.Solver, c.Schedule, c.LR, c.Batch, c.Epochs, c.Distort = "sdlm", "paper", PaperBase, 1, 20, 0
	c.Mu, c.CurvatureRefresh = DefaultMu, DefaultCurvatureRefresh
	return c
}

// Arch returns the network the run trains, with its head: -net, and -head
// when it is set.
func (c Config) Arch() (graph.Arch, error) {
	name := c.Net
	if name == "" {
		name = "lenet5"
	}
	a, err := graph.ArchNamed(name)
	if err != nil {
		return a, fmt.Errorf("-net %s: %w", name, err)
	}
	if c.Head == "" {
		return a, nil
	}
	h, err := graph.ParseHead(c.Head)
	if err != nil {
		return a, fmt.Errorf("-head %q: want rbf or softmax", c.Head)
	}
	if a, err = a.WithHead(h); err != nil {
		return a, fmt.Errorf("-head %s: %w", c.Head, err)
	}
	return a, nil
}

// netAndHead returns the network's name and head as the model file
// records them, "" read as LeNet-5 and the network's own head.
func (c Config) netAndHead() (string, string) {
	a, err := c.Arch()
	if err != nil {
		return c.Net, c.Head
	}
	return a.Name, a.Head().String()
}

// solverConfig extracts the solver settings.
func (c Config) solverConfig() SolverConfig {
	return SolverConfig{LR: c.LR, Momentum: c.Momentum, L2: c.L2, Clip: c.Clip, Mu: c.Mu, Batch: c.Batch}
}

// threads is Workers, or every core when it is 0.
func (c Config) threads() int {
	if c.Workers > 0 {
		return c.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// splitSeed is the seed of the validation split.
func (c Config) splitSeed() uint64 {
	if c.ValidationSeed != 0 {
		return c.ValidationSeed
	}
	return c.Seed
}

// scheduleConfig extracts the schedule settings.
func (c Config) scheduleConfig() ScheduleConfig {
	return ScheduleConfig{Name: c.Schedule, Base: c.LR, Epochs: c.Epochs, Every: c.StepEvery, Gamma: c.StepGamma}
}

// Validate checks every setting and names the first bad one in the words
// of cmd/train's flags.
func (c Config) Validate() error {
	switch {
	case c.Epochs < 1:
		return fmt.Errorf("-epochs %d: must be at least 1", c.Epochs)
	case c.Batch < 1:
		return fmt.Errorf("-batch %d: must be at least 1", c.Batch)
	case c.TrainLimit < 0 || c.TestLimit < 0 || c.Validation < 0 || c.Distort < 0:
		return fmt.Errorf("-train-limit, -test-limit, -validation and -distort must not be negative")
	case c.J < 0:
		return fmt.Errorf("-j %g: must not be negative", c.J)
	case c.Solver == "sdlm" && !(c.Mu > 0):
		return fmt.Errorf("-mu %g: must be a positive number", c.Mu)
	case c.Solver == "sdlm" && c.CurvaturePatterns < 1:
		return fmt.Errorf("-sdlm-patterns %d: must be at least 1", c.CurvaturePatterns)
	case c.Curvature != "" && c.Curvature != CurvatureMean && c.Curvature != CurvatureSum:
		return fmt.Errorf("-sdlm-curvature %q: want %s or %s", c.Curvature, CurvatureMean, CurvatureSum)
	case c.CurvatureRefresh < 0:
		return fmt.Errorf("-sdlm-refresh %d: must not be negative", c.CurvatureRefresh)
	case !(c.NonDigits >= 0 && c.NonDigits <= MaxNonDigits):
		return fmt.Errorf("-nondigits %g: must be between 0 and %g", c.NonDigits, float64(MaxNonDigits))
	case !(c.StringPieces >= 0 && c.StringPieces <= MaxStringPieces):
		return fmt.Errorf("-string-pieces %g: must be between 0 and %g", c.StringPieces, float64(MaxStringPieces))
	case !(c.Windows >= 0 && c.Windows <= MaxWindows):
		return fmt.Errorf("-windows %g: must be between 0 and %g", c.Windows, float64(MaxWindows))
	case c.WindowsSpacing != "" && c.Windows == 0:
		return fmt.Errorf("-windows-spacing %q: needs -windows", c.WindowsSpacing)
	}
	if _, err := windowsSpacing(c.WindowsSpacing); err != nil {
		return err
	}
	if err := windowsLabels(c.WindowsLabels); err != nil {
		return err
	}
	if c.WindowsLabels != "" && c.Windows == 0 {
		return fmt.Errorf("-windows-labels %q: needs -windows", c.WindowsLabels)
	}
	if c.Head != "" {
		if _, err := graph.ParseHead(c.Head); err != nil {
			return fmt.Errorf("-head %q: want rbf or softmax", c.Head)
		}
	}
	a, err := c.Arch()
	if err != nil {
		return err
	}
	if c.NonDigits > 0 && a.Head() != graph.RBF {
		return fmt.Errorf("-nondigits %g: training with non-digits needs -head rbf, whose MAP loss has the rubbish class (cost j); the %v head has no rubbish class", c.NonDigits, a.Head())
	}
	// The generated patterns (non-digits, pieces, windows) are drawn for
	// LeNet-5's 32x32 input.
	lenet5Input := slices.Equal(a.Input, graph.LeNet5().Input)
	if c.NonDigits > 0 && !lenet5Input {
		return fmt.Errorf("-nondigits %g: the non-digit patterns are made for LeNet-5's 32x32 input, not %s's %v", c.NonDigits, a.Name, a.Input)
	}
	if c.StringPieces > 0 && (a.Head() != graph.RBF || a.Name != "lenet5") {
		return fmt.Errorf("-string-pieces %g: the pieces of written numbers train LeNet-5 with the RBF head (the rubbish class of the MAP loss), not %s with the %v head", c.StringPieces, a.Name, a.Head())
	}
	if c.Windows > 0 && (a.Head() != graph.RBF || !lenet5Input) {
		return fmt.Errorf("-windows %g: the windows of written numbers train a network of LeNet-5's 32x32 input with the RBF head (the rubbish class of the MAP loss), such as lenet5 or lenet5-wide, not %s (input %v) with the %v head", c.Windows, a.Name, a.Input, a.Head())
	}
	if _, err := NewSolver(c.Solver, c.solverConfig()); err != nil {
		return fmt.Errorf("-solver %s: %w", c.Solver, err)
	}
	if err := c.scheduleConfig().Validate(); err != nil {
		return fmt.Errorf("-schedule %s: %w", c.Schedule, err)
	}
	return nil
}

// sameRun reports the first setting that differs between a checkpoint's
// run and this one, other than the number of epochs and workers.
func (c Config) sameRun(saved Config) error {
	c.Curvature, saved.Curvature = c.curvatureReading(), saved.curvatureReading()
	c.Net, c.Head = c.netAndHead()
	saved.Net, saved.Head = saved.netAndHead()
	now, then := reflect.ValueOf(c), reflect.ValueOf(saved)
	for i := range now.NumField() {
		f := now.Type().Field(i)
		if f.Name == "Epochs" || f.Name == "Workers" {
			continue
		}
		if a, b := now.Field(i).Interface(), then.Field(i).Interface(); a != b {
			// The JSON names are the flags' names with _ for -.
			flag := "-" + strings.ReplaceAll(f.Tag.Get("json"), "_", "-")
			return fmt.Errorf("the checkpoint was made with %s %v, this run has %s %v; resume with the same flags (only -epochs and -workers may change)", flag, b, flag, a)
		}
	}
	return nil
}

// The readings of SDLM's curvature estimate (Config.Curvature).
const (
	CurvatureMean = "mean" // the average over the patterns (docs/spec.md §7)
	CurvatureSum  = "sum"  // their sum
)

// curvatureReading returns Curvature with "" read as CurvatureMean.
func (c Config) curvatureReading() string {
	if c.Curvature == "" {
		return CurvatureMean
	}
	return c.Curvature
}
