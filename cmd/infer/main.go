// Command infer classifies images of handwritten digits with LeNet-5.
//
//	infer [flags] FILE...          read the number written in each image (PNG, JPEG, GIF, BMP, TIFF, WebP; - for stdin)
//	infer -digit FILE...           classify each whole image as one digit
//	infer -mnist-test [-errors DIR] evaluate on the 10,000 MNIST test images
//	infer -viz OUT.png FILE        draw how the number was read (with -digit: every layer's activations)
//	infer -serve ADDR              serve the live demo: draw a digit, watch every layer respond
//	infer -onnx OUT.onnx           write the model as ONNX
//
// The trained model ships inside the binary (package models); -model FILE
// uses another model file of either head. Exit status: 0 when every file
// was classified (or the server shut down cleanly), 1 when any failed, 2
// for bad usage.
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
	"runtime/debug"
	"syscall"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/internal/cpu"
	"github.com/lenet5-go/lenet5/internal/hugeheap"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// heapReserve is the heap hugeheap.Advise maps and advises at start: more
// than reading a line of digits touches (about 8 MB), a 2 MB page being
// the unit.
const heapReserve = 32 << 20

// commandGCPercent is the garbage collector's GOGC for the commands that
// read some files and exit (every mode but -serve). They keep little live
// heap (a line's planes, the models: tens of MB at most), and collecting
// it as often as GOGC=100 does costs a short command more than the memory
// saved: the whole `infer FILE` on 31415.png took 51-53 ms with GOGC=400
// against 60-61 ms, and a 3000x3000 page of specks peaked at 85 MB against
// 73 MB (docs/performance.md). The demo server, which lives long, keeps
// the runtime's default.
const commandGCPercent = 400

func main() {
	// Huge pages for the heap make a short command's page faults few
	// (docs/performance.md); advice only, so an error changes nothing.
	_, _ = hugeheap.Advise(heapReserve)
	// LENET5_CPU asking for a path this CPU lacks is a usage error.
	if err := cpu.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "infer:", err)
		os.Exit(exitUsage)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the parsed flags.
type options struct {
	model     string
	json      bool
	top       int
	mnistTest bool
	dataDir   string
	errorsDir string
	viz       string
	serve     string
	workers   int
	onnx      string
	perImage  bool
	digit     bool
	length    int
	threshold float64
	files     []string
}

// errUsage marks a usage error already reported.
var errUsage = errors.New("usage")

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("infer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage:
  infer [flags] FILE...           read the number written in each image (- reads standard input)
  infer -digit [flags] FILE...    classify each whole image as one digit
  infer -mnist-test [flags]       evaluate on the 10,000 MNIST test images
  infer -viz OUT.png FILE         draw how the number was read (with -digit: every layer)
  infer -serve ADDR [flags]       serve the live demo at ADDR (e.g. 127.0.0.1:8080)
  infer -onnx OUT.onnx [-model F] write the model as ONNX (docs/onnx.md)

Output: FILE<TAB>TEXT<TAB>CONFIDENCE per file, TEXT the digits read or ? when the
reading is rejected (-digit: FILE<TAB>DIGIT<TAB>CONFIDENCE; -json: one JSON object per line).

Flags:
`)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.model, "model", "", "model file to use (default: the shipped model)")
	fs.BoolVar(&o.json, "json", false, "print JSON")
	fs.IntVar(&o.top, "top", 1, "show the K most probable digits (implies -digit when K > 1)")
	fs.BoolVar(&o.digit, "digit", false, "classify each whole image as one digit instead of reading a number")
	fs.IntVar(&o.length, "length", 0, "read exactly `N` digits (e.g. 5 for a ZIP code); 0 reads any number")
	fs.Float64Var(&o.threshold, "threshold", 0, "reject a reading whose confidence is below this (0: the reader's default)")
	fs.BoolVar(&o.mnistTest, "mnist-test", false, "evaluate on the MNIST test set")
	fs.StringVar(&o.dataDir, "data", "", "folder holding the MNIST files (default: $"+data.EnvMNIST+", else the GoMNIST module)")
	fs.StringVar(&o.errorsDir, "errors", "", "with -mnist-test: write every misclassified digit and a contact sheet here")
	fs.StringVar(&o.viz, "viz", "", "draw the layer-by-layer picture of one image to this PNG file")
	fs.StringVar(&o.serve, "serve", "", "serve the live demo and its API at this address (host:port)")
	fs.IntVar(&o.workers, "workers", 0, "images classified at once (0 = number of cores)")
	fs.StringVar(&o.onnx, "onnx", "", "write the model (the shipped one or -model FILE) as ONNX to this file and exit")
	fs.BoolVar(&o.perImage, "per-image", false, "with -mnist-test -json: print instead the counts and every image's label, predicted digit and probabilities")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.files = fs.Args()
	fail := func(format string, a ...any) (options, error) {
		fmt.Fprintf(stderr, "infer: "+format+"\n\n", a...)
		fs.Usage()
		return o, errUsage
	}
	switch {
	case o.onnx != "" && (len(o.files) > 0 || o.viz != "" || o.mnistTest || o.serve != ""):
		return fail("-onnx takes no files, no -viz, no -mnist-test and no -serve")
	case o.perImage && !(o.mnistTest && o.json):
		return fail("-per-image needs -mnist-test and -json")
	case o.perImage && o.errorsDir != "":
		return fail("-per-image takes no -errors")
	case o.top < 1 || o.top > 10:
		return fail("-top %d: must be 1 to 10", o.top)
	case o.length < 0 || o.length > 64:
		return fail("-length %d: must be 0 (any) to 64", o.length)
	case !(o.threshold >= 0 && o.threshold <= 1):
		return fail("-threshold %v: must be from 0 to 1", o.threshold)
	case (o.digit || o.top > 1 || o.mnistTest || o.serve != "" || o.onnx != "") && (o.length != 0 || o.threshold != 0):
		return fail("-length and -threshold are for reading numbers: not with -digit, -top, -mnist-test, -serve or -onnx")
	case o.workers < 0:
		return fail("-workers %d: must not be negative", o.workers)
	case o.serve != "" && (len(o.files) > 0 || o.viz != "" || o.mnistTest):
		return fail("-serve takes no files, no -viz and no -mnist-test")
	case o.mnistTest && (len(o.files) > 0 || o.viz != ""):
		return fail("-mnist-test takes no files and no -viz")
	case o.errorsDir != "" && !o.mnistTest:
		return fail("-errors needs -mnist-test")
	case o.viz != "" && len(o.files) != 1:
		return fail("-viz needs exactly one image file, got %d", len(o.files))
	case !o.mnistTest && o.serve == "" && o.onnx == "" && len(o.files) == 0:
		return fail("no image files given")
	}
	if o.workers == 0 {
		o.workers = runtime.GOMAXPROCS(0)
	}
	if o.top > 1 {
		o.digit = true
	}
	return o, nil
}

// run is the program; it returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case err != nil:
		return exitUsage
	}
	if o.serve == "" && os.Getenv("GOGC") == "" {
		debug.SetGCPercent(commandGCPercent)
	}
	model, err := loadModel(o.model, reading(o))
	if err == nil {
		err = checkNet(o, model)
	}
	if err != nil {
		fmt.Fprintln(stderr, "infer:", err)
		return exitFailure
	}
	switch {
	case o.onnx != "":
		err = exportONNX(o.onnx, model, stdout)
	case o.serve != "":
		err = serveDemo(ctx, o, model, stdout, stderr)
	case o.mnistTest:
		err = mnistTest(o, model, stdout)
	case o.viz != "" && o.digit:
		err = visualize(o.viz, o.files[0], model, stdin, stdout)
	case o.viz != "":
		err = visualizeReading(o.viz, o.files[0], model, o, stdin, stdout)
	case o.digit:
		return classifyFiles(ctx, o, model, stdin, stdout, stderr)
	default:
		return readFiles(ctx, o, model, stdin, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, "infer:", err)
		return exitFailure
	}
	return exitOK
}

// checkNet refuses what only LeNet-5 can do for a model of another
// network: the others classify single digits (-digit, -mnist-test).
func checkNet(o options, m *modelfile.Model) error {
	if m.Net == "" || m.Net == "lenet5" || o.digit && o.viz == "" || o.mnistTest {
		return nil
	}
	if m.Net == modelfile.EnsemblePrefix+"lenet5" {
		if reading(o) {
			return nil // the reader averages the members' distances
		}
		return fmt.Errorf("%s holds an ensemble of LeNet-5s, which reads numbers and classifies digits (-digit FILE, -mnist-test); -digit -viz, -serve and -onnx need a LeNet-5 model of one network", m.File)
	}
	return fmt.Errorf("%s holds %s: reading numbers, -viz, -serve and -onnx need a LeNet-5 model; %s classifies single digits (-digit FILE, -mnist-test)", m.File, m.Net, m.Net)
}

// reading reports whether the run reads numbers (not -digit, -mnist-test,
// -serve or -onnx), which the shipped reader's model does.
func reading(o options) bool {
	return !o.digit && !o.mnistTest && o.serve == "" && o.onnx == ""
}

// loadModel reads the model file, or when path is "" the shipped model:
// models.Reader to read numbers, else models.Default.
func loadModel(path string, reading bool) (*modelfile.Model, error) {
	switch {
	case path != "":
		return modelfile.Read(path)
	case reading:
		return models.Reader()
	}
	return models.Default()
}
