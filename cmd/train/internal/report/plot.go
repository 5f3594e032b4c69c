// Package report writes a training run's per-epoch figures: the JSON
// lines of -metrics and the PNG plot of -plot. It lives under cmd/train so
// that only the training command links the plotting library.
package report

import (
	"fmt"
	"image/color"
	"io"

	"github.com/lenet5-go/lenet5/internal/atomicfile"
	"github.com/lenet5-go/lenet5/train"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// WritePlot draws the training loss and the error rates by epoch as a
// PNG, two panels one above the other, and writes it atomically.
func WritePlot(path string, metrics []train.EpochMetrics) error {
	lossPlot := plot.New()
	lossPlot.Title.Text = "Training loss"
	lossPlot.X.Label.Text = "epoch"
	lossPlot.Y.Label.Text = "mean loss"
	errPlot := plot.New()
	errPlot.Title.Text = "Error rate"
	errPlot.X.Label.Text = "epoch"
	errPlot.Y.Label.Text = "error (%)"
	errPlot.Legend.Top = true

	var loss, trainErr, testErr, valErr plotter.XYs
	for _, m := range metrics {
		x := float64(m.Epoch)
		loss = append(loss, plotter.XY{X: x, Y: m.TrainLoss})
		trainErr = append(trainErr, plotter.XY{X: x, Y: 100 * m.TrainError})
		testErr = append(testErr, plotter.XY{X: x, Y: 100 * m.TestError})
		if m.ValidationError != nil {
			valErr = append(valErr, plotter.XY{X: x, Y: 100 * *m.ValidationError})
		}
	}
	if err := addLine(lossPlot, "train", loss, color.RGBA{B: 200, A: 255}); err != nil {
		return err
	}
	for _, l := range []struct {
		name string
		xys  plotter.XYs
		c    color.RGBA
	}{
		{"train", trainErr, color.RGBA{B: 200, A: 255}},
		{"test", testErr, color.RGBA{R: 200, A: 255}},
		{"validation", valErr, color.RGBA{G: 150, A: 255}},
	} {
		if len(l.xys) > 0 {
			if err := addLine(errPlot, l.name, l.xys, l.c); err != nil {
				return err
			}
		}
	}
	const w, h = 8 * vg.Inch, 8 * vg.Inch
	img := vgimg.New(w, h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadX: vg.Millimeter, PadY: 4 * vg.Millimeter, PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter, PadLeft: 2 * vg.Millimeter, PadRight: 4 * vg.Millimeter}
	canvases := plot.Align([][]*plot.Plot{{lossPlot}, {errPlot}}, tiles, dc)
	lossPlot.Draw(canvases[0][0])
	errPlot.Draw(canvases[1][0])
	return atomicfile.Write(path, func(out io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(out)
		return err
	})
}

// addLine adds a line with points to p.
func addLine(p *plot.Plot, name string, xys plotter.XYs, c color.RGBA) error {
	l, pts, err := plotter.NewLinePoints(xys)
	if err != nil {
		return fmt.Errorf("plotting %s: %w", name, err)
	}
	l.Color, pts.Color = c, c
	l.Width = vg.Points(1.5)
	p.Add(l, pts)
	p.Legend.Add(name, l, pts)
	return nil
}
