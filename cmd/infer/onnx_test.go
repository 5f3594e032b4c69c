package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/internal/testenv"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
	"github.com/lenet5-go/lenet5/onnx"
)

// softmaxModel is the model file softmaxModelFile trains.
var softmaxModel goOutput

// softmaxModelFile trains a small softmax-head model with cmd/train (one
// epoch on 5,000 training images), once per test run, and returns its path.
func softmaxModelFile(t *testing.T) string {
	t.Helper()
	return softmaxModel.get(t, "training a softmax model", "softmax.safetensors", func(path string) []string {
		return []string{"run", "../train", "-head", "softmax", "-epochs", "1", "-train-limit", "5000",
			"-test-limit", "1000", "-distort", "0", "-checkpoint", "", "-out", path}
	})
}

// infer -onnx writes exactly onnx.Marshal's bytes for the shipped model
// and for a model file of the other head; an unwritable path fails with
// one line naming it; -onnx and -per-image refuse flags they cannot take.
func TestONNXExportCommand(t *testing.T) {
	dir := t.TempDir()
	shipped, err := models.Default()
	if err != nil {
		t.Fatal(err)
	}
	softmaxPath := softmaxModelFile(t)
	softmax, err := modelfile.Read(softmaxPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		model *modelfile.Model
	}{
		{"shipped-rbf", nil, shipped},
		{"softmax-file", []string{"-model", softmaxPath}, softmax},
	} {
		out := filepath.Join(dir, tc.name+".onnx")
		code, stdout, stderr := runInfer(t, dir, nil, append(tc.args, "-onnx", out)...)
		want, err := onnx.Marshal(tc.model)
		if err != nil {
			t.Fatal(err)
		}
		got, rerr := os.ReadFile(out)
		if code != exitOK || stderr != "" || !strings.Contains(stdout, "wrote "+out) || rerr != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q, %d bytes (%v); want 0 and the %d bytes of onnx.Marshal", tc.name, code, stdout, stderr, len(got), rerr, len(want))
		}
	}

	bad := filepath.Join(dir, "missing-folder", "lenet5.onnx")
	code, stdout, stderr := runInfer(t, dir, nil, "-onnx", bad)
	if code != exitFailure || stdout != "" || !strings.Contains(stderr, bad) || strings.Count(stderr, "\n") != 1 {
		t.Errorf("-onnx %s: exit %d, stdout %q, stderr %q; want 1 and one line naming the path", bad, code, stdout, stderr)
	}

	for _, args := range [][]string{
		{"-onnx", "x.onnx", "a.png"},
		{"-onnx", "x.onnx", "-mnist-test"},
		{"-per-image"},
		{"-mnist-test", "-per-image"},
	} {
		code, _, stderr := runInfer(t, dir, nil, args...)
		if code != exitUsage || !strings.Contains(stderr, "Usage") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and the usage", args, code, stderr)
		}
	}
}

// onnxTools returns what the ONNX Runtime check needs: node with
// scripts/node_modules/onnxruntime-node, and Debian's python3 with onnx.
// Without them the test is skipped with one line naming what to install,
// unless CI is set, where it fails.
func onnxTools(t *testing.T) (node, python string) {
	t.Helper()
	node = testenv.LookPath(t, "Node.js", "apt-get install -y nodejs npm", "node")
	if _, err := os.Stat("../../scripts/node_modules/onnxruntime-node/package.json"); err != nil {
		testenv.Missing(t, "onnxruntime-node is not in scripts/node_modules", "cd scripts && npm ci --ignore-scripts")
	}
	python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import onnx").Run(); err != nil {
		testenv.Missing(t, python+" cannot import onnx", "apt-get install -y python3-onnx")
	}
	return node, python
}

// The exported models pass the ONNX checker (Debian's python3-onnx,
// full_check: types and shapes inferred) and, run in ONNX Runtime on the
// 10,000 MNIST test images by scripts/onnx-check.mjs, make the same number
// of errors as infer, with predictions differing on at most one image and
// probabilities within 1e-4: for the shipped RBF model and a softmax one.
func TestONNXRuntimeAgrees(t *testing.T) {
	node, python := onnxTools(t)
	dir := t.TempDir()
	for _, tc := range []struct{ name, model string }{
		{"shipped-rbf", ""},
		{"softmax", softmaxModelFile(t)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var modelArgs []string
			if tc.model != "" {
				modelArgs = []string{"-model", tc.model}
			}
			out := filepath.Join(dir, tc.name+".onnx")
			if code, _, stderr := runInfer(t, dir, nil, append(modelArgs, "-onnx", out)...); code != exitOK {
				t.Fatalf("-onnx: exit %d: %s", code, stderr)
			}
			check := exec.Command(python, "-c", "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print('onnx', onnx.__version__, 'checker: ok')", out)
			if b, err := check.CombinedOutput(); err != nil {
				t.Fatalf("onnx.checker.check_model: %v\n%s", err, b)
			} else {
				t.Logf("%s", b)
			}
			code, results, stderr := runInfer(t, dir, nil, append(modelArgs, "-mnist-test", "-json", "-per-image")...)
			if code != exitOK {
				t.Fatalf("-mnist-test -json -per-image: exit %d: %s", code, stderr)
			}
			resultsFile := filepath.Join(dir, tc.name+".json")
			if err := os.WriteFile(resultsFile, []byte(results), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(node, "../../scripts/onnx-check.mjs", "--go-results", resultsFile, out)
			b, err := cmd.CombinedOutput()
			t.Logf("%s", b)
			if err != nil {
				t.Fatalf("onnx-check.mjs: %v", err)
			}
			if !strings.Contains(string(b), "ok: same error count") {
				t.Errorf("onnx-check.mjs did not report agreement")
			}
		})
	}
	// The check can fail: the softmax export against the shipped model's results.
	b, err := exec.Command(node, "../../scripts/onnx-check.mjs", "--go-results", filepath.Join(dir, "shipped-rbf.json"), filepath.Join(dir, "softmax.onnx")).CombinedOutput()
	if err == nil || !strings.Contains(string(b), "FAIL: the engines disagree") {
		t.Errorf("onnx-check.mjs on a softmax export and the RBF model's results: %v\n%s\nwant exit 1 and FAIL", err, b)
	}
	// Results without -per-image are refused with one line naming the file.
	code, summary, stderr := runInfer(t, dir, nil, "-mnist-test", "-json")
	if code != exitOK {
		t.Fatalf("-mnist-test -json: exit %d: %s", code, stderr)
	}
	summaryFile := filepath.Join(dir, "summary.json")
	if err := os.WriteFile(summaryFile, []byte(summary), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err = exec.Command(node, "../../scripts/onnx-check.mjs", "--go-results", summaryFile, filepath.Join(dir, "shipped-rbf.onnx")).CombinedOutput()
	if want := "onnx-check: " + summaryFile + ": no per-image results"; err == nil || !strings.HasPrefix(string(b), want) || strings.Count(string(b), "\n") != 1 {
		t.Errorf("onnx-check.mjs on -mnist-test -json without -per-image: %v\n%s\nwant exit 1 and one line starting %q", err, b, want)
	}
	// Per-image results (whose counts are -mnist-test -json's) cut short
	// are refused the same way, with the count.
	full, err := os.ReadFile(filepath.Join(dir, "shipped-rbf.json"))
	if err != nil {
		t.Fatal(err)
	}
	var results map[string]any
	if err := json.Unmarshal(full, &results); err != nil {
		t.Fatal(err)
	}
	var counts map[string]any
	if err := json.Unmarshal([]byte(summary), &counts); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"images", "errors", "error_rate"} {
		if results[k] != counts[k] {
			t.Errorf("-per-image %s %v, -mnist-test -json %v", k, results[k], counts[k])
		}
	}
	results["probabilities"] = results["probabilities"].([]any)[:20]
	short, err := json.Marshal(results)
	if err != nil {
		t.Fatal(err)
	}
	shortFile := filepath.Join(dir, "short.json")
	if err := os.WriteFile(shortFile, short, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err = exec.Command(node, "../../scripts/onnx-check.mjs", "--go-results", shortFile, filepath.Join(dir, "shipped-rbf.onnx")).CombinedOutput()
	if want := "onnx-check: " + shortFile + ": 20 probabilities, but the test set"; err == nil || !strings.HasPrefix(string(b), want) || strings.Count(string(b), "\n") != 1 {
		t.Errorf("onnx-check.mjs on per-image results of 20 images: %v\n%s\nwant exit 1 and one line starting %q", err, b, want)
	}
}
