// Command windowerrors measures the SDNN's network window by window
// (issue 22): windows of written numbers made as cmd/train -windows makes
// them (train.Windows, labelled by the digits' centres), read by the
// network, from the digits it trained on and from the held-out ones, in
// each spacing.
//
//	go run ./scripts/windowerrors                 # the shipped SDNN's network
//	go run ./scripts/windowerrors -model FILE
//
// A window within 0.1 reference heights of a digit's centre should read
// as that digit, one 0.25 or more from every centre as none (the rubbish
// class); the label read is the most probable of the eleven. It prints,
// per digit set and spacing, how many digit windows read wrong and how
// many of them as none, and how many rubbish windows read as a digit. The
// same figures for the training digits and the held-out ones say whether
// the network fails to fit its windows or fails to generalise from them.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/internal/synth"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
	"github.com/lenet5-go/lenet5/read"
	"github.com/lenet5-go/lenet5/train"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "windowerrors:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// seed is the windows' seed: fixed, so that every run reads the same
// windows.
const seed = 22_0104

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("windowerrors", flag.ContinueOnError)
	modelPath := fs.String("model", "", "the SDNN's network (default: the shipped one, models.SDNN)")
	n := fs.Int("n", 20_000, "windows to make for each digit set and spacing")
	workers := fs.Int("workers", 2, "goroutines making windows")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 || *n < 1 || *n > 1_000_000 || *workers < 1 {
		return fmt.Errorf("%w: windowerrors [-model FILE] [-n 1..1000000] [-workers N]", errUsage)
	}
	m, err := loadModel(*modelPath)
	if err != nil {
		return err
	}
	mnist, err := data.Load("")
	if err != nil {
		return err
	}
	trained, heldOut, _, err := synth.Split(mnist)
	if err != nil {
		return err
	}
	scorer, err := read.NewModelScorer(m)
	if err != nil {
		return err
	}
	defer scorer.Close()
	fmt.Fprintf(stdout, "%s: %d windows of each digit set and spacing (seed %d)\n\n", m.Net, *n, seed)
	fmt.Fprintln(stdout, "| digits | spacing | digit windows | read wrong | as none | rubbish windows | read as a digit |")
	fmt.Fprintln(stdout, "|---|---|---:|---:|---:|---:|---:|")
	for _, set := range []struct {
		name   string
		digits []synth.Digit
	}{{"trained on", trained}, {"held out", heldOut}} {
		for _, sp := range synth.Spacings {
			ws, err := train.Windows(set.digits, *n, seed, *workers, sp.String(), nil)
			if err != nil {
				return err
			}
			c, err := count(scorer, ws)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "| %s | %s | %d | %s | %s | %d | %s |\n", set.name, sp, c.digits,
				percent(c.wrong, c.digits), percent(c.asNone, c.digits), c.rubbish, percent(c.asDigit, c.rubbish))
		}
	}
	return nil
}

// counts are the windows of one set read by the network.
type counts struct {
	digits, wrong, asNone int
	rubbish, asDigit      int
}

// count reads the windows ws with s: each window's label is its most
// probable, a digit or none.
func count(s *read.ModelScorer, ws *data.Set) (counts, error) {
	var c counts
	n := len(ws.Labels)
	if len(ws.Images) != n*data.ImageSize {
		return c, fmt.Errorf("%d windows with %d bytes of images", n, len(ws.Images))
	}
	pieces := make([][]uint8, n)
	for i := range n {
		pieces[i] = ws.Images[i*data.ImageSize : (i+1)*data.ImageSize]
	}
	scores, err := s.Score(pieces)
	if err != nil {
		return c, err
	}
	for i, sc := range scores {
		label := read.NoneLabel
		top := sc.None
		for d, p := range sc.Prob {
			if p > top {
				label, top = d, p
			}
		}
		if ws.Labels[i] == data.Rubbish {
			c.rubbish++
			if label != read.NoneLabel {
				c.asDigit++
			}
			continue
		}
		c.digits++
		if label != int(ws.Labels[i]) {
			c.wrong++
			if label == read.NoneLabel {
				c.asNone++
			}
		}
	}
	return c, nil
}

func percent(k, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f%%", 100*float64(k)/float64(n))
}

func loadModel(path string) (*modelfile.Model, error) {
	if path == "" {
		return models.SDNN()
	}
	return modelfile.Read(path)
}
