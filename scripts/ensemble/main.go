// Command ensemble writes an ensemble of model files: networks of one kind
// whose outputs are averaged (modelfile.Ensemble). The number reader's
// model is one (models/reader.md):
//
//	go run ./scripts/ensemble -out FILE A.safetensors B.safetensors
//
// The members' metadata go under their prefixes ("1/KEY", "2/KEY"), so
// the file keeps how each was trained. The ensemble is evaluated on the
// MNIST test set and its errors recorded (test_error, test_errors,
// test_images), as cmd/train records a model's; nothing is chosen on
// them.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/train"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "ensemble:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("ensemble", flag.ContinueOnError)
	out := fs.String("out", "", "write the ensemble to this `FILE`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() < 2 {
		return errors.New("usage: ensemble -out FILE MODEL MODEL [MODEL ...] (2 to 8 models)")
	}
	var members []*modelfile.Model
	for _, path := range fs.Args() {
		m, err := modelfile.Read(path)
		if err != nil {
			return err
		}
		members = append(members, m)
	}
	e, err := modelfile.Ensemble(members, map[string]string{"members": strings.Join(fs.Args(), " ")})
	if err != nil {
		return err
	}
	test, err := data.LoadTest("")
	if err != nil {
		return err
	}
	ev := train.NewEvaluator(e, train.DefaultEvalBatch, 0)
	defer ev.Close()
	r, err := ev.Evaluate(test, nil)
	if err != nil {
		return err
	}
	e.Meta[modelfile.KeyTestError] = strconv.FormatFloat(r.ErrorRate(), 'g', -1, 64)
	e.Meta[modelfile.KeyTestErrors] = strconv.Itoa(r.Errors)
	e.Meta[modelfile.KeyTestImages] = strconv.Itoa(r.Images)
	if err := modelfile.Write(*out, e); err != nil {
		return err
	}
	fmt.Printf("wrote %s: %s of %d members, test error %.2f%% (%d/%d)\n", *out, e.Net, len(members), 100*r.ErrorRate(), r.Errors, r.Images)
	return nil
}
