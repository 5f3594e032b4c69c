// Command rejectionplot draws the rejection curve of `infer -mnist-test
// -json` (the paper's Fig. 10 for our model) as a PNG, with the paper's
// entries for other classifiers: the share of the test images each must
// reject to reach 0.5% error. It is kept out of cmd/infer so that infer
// does not link gonum/plot.
//
//	go run ./cmd/infer -mnist-test -json | go run ./scripts/rejectionplot -o models/rejection.png
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/color"
	"io"
	"os"

	"github.com/lenet5-go/lenet5/internal/atomicfile"
	"github.com/lenet5-go/lenet5/train"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// paperEntries are the paper's Fig. 10: the percentage of the test images
// each classifier must reject to reach 0.5% error. It gives none for LeNet-5.
var paperEntries = []struct {
	name   string
	reject float64 // percent
}{
	{"boosted LeNet-4", 0.5},
	{"LeNet-4", 1.8},
	{"SVM poly 4", 1.8},
	{"tangent distance", 1.9},
	{"LeNet-1", 3.7},
	{"deslanted K-NN", 8.1},
}

// evaluation is the part of infer's -mnist-test -json output drawn here.
type evaluation struct {
	ErrorRate float64                `json:"error_rate"`
	RejectFor *float64               `json:"reject_for_0_5_percent"`
	Rejection []train.RejectionPoint `json:"rejection"`
}

func main() {
	out := flag.String("o", "rejection.png", "the PNG to write")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "rejectionplot: unexpected argument %q: the PNG to write goes after -o, the JSON comes on standard input\n", flag.Arg(0))
		os.Exit(2)
	}
	if err := run(os.Stdin, *out); err != nil {
		fmt.Fprintln(os.Stderr, "rejectionplot:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, path string) error {
	var e evaluation
	if err := json.NewDecoder(in).Decode(&e); err != nil {
		return fmt.Errorf("reading infer -mnist-test -json from standard input: %w", err)
	}
	if len(e.Rejection) == 0 || e.RejectFor == nil {
		return errors.New("the input has no rejection curve: give it the output of infer -mnist-test -json")
	}
	p := plot.New()
	p.Title.Text = "Rejection performance (paper, Fig. 10)"
	p.X.Label.Text = "test images rejected, least confident first (%)"
	p.Y.Label.Text = "error on the rest (%)"
	p.Legend.Top = true

	var curve plotter.XYs
	for _, pt := range e.Rejection {
		curve = append(curve, plotter.XY{X: 100 * pt.Rejected, Y: 100 * pt.Error})
	}
	line, err := plotter.NewLine(curve)
	if err != nil {
		return err
	}
	line.Color, line.Width = color.RGBA{B: 200, A: 255}, vg.Points(1.5)
	p.Add(line)
	p.Legend.Add("LeNet-5, this model", line)

	target, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0.5}, {X: 10, Y: 0.5}})
	if err != nil {
		return err
	}
	target.Color, target.Dashes = color.Gray{Y: 120}, []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(target)
	p.Legend.Add("0.5% error", target)

	ours, err := plotter.NewScatter(plotter.XYs{{X: 100 * *e.RejectFor, Y: 0.5}})
	if err != nil {
		return err
	}
	ours.Color, ours.Shape, ours.Radius = color.RGBA{B: 200, A: 255}, draw.CircleGlyph{}, vg.Points(4)
	p.Add(ours)

	// Each entry's label stands above its marker, the close ones (0.5% to
	// 1.9%) one above the other so that they do not overlap.
	var pts, at plotter.XYs
	var names []string
	for i, pe := range paperEntries {
		pts = append(pts, plotter.XY{X: pe.reject, Y: 0.5})
		y := 0.53
		if pe.reject < 2 {
			y += 0.045 * float64(i)
		}
		at = append(at, plotter.XY{X: pe.reject, Y: y})
		names = append(names, fmt.Sprintf("%s %.1f%%", pe.name, pe.reject))
	}
	at = append(at, plotter.XY{X: 100 * *e.RejectFor, Y: 0.43})
	names = append(names, fmt.Sprintf("this model %.2f%%", 100**e.RejectFor))
	paper, err := plotter.NewScatter(pts)
	if err != nil {
		return err
	}
	paper.Color, paper.Shape, paper.Radius = color.RGBA{R: 200, A: 255}, draw.PyramidGlyph{}, vg.Points(4)
	p.Add(paper)
	p.Legend.Add("the paper's classifiers at 0.5%", paper)
	labels, err := plotter.NewLabels(plotter.XYLabels{XYs: at, Labels: names})
	if err != nil {
		return err
	}
	p.Add(labels)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 10, 0, 0.85

	img := vgimg.New(8*vg.Inch, 5*vg.Inch)
	p.Draw(draw.New(img))
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
}
