package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lenet5-go/lenet5/data"
)

var (
	mnistOnce sync.Once
	mnist     *data.MNIST
	mnistErr  error
)

// realMNIST loads the real MNIST once; tests train on small slices of it.
func realMNIST(t testing.TB) *data.MNIST {
	t.Helper()
	mnistOnce.Do(func() { mnist, mnistErr = data.Load("") })
	if mnistErr != nil {
		t.Fatal(mnistErr)
	}
	return mnist
}

// trainRun trains cfg to the end on the real MNIST; the trainer is closed
// when the test ends.
func trainRun(t *testing.T, cfg Config) *Trainer {
	t.Helper()
	tr, err := New(cfg, realMNIST(t), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Close)
	if err := tr.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	return tr
}

// smallConfig is a quick run on a slice of MNIST.
func smallConfig(head, solver string, lr float64) Config {
	c := DefaultConfig()
	c.Head, c.Solver, c.LR = head, solver, lr
	c.Schedule, c.Distort = "constant", 0
	c.Epochs, c.Batch = 3, 16
	c.TrainLimit, c.TestLimit = 1200, 500
	c.Workers = 2
	return c
}

// Each solver, with both heads, lowers the loss and brings the training
// error well below chance (90%) within a short run.
func TestEverySolverLearns(t *testing.T) {
	rates := map[string]map[string]float64{
		"rbf":     {"sgd": 0.01, "momentum": 0.002, "adam": 0.002, "rmsprop": 0.0003, "adagrad": 0.02, "sdlm": 0.0001},
		"softmax": {"sgd": 0.3, "momentum": 0.03, "adam": 0.002, "rmsprop": 0.0003, "adagrad": 0.01, "sdlm": 0.002},
	}
	for _, head := range []string{"rbf", "softmax"} {
		for _, solver := range SolverNames() {
			t.Run(head+"/"+solver, func(t *testing.T) {
				cfg := smallConfig(head, solver, rates[head][solver])
				cfg.Epochs, cfg.TrainLimit = 4, 2000
				tr := trainRun(t, cfg)
				m := tr.Metrics()
				first, last := m[0], m[len(m)-1]
				t.Logf("loss %.4f -> %.4f, train error %.1f%% -> %.1f%%, test error %.1f%%",
					first.TrainLoss, last.TrainLoss, 100*first.TrainError, 100*last.TrainError, 100*last.TestError)
				if !(last.TrainLoss < first.TrainLoss) {
					t.Errorf("loss did not decrease: %.4f -> %.4f", first.TrainLoss, last.TrainLoss)
				}
				if last.TrainError > 0.3 || last.TestError > 0.3 {
					t.Errorf("errors %.1f%% (train) and %.1f%% (test) are not well below chance", 100*last.TrainError, 100*last.TestError)
				}
			})
		}
	}
}

// weightsOf returns the trainer's weights in file layout.
func weightsOf(tr *Trainer) map[string][]float64 {
	out := map[string][]float64{}
	for k, v := range tr.Net().Weights() {
		out[k] = v.Data
	}
	return out
}

// An interrupted run resumed from its checkpoint ends with exactly the
// weights of an uninterrupted run, for every solver, interrupted in the
// middle of an epoch and at its end.
func TestResumeEqualsUninterrupted(t *testing.T) {
	tests := []struct {
		solver   string
		lr       float64
		schedule string
		distort  int
		stopAt   [2]int // epoch, batch (1-based) after which to interrupt
		want     [2]int // epochs and batches completed in the checkpoint
		refresh  int    // sdlm: Config.CurvatureRefresh (with 100 curvature patterns)
		// With non-digits (Config.NonDigits), from the shipped model's
		// weights (Config.Init), in batches of batch (0: 16) of trainLimit
		// images (0: 480).
		nondigits         float64
		batch, trainLimit int
	}{
		{"adam", 0.002, "step", 1, [2]int{1, 20}, [2]int{0, 20}, 0, 0, 0, 0},
		{"momentum", 0.002, "paper", 0, [2]int{2, 30}, [2]int{2, 0}, 0, 0, 0, 0}, // the epoch's last batch
		{"sgd", 0.01, "cosine", 0, [2]int{2, 7}, [2]int{1, 7}, 0, 0, 0, 0},
		{"rmsprop", 0.0005, "step", 0, [2]int{1, 15}, [2]int{0, 15}, 0, 0, 0, 0},
		{"adagrad", 0.005, "constant", 0, [2]int{2, 5}, [2]int{1, 5}, 0, 0, 0, 0},
		{"sdlm", 0.00002, "paper", 1, [2]int{2, 10}, [2]int{1, 10}, 0, 0, 0, 0}, // the curvature is kept mid-epoch
		// Re-estimated after 64 and 128 patterns, interrupted after 160,
		// re-estimated again after 256.
		{"sdlm", 0.0002, "paper", 0, [2]int{2, 10}, [2]int{1, 10}, 64, 0, 0, 0},
		// Non-digits shuffled in with distorted digits, batched and
		// per-pattern SDLM, the curvature refreshed mid-epoch.
		{"sdlm", 0.00005, "constant", 1, [2]int{2, 20}, [2]int{1, 20}, 64, 0.2, 0, 0},
		{"sdlm", 0.00005, "constant", 1, [2]int{2, 150}, [2]int{1, 150}, 64, 0.25, 1, 120},
		{"adam", 0.0005, "step", 1, [2]int{1, 20}, [2]int{0, 20}, 0, 0.1, 0, 0},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/distort=%d/refresh=%d/nondigits=%g/batch=%d", tc.solver, tc.distort, tc.refresh, tc.nondigits, tc.batch), func(t *testing.T) {
			cfg := smallConfig("rbf", tc.solver, tc.lr)
			cfg.Schedule, cfg.TrainLimit, cfg.Epochs, cfg.Distort = tc.schedule, 480, 3, tc.distort
			if tc.refresh > 0 {
				cfg.CurvatureRefresh, cfg.CurvaturePatterns = tc.refresh, 100
			}
			if tc.nondigits > 0 {
				cfg.NonDigits, cfg.Init, cfg.Mu = tc.nondigits, "../models/lenet5.safetensors", 0.5
			}
			if tc.batch > 0 {
				cfg.Batch = tc.batch
			}
			if tc.trainLimit > 0 {
				cfg.TrainLimit = tc.trainLimit
			}
			ref, err := New(cfg, realMNIST(t), "")
			if err != nil {
				t.Fatal(err)
			}
			defer ref.Close()
			if err := ref.Run(context.Background()); err != nil {
				t.Fatal(err)
			}

			ck := filepath.Join(t.TempDir(), "ck.safetensors")
			first, err := New(cfg, realMNIST(t), ck)
			if err != nil {
				t.Fatal(err)
			}
			defer first.Close()
			ctx, cancel := context.WithCancel(context.Background())
			first.OnBatch = func(b BatchProgress) {
				if b.Epoch == tc.stopAt[0] && b.Batch == tc.stopAt[1] {
					cancel()
				}
			}
			if err := first.Run(ctx); !errors.Is(err, ErrInterrupted) {
				t.Fatalf("interrupted run returned %v, want ErrInterrupted", err)
			}
			c, err := LoadCheckpoint(ck)
			if err != nil {
				t.Fatal(err)
			}
			if c.Epoch() != tc.want[0] || c.Batch() != tc.want[1] {
				t.Fatalf("checkpoint after %d epochs and %d batches, want %d and %d", c.Epoch(), c.Batch(), tc.want[0], tc.want[1])
			}
			second, err := New(cfg, realMNIST(t), ck)
			if err != nil {
				t.Fatal(err)
			}
			defer second.Close()
			if err := second.Resume(c); err != nil {
				t.Fatal(err)
			}
			if err := second.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			want, got := weightsOf(ref), weightsOf(second)
			for name, w := range want {
				if !slices.Equal(got[name], w) {
					t.Errorf("%s differs from the uninterrupted run", name)
				}
			}
			if !slices.EqualFunc(ref.Metrics(), second.Metrics(), func(a, b EpochMetrics) bool {
				return a.TestErrors == b.TestErrors && a.TrainLoss == b.TrainLoss && a.TrainError == b.TrainError
			}) {
				t.Errorf("metrics differ:\n%+v\n%+v", ref.Metrics(), second.Metrics())
			}
		})
	}
}

// A checkpoint round-trips bit for bit: weights, solver state, run state.
func TestCheckpointRoundTrip(t *testing.T) {
	cfg := smallConfig("softmax", "adam", 0.002)
	cfg.Epochs, cfg.TrainLimit = 1, 320
	ck := filepath.Join(t.TempDir(), "ck.safetensors")
	tr, err := New(cfg, realMNIST(t), ck)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, err := LoadCheckpoint(ck)
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range weightsOf(tr) {
		if !slices.Equal(c.Model.Weights[name].Data, w) {
			t.Errorf("weights %s differ after the round trip", name)
		}
	}
	want, err := tr.solver.SolverState(tr.net.Learnables())
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Tensors) != 2*len(tr.net.Learnables()) || want.Scalars["steps"] != "20" {
		t.Fatalf("Adam state has %d tensors and steps %q, want %d and 20", len(want.Tensors), want.Scalars["steps"], 2*len(tr.net.Learnables()))
	}
	for name, w := range want.Tensors {
		if !slices.Equal(c.Solver.Tensors[name].Data, w.Data) {
			t.Errorf("solver state %s differs after the round trip", name)
		}
	}
	if c.Solver.Scalars["steps"] != "20" || c.Solver.Scalars["format"] != "2" || c.Epoch() != 1 || c.Batch() != 0 || len(c.Metrics()) != 1 || c.Metrics()[0] != tr.Metrics()[0] {
		t.Errorf("run state differs: %+v", c.state)
	}
}

// A NaN or infinite loss stops training naming the epoch and batch, and
// leaves the last good checkpoint untouched.
func TestDivergenceStopsAndKeepsCheckpoint(t *testing.T) {
	cfg := smallConfig("softmax", "sgd", 0.05)
	cfg.Epochs, cfg.TrainLimit = 3, 320
	ck := filepath.Join(t.TempDir(), "ck.safetensors")
	tr, err := New(cfg, realMNIST(t), ck)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	var good []byte
	tr.OnEpoch = func(m EpochMetrics) {
		if m.Epoch == 1 {
			if good, err = os.ReadFile(ck); err != nil {
				t.Fatal(err)
			}
			// Poison a weight: the next forward pass yields NaN.
			tr.net.Learnables()[0].Value().Data().([]float32)[0] = float32(math.NaN())
		}
	}
	err = tr.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "epoch 2, batch 1") || !errors.Is(err, errNotFinite) {
		t.Fatalf("error %v, want a non-finite loss at epoch 2, batch 1", err)
	}
	after, _ := os.ReadFile(ck)
	if string(after) != string(good) {
		t.Fatal("the checkpoint changed after the loss diverged")
	}
	if _, err := LoadCheckpoint(ck); err != nil {
		t.Fatalf("the last good checkpoint does not load: %v", err)
	}
}

// The test set is never a training input, and evaluation leaves the
// training graph's gradients alone: training with and without an extra
// evaluation between epochs gives the same weights.
func TestEvaluationDoesNotLeakIntoTraining(t *testing.T) {
	cfg := smallConfig("rbf", "momentum", 0.002)
	cfg.Epochs, cfg.TrainLimit = 2, 320
	plain, err := New(cfg, realMNIST(t), "")
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if err := plain.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	probed, err := New(cfg, realMNIST(t), "")
	if err != nil {
		t.Fatal(err)
	}
	defer probed.Close()
	probed.OnBatch = func(b BatchProgress) {
		if b.Batch%5 == 0 {
			if _, err := probed.Evaluate(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := probed.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for name, w := range weightsOf(plain) {
		if !slices.Equal(weightsOf(probed)[name], w) {
			t.Fatalf("%s differs when evaluations run between steps", name)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"zero batch", func(c *Config) { c.Batch = 0 }, "-batch 0"},
		{"negative epochs", func(c *Config) { c.Epochs = -1 }, "-epochs -1"},
		{"unknown solver", func(c *Config) { c.Solver = "lbfgs" }, `unknown solver "lbfgs"`},
		{"unknown schedule", func(c *Config) { c.Schedule = "exp" }, `unknown schedule "exp"`},
		{"bad head", func(c *Config) { c.Head = "svm" }, "-head"},
		{"zero lr", func(c *Config) { c.LR = 0 }, "must be positive"},
		{"sdlm clip", func(c *Config) { c.Solver, c.Clip = "sdlm", 1 }, "sdlm does not support"},
		{"step without gamma", func(c *Config) { c.Schedule, c.StepGamma = "step", 0 }, "-lr-gamma"},
		{"sdlm with zero mu", func(c *Config) { c.Solver, c.Mu = "sdlm", 0 }, "-mu 0: must be a positive number"},
		{"sdlm without patterns", func(c *Config) { c.Solver, c.CurvaturePatterns = "sdlm", 0 }, "-sdlm-patterns 0"},
		{"unknown curvature reading", func(c *Config) { c.Solver, c.Curvature = "sdlm", "median" }, `-sdlm-curvature "median"`},
		{"negative refresh", func(c *Config) { c.Solver, c.CurvatureRefresh = "sdlm", -1 }, "-sdlm-refresh -1"},
		{"NaN non-digits", func(c *Config) { c.NonDigits = math.NaN() }, "-nondigits NaN"},
		{"non-digits with softmax", func(c *Config) { c.Head, c.NonDigits = "softmax", 0.1 }, "the softmax head has no rubbish class"},
	}
	for _, tc := range tests {
		c := DefaultConfig()
		tc.edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("default config: %v", err)
	}
}

func TestSchedules(t *testing.T) {
	tests := []struct {
		cfg  ScheduleConfig
		want []float64 // epochs 0..
	}{
		{ScheduleConfig{Name: "constant", Base: 0.1}, []float64{0.1, 0.1, 0.1}},
		{ScheduleConfig{Name: "paper", Base: 0.0005}, []float64{0.0005, 0.0005, 0.0002, 0.0002, 0.0002, 0.0001, 0.0001, 0.0001, 0.00005, 0.00005, 0.00005, 0.00005, 0.00001, 0.00001}},
		{ScheduleConfig{Name: "paper", Base: 0.001}, []float64{0.001, 0.001, 0.0004}},
		{ScheduleConfig{Name: "step", Base: 1, Every: 2, Gamma: 0.5}, []float64{1, 1, 0.5, 0.5, 0.25}},
		{ScheduleConfig{Name: "cosine", Base: 1, Epochs: 4}, []float64{1, 0.8535533905932737, 0.5, 0.14644660940672627}},
	}
	for _, tc := range tests {
		if err := tc.cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		for e, want := range tc.want {
			if got := tc.cfg.Rate(e); math.Abs(got-want) > 1e-15*want {
				t.Errorf("%s: epoch %d rate %g, want %g", tc.cfg.Name, e, got, want)
			}
		}
	}
}

// Resuming with other settings names the flag that differs.
func TestResumeWithOtherFlagsNamesTheFlag(t *testing.T) {
	a := DefaultConfig()
	b := a
	b.Epochs, b.Workers = 30, 1 // may change
	if err := b.sameRun(a); err != nil {
		t.Fatalf("epochs and workers may change: %v", err)
	}
	b.StepGamma = 0.5
	if err := b.sameRun(a); err == nil || !strings.Contains(err.Error(), "-lr-gamma 0.85, this run has -lr-gamma 0.5") {
		t.Fatalf("error %v, want one naming -lr-gamma", err)
	}
}
