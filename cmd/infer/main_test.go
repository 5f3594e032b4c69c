package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/internal/synth"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
	"github.com/lenet5-go/lenet5/train"
	xdraw "golang.org/x/image/draw"
)

// goOutput is a file a go command writes once per test run, into a
// directory of its own.
type goOutput struct {
	once sync.Once
	path string
	err  error
}

// get runs go with args(path) the first time, path being name in a new
// temporary directory, and returns path; a failure (what, the error and
// the command's output) fails t, this time and every later one.
func (o *goOutput) get(t *testing.T, what, name string, args func(path string) []string) string {
	t.Helper()
	o.once.Do(func() {
		dir, err := os.MkdirTemp("", "infer-test")
		if err != nil {
			o.err = err
			return
		}
		o.path = filepath.Join(dir, name)
		if out, err := exec.Command("go", args(o.path)...).CombinedOutput(); err != nil {
			o.err = fmt.Errorf("%s: %v\n%s", what, err, out)
		}
	})
	if o.err != nil {
		t.Fatal(o.err)
	}
	return o.path
}

// inferBinary is cmd/infer, built once.
var inferBinary goOutput

// binary builds cmd/infer once; the tests run the real program.
func binary(t *testing.T) string {
	t.Helper()
	return inferBinary.get(t, "building infer", "infer", func(path string) []string {
		return []string{"build", "-o", path, "."}
	})
}

// runInfer runs the binary in dir and returns exit status, stdout, stderr.
func runInfer(t *testing.T, dir string, stdin []byte, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

var (
	mnistOnce sync.Once
	mnist     *data.MNIST
	mnistErr  error
)

func realMNIST(t testing.TB) *data.MNIST {
	t.Helper()
	mnistOnce.Do(func() { mnist, mnistErr = data.Load("") })
	if mnistErr != nil {
		t.Fatal(mnistErr)
	}
	return mnist
}

// digitPicture renders MNIST test digit i at size x size, white ink on
// black (as MNIST) or, inverted, black ink on white.
func digitPicture(t testing.TB, i, size int, inverted bool) image.Image {
	raw := realMNIST(t).Test.Image(i)
	src := image.NewGray(image.Rect(0, 0, data.Side, data.Side))
	for k, p := range raw {
		src.Pix[k] = p
		if inverted {
			src.Pix[k] = 255 - p
		}
	}
	if size == data.Side {
		return src
	}
	dst := image.NewGray(image.Rect(0, 0, size, size))
	xdraw.BiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), xdraw.Src, nil)
	return dst
}

// writeImage encodes img into dir/name by the name's extension.
func writeImage(t testing.TB, dir, name string, img image.Image) string {
	t.Helper()
	var b bytes.Buffer
	var err error
	switch filepath.Ext(name) {
	case ".png":
		err = png.Encode(&b, img)
	case ".jpg":
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 95})
	case ".gif":
		err = gif.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// shippedModelRight returns the first n test digits the shipped model
// classifies correctly from their MNIST input, the reference for the
// image pipeline.
func shippedModelRight(t *testing.T, n int) []int {
	m, err := models.Default()
	if err != nil {
		t.Fatal(err)
	}
	eval := train.NewEvaluator(m, 0, 0)
	defer eval.Close()
	r, err := eval.Evaluate(realMNIST(t).Test, data.Range(3*n))
	if err != nil {
		t.Fatal(err)
	}
	var right []int
	for i, p := range r.Predictions {
		if p == realMNIST(t).Test.Label(i) && len(right) < n {
			right = append(right, i)
		}
	}
	return right
}

// MNIST test digits written as PNG at several sizes and both polarities
// are classified right by the shipped model through the whole pipeline
// (-digit: each whole image as one digit).
func TestClassifiesDigitPicturesAtSizesAndPolarities(t *testing.T) {
	dir := t.TempDir()
	digits := shippedModelRight(t, 30)
	var files []string
	var want []int
	for _, i := range digits {
		for _, size := range []int{28, 64, 200} {
			for _, inv := range []bool{false, true} {
				files = append(files, writeImage(t, dir, fmt.Sprintf("d%d_%d_%v.png", i, size, inv), digitPicture(t, i, size, inv)))
				want = append(want, realMNIST(t).Test.Label(i))
			}
		}
	}
	code, stdout, stderr := runInfer(t, dir, nil, append([]string{"-digit"}, files...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != len(files) {
		t.Fatalf("%d lines for %d files", len(lines), len(files))
	}
	wrong := 0
	for k, line := range lines {
		var file string
		var digit int
		var conf float64
		if _, err := fmt.Sscanf(strings.ReplaceAll(line, "\t", " "), "%s %d %f", &file, &digit, &conf); err != nil || file != files[k] {
			t.Fatalf("line %q: %v", line, err)
		}
		if digit != want[k] {
			wrong++
			t.Errorf("%s: %d, want %d", filepath.Base(file), digit, want[k])
		}
	}
	t.Logf("%d of %d pictures right", len(files)-wrong, len(files))
}

// Every kind of bad input gets one clear line naming the file, the other
// files are still classified, and the status is 1.
func TestBadInputs(t *testing.T) {
	dir := t.TempDir()
	good := writeImage(t, dir, "good.png", digitPicture(t, 0, 28, false))
	var pngBytes, jpgBytes, gifBytes bytes.Buffer
	png.Encode(&pngBytes, digitPicture(t, 1, 64, true))
	jpeg.Encode(&jpgBytes, digitPicture(t, 1, 64, true), nil)
	gif.Encode(&gifBytes, digitPicture(t, 1, 64, true), nil)
	corruptJPEG := append([]byte(nil), jpgBytes.Bytes()...)
	for k := 200; k < len(corruptJPEG)-2; k += 7 {
		corruptJPEG[k] ^= 0xa5
	}
	huge := hugePNG(100000, 100000)
	blank := image.NewGray(image.Rect(0, 0, 50, 50))
	for k := range blank.Pix {
		blank.Pix[k] = 255
	}
	files := map[string][]byte{
		"empty.png":     {},
		"notes.png":     []byte("these are not the pixels you are looking for\n"),
		"cut.png":       pngBytes.Bytes()[:pngBytes.Len()/2],
		"broken.jpg":    corruptJPEG,
		"cut.jpg":       jpgBytes.Bytes()[:jpgBytes.Len()/3],
		"cut.gif":       gifBytes.Bytes()[:gifBytes.Len()/2],
		"huge.png":      huge,
		"whitepage.png": nil,
	}
	for name, b := range files {
		if name == "whitepage.png" {
			writeImage(t, dir, name, blank)
			continue
		}
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	os.Mkdir(filepath.Join(dir, "folder.png"), 0o755)
	tests := []struct{ file, want string }{
		{"missing.png", "no such file"},
		{"folder.png", "is a directory"},
		{"empty.png", "empty file"},
		{"notes.png", "not a PNG, JPEG, GIF, BMP, TIFF or WebP image"},
		{"cut.png", "truncated or corrupt image"},
		{"broken.jpg", "truncated or corrupt image"},
		{"cut.jpg", "truncated or corrupt image"},
		{"cut.gif", "truncated or corrupt image"},
		{"huge.png", "100000x100000 pixels, more than the 40000000-pixel limit"},
		{"whitepage.png", "no digit found"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			code, stdout, stderr := runInfer(t, dir, nil, tc.file, good)
			if code != exitFailure {
				t.Errorf("exit %d, want 1", code)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "infer: "+tc.file+": ") || !strings.Contains(lines[0], tc.want) {
				t.Errorf("stderr %q, want one line naming %s and saying %q", stderr, tc.file, tc.want)
			}
			if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
				t.Errorf("stack trace in stderr: %s", stderr)
			}
			if !strings.HasPrefix(stdout, good+"\t") {
				t.Errorf("the good file was not classified: %q", stdout)
			}
		})
	}
}

// hugePNG is a valid PNG header claiming w x h pixels, with no pixel data.
func hugePNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := []byte{byte(w >> 24), byte(w >> 16), byte(w >> 8), byte(w), byte(h >> 24), byte(h >> 16), byte(h >> 8), byte(h), 8, 0, 0, 0, 0}
	writeChunk(&b, "IHDR", ihdr)
	writeChunk(&b, "IEND", nil)
	return b.Bytes()
}

func writeChunk(b *bytes.Buffer, typ string, payload []byte) {
	n := len(payload)
	b.Write([]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
	crcInput := append([]byte(typ), payload...)
	b.Write(crcInput)
	c := crc32.ChecksumIEEE(crcInput)
	b.Write([]byte{byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)})
}

func TestBadModelFiles(t *testing.T) {
	dir := t.TempDir()
	good := writeImage(t, dir, "good.png", digitPicture(t, 0, 28, false))
	os.WriteFile(filepath.Join(dir, "garbage.safetensors"), []byte("garbage garbage garbage"), 0o644)
	// A model whose C3 table is broken: a weight on an unconnected pair.
	m, err := models.Default()
	if err != nil {
		t.Fatal(err)
	}
	m.Weights["c3.weight"].Data[(0*6+4)*25] = 0.25
	// modelfile.Write refuses it, so write the bytes without the checks.
	var broken bytes.Buffer
	if err := modelfile.EncodeTensors(&broken, m.Weights, m.Metadata()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mismatched.safetensors"), broken.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ model, want string }{
		{"garbage.safetensors", "garbage.safetensors: invalid format: header length"},
		{"mismatched.safetensors", "mismatched.safetensors: invalid format: c3.weight[0,4,0,0] is 0.25"},
		{"nope.safetensors", "nope.safetensors: no such file"},
	} {
		code, stdout, stderr := runInfer(t, dir, nil, "-model", tc.model, good)
		if code != exitFailure || !strings.Contains(stderr, tc.want) || stdout != "" || strings.Count(stderr, "\n") != 1 {
			t.Errorf("-model %s: exit %d, stdout %q, stderr %q; want 1 and one line saying %q", tc.model, code, stdout, stderr, tc.want)
		}
	}
}

// A -errors folder that cannot be made fails with one line naming the
// flag and the folder, before any result is printed.
func TestErrorsFolderRefused(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(file, "errs")
	code, stdout, stderr := runInfer(t, dir, nil, "-mnist-test", "-errors", bad)
	if want := "infer: -errors " + bad + ": mkdir " + file + ": not a directory\n"; code != exitFailure || stdout != "" || stderr != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1 and %q", code, stdout, stderr, want)
	}
}

func TestUsage(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{}, {"-top", "11", "x.png"}, {"-viz", "out.png", "a.png", "b.png"}, {"-errors", "d"}, {"-bogus"}, {"-mnist-test", "x.png"}} {
		code, _, stderr := runInfer(t, dir, nil, args...)
		if code != exitUsage || !strings.Contains(stderr, "Usage") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and the usage", args, code, stderr)
		}
	}
}

func TestJSONTopAndStdin(t *testing.T) {
	dir := t.TempDir()
	img := digitPicture(t, shippedModelRight(t, 1)[0], 90, true)
	var b bytes.Buffer
	png.Encode(&b, img)
	code, stdout, stderr := runInfer(t, dir, b.Bytes(), "-json", "-top", "3", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r struct {
		File          string
		Digit         int
		Confidence    float64
		Probabilities []float64
		Top           []struct {
			Digit      int
			Confidence float64
		}
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("%q: %v", stdout, err)
	}
	var total float64
	for _, p := range r.Probabilities {
		total += p
	}
	if r.File != "-" || len(r.Probabilities) != 10 || len(r.Top) != 3 || r.Top[0].Digit != r.Digit ||
		r.Confidence != r.Probabilities[r.Digit] || total < 0.999 || total > 1.001 || r.Top[1].Confidence > r.Top[0].Confidence {
		t.Fatalf("bad JSON result: %s", stdout)
	}
	code, stdout, _ = runInfer(t, dir, b.Bytes(), "-top", "2", "-")
	if f := strings.Split(strings.TrimSpace(stdout), "\t"); code != 0 || len(f) != 5 {
		t.Fatalf("-top 2 line %q", stdout)
	}
}

// -mnist-test reports the error count the model was trained to, and
// -errors writes each misclassified digit and the contact sheet.
func TestMNISTTestAndErrors(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runInfer(t, dir, nil, "-mnist-test", "-json", "-errors", "errs")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r struct {
		Images, Errors  int
		ErrorRate       float64 `json:"error_rate"`
		Confusion       [10][10]int
		Seconds         float64
		ImagesPerSecond float64                `json:"images_per_second"`
		RejectFor       float64                `json:"reject_for_0_5_percent"`
		Threshold       float64                `json:"reject_threshold"`
		Rejection       []train.RejectionPoint `json:"rejection"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	diag := 0
	for d := range 10 {
		diag += r.Confusion[d][d]
	}
	if r.Images != 10000 || r.Images-diag != r.Errors || r.ErrorRate > 0.01 {
		t.Fatalf("%d images, %d errors (%d off the diagonal), rate %v; want 10000 and at most 1%%", r.Images, r.Errors, r.Images-diag, r.ErrorRate)
	}
	m, _ := models.Default()
	if want := m.Meta["test_errors"]; want != fmt.Sprint(r.Errors) {
		t.Errorf("%d errors, but training reported %s for this model", r.Errors, want)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "errs"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != r.Errors+1 {
		t.Errorf("%d files in -errors, want %d digits and the contact sheet", len(entries), r.Errors)
	}
	if r.Seconds <= 0 || math.Abs(r.ImagesPerSecond*r.Seconds-float64(r.Images)) > 1e-6*float64(r.Images) {
		t.Errorf("seconds %v and images_per_second %v do not make %d images", r.Seconds, r.ImagesPerSecond, r.Images)
	}
	// Rejection: the curve starts at the plain error rate, rejects more at
	// every point, and the errors marked _rejected are those whose
	// rejection brings the rest to 0.5% at the printed share.
	if len(r.Rejection) < 2 || r.Rejection[0] != (train.RejectionPoint{Rejected: 0, Error: r.ErrorRate}) {
		t.Fatalf("rejection curve %v does not start at the error rate %v", r.Rejection, r.ErrorRate)
	}
	for i := 1; i < len(r.Rejection); i++ {
		if r.Rejection[i].Rejected <= r.Rejection[i-1].Rejected {
			t.Fatalf("rejection curve not increasing at %d: %v", i, r.Rejection)
		}
	}
	if r.RejectFor <= 0 || r.RejectFor >= 0.05 {
		t.Fatalf("reject_for_0_5_percent %v, want a small share for this model", r.RejectFor)
	}
	rejectedErrors := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), "_rejected.png") {
			rejectedErrors++
		}
	}
	kept := float64(r.Images) * (1 - r.RejectFor)
	if left := r.Errors - rejectedErrors; rejectedErrors == 0 || float64(left)/kept > 0.005+1e-9 {
		t.Errorf("%d of %d errors marked rejected: %d left in %.0f accepted images is over 0.5%%", rejectedErrors, r.Errors, left, kept)
	}
}

// -digit -viz draws every layer of one digit.
func TestVizWritesPicture(t *testing.T) {
	dir := t.TempDir()
	in := writeImage(t, dir, "three.png", digitPicture(t, 18, 120, true))
	code, stdout, stderr := runInfer(t, dir, nil, "-digit", "-viz", "layers.png", in)
	if code != 0 || !strings.Contains(stdout, "layers.png") {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	f, err := os.Open(filepath.Join(dir, "layers.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width < 800 || cfg.Height < 300 {
		t.Fatalf("picture %dx%d (%v)", cfg.Width, cfg.Height, err)
	}
}

// The paper's other networks' model files classify digits and the test
// set in their own input formats, with the errors their training recorded;
// what needs LeNet-5 (reading numbers) says so.
func TestOtherNetworks(t *testing.T) {
	for _, name := range []string{"lenet1", "mlp-300-10", "boosted-lenet4"} {
		t.Run(name, func(t *testing.T) {
			file, err := filepath.Abs(filepath.Join("..", "..", "models", "runs", name+".safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			m, err := modelfile.Read(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			checkMNISTTest(t, dir, file, m)
			// Test digit 0 (a 7) as a 64x64 picture, which every one of these
			// networks gets right in -mnist-test.
			seven := writeImage(t, dir, "seven.png", digitPicture(t, 0, 64, false))
			code, stdout, stderr := runInfer(t, dir, nil, "-model", file, "-digit", seven)
			if f := strings.Fields(stdout); code != 0 || len(f) != 3 || f[1] != "7" {
				t.Errorf("-digit seven.png: exit %d, %q %s", code, stdout, stderr)
			}
			code, _, stderr = runInfer(t, dir, nil, "-model", file, seven)
			if code != 1 || !strings.Contains(stderr, "reading numbers, -viz, -serve and -onnx need a LeNet-5 model") {
				t.Errorf("reading with %s: exit %d, stderr %q", name, code, stderr)
			}
		})
	}
}

// checkMNISTTest runs infer -model file -mnist-test and checks that it
// finds the errors the file records.
func checkMNISTTest(t *testing.T, dir, file string, m *modelfile.Model) {
	t.Helper()
	code, stdout, stderr := runInfer(t, dir, nil, "-model", file, "-mnist-test", "-json")
	var r struct{ Errors int }
	if code != 0 || json.Unmarshal([]byte(stdout), &r) != nil {
		t.Fatalf("-mnist-test: exit %d: %s%s", code, stdout, stderr)
	}
	if want := m.Meta["test_errors"]; fmt.Sprint(r.Errors) != want {
		t.Errorf("-mnist-test: %d errors, the file records %s", r.Errors, want)
	}
}

// An ensemble of LeNet-5s (the shipped reader's model is one) reads
// numbers and classifies digits with its members' distances averaged;
// what needs one network (-serve, -onnx, -digit -viz) says so.
func TestEnsembleModel(t *testing.T) {
	file, err := filepath.Abs(filepath.Join("..", "..", "models", "lenet5-reader.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := modelfile.Read(file)
	if err != nil || !modelfile.IsEnsemble(m.Net) {
		t.Fatalf("%s: %v, network %q", file, err, m.Net)
	}
	dir := t.TempDir()
	checkMNISTTest(t, dir, file, m)
	number, text := writtenNumber(t, dir, "number.png", 4, synth.Apart, 7)
	code, stdout, stderr := runInfer(t, dir, nil, "-model", file, number)
	if f := strings.Fields(stdout); code != 0 || len(f) != 3 || f[1] != text {
		t.Errorf("reading %s with the ensemble: exit %d, %q %s", text, code, stdout, stderr)
	}
	seven := writeImage(t, dir, "seven.png", digitPicture(t, 0, 64, false))
	code, _, stderr = runInfer(t, dir, nil, "-model", file, "-digit", "-viz", filepath.Join(dir, "v.png"), seven)
	if code != 1 || !strings.Contains(stderr, "need a LeNet-5 model") {
		t.Errorf("-digit -viz with an ensemble: exit %d, stderr %q", code, stderr)
	}
}

// -digit with a calibrated model (the reader's) prints its calibrated
// P(d), and "?" for an image its digit threshold rejects: letters.
func TestDigitRejects(t *testing.T) {
	file, err := filepath.Abs(filepath.Join("..", "..", "models", "lenet5-reader.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := []string{writeImage(t, dir, "seven.png", digitPicture(t, 0, 64, false))}
	for _, r := range "AKMRW" {
		files = append(files, letter(t, dir, r))
	}
	code, stdout, stderr := runInfer(t, dir, nil, append([]string{"-model", file, "-digit"}, files...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	t.Logf("infer's output:\n%s", stdout)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != len(files) {
		t.Fatalf("%d lines for %d files", len(lines), len(files))
	}
	if f := strings.Split(lines[0], "\t"); len(f) != 3 || f[1] != "7" {
		t.Errorf("seven.png: %q, want 7", lines[0])
	}
	rejected := 0
	for _, line := range lines[1:] {
		if f := strings.Split(line, "\t"); len(f) == 3 && f[1] == "?" {
			rejected++
		}
	}
	if rejected < 4 {
		t.Errorf("%d of 5 letters rejected, want at least 4", rejected)
	}
	code, stdout, _ = runInfer(t, dir, nil, "-model", file, "-digit", "-json", files[1])
	var r struct {
		Digit    int
		Rejected bool
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &r) != nil || !r.Rejected {
		t.Errorf("-json on a letter: exit %d, %q, want rejected", code, stdout)
	}
}
