package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/train"
)

// runTrain runs the program in-process and returns its exit status and output.
func runTrain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr, false)
	return code, stdout.String(), stderr.String()
}

func TestBadUsageExitsTwo(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-solver", "lbfgs"}, `unknown solver "lbfgs"`},
		{[]string{"-batch", "0"}, "-batch 0: must be at least 1"},
		{[]string{"-epochs", "-3"}, "-epochs -3: must be at least 1"},
		{[]string{"-data", "/no/such/folder"}, "-data /no/such/folder: not a folder"},
		{[]string{"-head", "svm"}, "-head"},
		{[]string{"-schedule", "wild"}, `unknown schedule "wild"`},
		{[]string{"-resume", "-checkpoint", ""}, "-resume needs -checkpoint"},
		{[]string{"-nonsense"}, "flag provided but not defined"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"-nondigits", "-0.1"}, "-nondigits -0.1: must be between 0 and 10"},
		{[]string{"-head", "softmax", "-nondigits", "0.1"}, "the softmax head has no rubbish class"},
		{[]string{"-init", "/no/such/model.safetensors"}, "-init /no/such/model.safetensors: not a model file"},
		// Output paths that cannot be written fail before any training.
		{[]string{"-out", ""}, "-out: needs a file name"},
		{[]string{"-out", "/no/such/folder/m.safetensors"}, "-out: writing /no/such/folder/m.safetensors: folder /no/such/folder: no such file"},
		{[]string{"-checkpoint", "/no/such/folder/ck.safetensors"}, "-checkpoint: writing /no/such/folder/ck.safetensors: folder /no/such/folder"},
		{[]string{"-metrics", "/no/such/folder/m.jsonl"}, "-metrics: writing /no/such/folder/m.jsonl: folder /no/such/folder"},
		{[]string{"-plot", "/"}, "-plot: writing /: is a folder, not a file name"},
		{[]string{"-net", "lenet6"}, `unknown network "lenet6"`},
		{[]string{"-net", "lenet1", "-head", "rbf"}, "must be 84 units"},
		{[]string{"-net", "lenet1", "-nondigits", "0.1"}, "the softmax head has no rubbish class"},
		{[]string{"-net", "boosted-lenet4", "-summary"}, "a committee takes no -resume and no -summary"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, stderr := runTrain(t, tc.args...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "Usage") {
				t.Fatalf("exit %d, stderr %q; want 2, saying %q, and the usage", code, stderr, tc.want)
			}
		})
	}
	if code, _, stderr := runTrain(t, "-h"); code != exitOK || !strings.Contains(stderr, "-train-limit") {
		t.Errorf("-h: exit %d, stderr %q", code, stderr)
	}
}

// Each network's summary adds up to its counts and sits beside the
// paper's where the paper gives them (docs/family.md).
func TestSummary(t *testing.T) {
	tests := []struct {
		net  string
		want []string
	}{
		{"lenet5", []string{"lenet5, rbf head", "parameters            60,000         60,000", "connections          340,908        340,908"}},
		{"lenet1", []string{"lenet1, softmax head, input 28x28, 16 px digit", "parameters             2,578          2,578", "connections           98,442         98,442", "(Fig. 11)"}},
		{"lenet4", []string{"S2        8x14x14", "parameters            16,998   about 17,000", "connections          258,306  about 260,000"}},
		{"mlp-300-100-10", []string{"total                 266,610", "the paper gives no parameter or connection count"}},
	}
	for _, tc := range tests {
		t.Run(tc.net, func(t *testing.T) {
			code, stdout, _ := runTrain(t, "-net", tc.net, "-summary")
			for _, w := range tc.want {
				if code != 0 || !strings.Contains(stdout, w) {
					t.Fatalf("exit %d, want %q in the output:\n%s", code, w, stdout)
				}
			}
		})
	}
}

// A short real run writes the model, metrics and plot, and ends with the
// test error line.
func TestShortRunWritesOutputs(t *testing.T) {
	dir := t.TempDir()
	out, metrics, plot := filepath.Join(dir, "m.safetensors"), filepath.Join(dir, "m.jsonl"), filepath.Join(dir, "p.png")
	code, stdout, stderr := runTrain(t, "-train-limit", "640", "-test-limit", "300", "-epochs", "2", "-batch", "16",
		"-out", out, "-metrics", metrics, "-plot", plot, "-checkpoint", filepath.Join(dir, "ck.safetensors"), "-workers", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !regexp.MustCompile(`(?m)^test error \d+\.\d\d% \(\d+/300\)$`).MatchString(stdout) {
		t.Errorf("no final test error line in:\n%s", stdout)
	}
	if n := strings.Count(stdout, "epoch "); n != 2 {
		t.Errorf("%d epoch lines, want one per epoch:\n%s", n, stdout)
	}
	if _, err := modelfile.Read(out); err != nil {
		t.Error(err)
	}
	b, err := os.ReadFile(metrics)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d metrics lines, want 2", len(lines))
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"epoch", "lr", "train_loss", "train_error", "test_error", "seconds", "images_per_second"} {
		if _, ok := m[k]; !ok {
			t.Errorf("metrics lack %q: %s", k, lines[1])
		}
	}
	if png, err := os.ReadFile(plot); err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("plot is not a PNG (%v)", err)
	}
}

// Fine-tuning the shipped model with non-digits: the new file records the
// fraction, the generator and its seed per epoch, and where the weights
// came from.
func TestFineTuneWithNonDigits(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "m.safetensors")
	const init = "../../models/lenet5.safetensors"
	code, _, stderr := runTrain(t, "-init", init, "-nondigits", "0.25", "-solver", "sdlm", "-schedule", "constant",
		"-lr", "0.00005", "-mu", "0.5", "-distort", "1", "-epochs", "2", "-train-limit", "160", "-test-limit", "200",
		"-sdlm-patterns", "100", "-out", out, "-checkpoint", "", "-workers", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	m, err := modelfile.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		modelfile.KeyNonDigits: "0.25", modelfile.KeyInit: init, modelfile.KeyNonDigitsGenerator: train.NonDigitGenerator,
		modelfile.KeyNonDigitsSeeds: strings.Join([]string{seedString(1, 0), seedString(1, 1)}, ","),
	} {
		if m.Meta[k] != want {
			t.Errorf("metadata %s = %q, want %q", k, m.Meta[k], want)
		}
	}
	if len(m.Meta[modelfile.KeyInitSHA256]) != 64 {
		t.Errorf("init_sha256 = %q", m.Meta[modelfile.KeyInitSHA256])
	}
	if h := m.Meta[modelfile.KeyHistory]; !strings.HasPrefix(h, init+" sha256:"+m.Meta[modelfile.KeyInitSHA256][:16]) ||
		!strings.Contains(h, "solver=sdlm") || !strings.Contains(h, " test_errors=") {
		t.Errorf("history = %q", h)
	}
}

func seedString(seed uint64, epoch int) string {
	return strconv.FormatUint(train.NonDigitSeed(seed, epoch), 10)
}

// SIGINT during training, sent to the real program: it finishes the batch,
// writes a loadable checkpoint, prints the command that resumes and exits
// non-zero; that command then completes the run.
func TestSIGINTWritesCheckpointAndResumes(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "train")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building: %v\n%s", err, out)
	}
	ck := filepath.Join(dir, "ck.safetensors")
	args := []string{"-train-limit", "3200", "-test-limit", "200", "-epochs", "3", "-batch", "16", "-workers", "2",
		"-checkpoint", ck, "-out", filepath.Join(dir, "m.safetensors")}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt during the second epoch: after the first epoch's line.
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), "epoch  1") {
		cmd.Process.Kill()
		t.Fatalf("first line %q; stderr %s", lines.Text(), stderr.String())
	}
	time.Sleep(200 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	for lines.Scan() {
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupted {
		t.Fatalf("exit %v, want status %d; stderr %s", err, exitInterrupted, stderr.String())
	}
	c, err := train.LoadCheckpoint(ck)
	if err != nil {
		t.Fatalf("checkpoint after SIGINT: %v", err)
	}
	if c.Epoch() != 1 {
		t.Errorf("checkpoint after %d epochs and %d batches, want 1 epoch and part of the second", c.Epoch(), c.Batch())
	}
	m := regexp.MustCompile(`resume with: (.*)`).FindStringSubmatch(stderr.String())
	if m == nil || !strings.HasSuffix(m[1], " -resume") || !strings.Contains(m[1], ck) {
		t.Fatalf("no resume command in stderr: %s", stderr.String())
	}
	resume := exec.Command("sh", "-c", m[1])
	resume.Dir = dir
	out, err := resume.CombinedOutput()
	if err != nil {
		t.Fatalf("resume command %q: %v\n%s", m[1], err, out)
	}
	if !strings.Contains(string(out), "epoch  3") || !strings.Contains(string(out), "test error") {
		t.Fatalf("resumed run output:\n%s", out)
	}
}

// Interrupted with checkpoints off, the command says no checkpoint was
// written and offers no resume command.
func TestInterruptWithoutCheckpoint(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	out := filepath.Join(t.TempDir(), "m.safetensors")
	code := run(ctx, []string{"-train-limit", "64", "-test-limit", "50", "-epochs", "1", "-checkpoint", "", "-out", out}, &stdout, &stderr, false)
	want := "train: interrupted; no checkpoint written (-checkpoint \"\"), so the run cannot be resumed\n"
	if code != exitInterrupted || stderr.String() != want {
		t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr.String(), exitInterrupted, want)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a model file was written (stat: %v)", err)
	}
}

// -solver sdlm takes the paper's recipe for every flag left unset, and
// keeps what the command line says.
func TestSDLMTakesThePapersRecipe(t *testing.T) {
	tests := []struct {
		args []string
		want train.Config
	}{
		{[]string{"-solver", "sdlm"}, train.PaperConfig()},
		{[]string{"-solver", "sdlm", "-batch", "8", "-epochs", "3", "-distort", "9", "-mu", "0.5"}, func() train.Config {
			c := train.PaperConfig()
			c.Batch, c.Epochs, c.Distort, c.Mu = 8, 3, 9, 0.5
			return c
		}()},
		{[]string{"-solver", "sdlm", "-sdlm-refresh", "0", "-sdlm-curvature", "sum"}, func() train.Config {
			c := train.PaperConfig()
			c.CurvatureRefresh, c.Curvature = 0, train.CurvatureSum
			return c
		}()},
		{[]string{"-solver", "adam"}, train.DefaultConfig()},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			o, err := parseFlags(tc.args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if o.cfg != tc.want {
				t.Errorf("config %+v, want %+v", o.cfg, tc.want)
			}
		})
	}
}

// A run that really diverges (SDLM at the paper's mu 0.02 on the real
// MNIST) stops with a message naming the epoch, the batch, the loss and
// what to try, exits 1, writes no model and leaves the last good
// checkpoint as it was.
func TestDivergedRunStops(t *testing.T) {
	dir := t.TempDir()
	out, ck := filepath.Join(dir, "m.safetensors"), filepath.Join(dir, "ck.safetensors")
	common := []string{"-solver", "sdlm", "-epochs", "1", "-test-limit", "100", "-workers", "1", "-out", out, "-checkpoint", ck}
	// The last good checkpoint: a short run that learns.
	if code, _, stderr := runTrain(t, append(common, "-mu", "0.5", "-train-limit", "200")...); code != 0 {
		t.Fatalf("good run: exit %d: %s", code, stderr)
	}
	good, err := os.ReadFile(ck)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(out); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runTrain(t, append(common, "-mu", "0.02", "-train-limit", "3000")...)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitFailure, stderr)
	}
	for _, want := range []string{"train: epoch 1, batch 1000: training diverged: loss ", "times the first batch's", "no model written", "larger -mu", "smaller -lr"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a model file was written (stat: %v)", err)
	}
	if after, err := os.ReadFile(ck); err != nil || !bytes.Equal(after, good) {
		t.Errorf("the last good checkpoint changed (read error %v)", err)
	}
}
