// Command readtiming times the whole `infer FILE` command, as users run it
// (a plain go build, process start to exit), on a written 8-digit number of
// about 250x40 pixels made from MNIST test digits (internal/synth, apart,
// dark ink on white; with -touching, the same digits touching, a line the
// SDNN reads again). With -against, another build of infer (an older
// commit's, say) runs too, alternating with this one, so that both see the
// same machine. The in-process figure is read's benchmark:
//
//	go run ./scripts/readtiming -runs 30
//	go run ./scripts/readtiming -runs 30 -against /tmp/infer-old
//	go test ./read -run XXX -bench Read8Digits -cpu 1 -count 5
package main

import (
	"flag"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/internal/synth"
)

func main() {
	runs := flag.Int("runs", 30, "times to run the command")
	against := flag.String("against", "", "also time this built `infer`, alternating with this tree's")
	touching := flag.Bool("touching", false, "write the digits touching (the SDNN reads the line again)")
	flag.Parse()
	if flag.NArg() > 0 || *runs < 1 {
		fmt.Fprintln(os.Stderr, "usage: readtiming [-runs N] [-against INFER] [-touching]")
		os.Exit(2)
	}
	if *against != "" {
		if _, err := os.Stat(*against); err != nil {
			fmt.Fprintln(os.Stderr, "readtiming: -against:", err)
			os.Exit(2)
		}
	}
	spacing := synth.Apart
	if *touching {
		spacing = synth.Touching
	}
	if err := run(*runs, *against, spacing); err != nil {
		fmt.Fprintln(os.Stderr, "readtiming:", err)
		os.Exit(1)
	}
}

func run(runs int, against string, spacing synth.Spacing) error {
	dir, err := os.MkdirTemp("", "readtiming")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	infer := filepath.Join(dir, "infer")
	if out, err := exec.Command("go", "build", "-o", infer, "./cmd/infer").CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/infer (run from the module's root): %v\n%s", err, out)
	}
	file, text, size, err := writeLine(dir, spacing)
	if err != nil {
		return err
	}
	bins := []string{infer}
	if against != "" {
		bins = append(bins, against)
	}
	times := make([][]time.Duration, len(bins))
	got := make([]string, len(bins))
	for range runs {
		for k, bin := range bins {
			start := time.Now()
			out, err := exec.Command(bin, file).Output()
			times[k] = append(times[k], time.Since(start))
			if err != nil {
				return fmt.Errorf("%s %s: %w", bin, file, err)
			}
			got[k] = strings.TrimSpace(string(out))
		}
	}
	for k, bin := range bins {
		ts := times[k]
		slices.Sort(ts)
		name := "this tree's infer"
		if k > 0 {
			name = bin
		}
		fmt.Printf("%s on an 8-digit line (%s, %dx%d px): %s\n", name, text, size.X, size.Y, got[k])
		fmt.Printf("whole command, %d runs: median %.1f ms, fastest %.1f ms, slowest %.1f ms\n", runs,
			ms(ts[len(ts)/2]), ms(ts[0]), ms(ts[len(ts)-1]))
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// writeLine writes 8 MNIST test digits, spaced so, as dark ink on white.
func writeLine(dir string, spacing synth.Spacing) (path, text string, size image.Point, err error) {
	m, err := data.Load("")
	if err != nil {
		return "", "", image.Point{}, err
	}
	rng := rand.New(rand.NewPCG(8, 8))
	idx := make([]int, 8)
	for k := range idx {
		idx[k] = rng.IntN(m.Test.Len())
	}
	digits, err := synth.Digits(m.Test, idx)
	if err != nil {
		return "", "", image.Point{}, err
	}
	line, err := synth.Compose(digits, spacing, rand.NewPCG(8, 9))
	if err != nil {
		return "", "", image.Point{}, err
	}
	paper := image.NewGray(line.Ink.Bounds())
	for k, v := range line.Ink.Pix {
		paper.Pix[k] = 255 - v
	}
	for _, d := range digits {
		text += fmt.Sprint(d.Label)
	}
	path = filepath.Join(dir, "line.png")
	f, err := os.Create(path)
	if err != nil {
		return "", "", image.Point{}, err
	}
	if err := png.Encode(f, paper); err != nil {
		f.Close()
		return "", "", image.Point{}, err
	}
	return path, text, paper.Bounds().Size(), f.Close()
}
