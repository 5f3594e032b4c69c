package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/lenet5-go/lenet5/train"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// progress shows training as it goes: a bar per epoch on a terminal, one
// plain line per epoch otherwise.
type progress struct {
	stdout, stderr io.Writer
	terminal       bool
	bar            *progressbar.ProgressBar
	barEpoch       int
}

func newProgress(stdout, stderr io.Writer, terminal bool) *progress {
	return &progress{stdout: stdout, stderr: stderr, terminal: terminal}
}

// batch updates the bar.
func (p *progress) batch(b train.BatchProgress) {
	if !p.terminal {
		return
	}
	if p.bar == nil || p.barEpoch != b.Epoch {
		p.barEpoch = b.Epoch
		p.bar = progressbar.NewOptions(b.Batches,
			progressbar.OptionSetWriter(p.stderr),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		p.bar.Set(b.Batch - 1)
	}
	p.bar.Describe(fmt.Sprintf("epoch %d/%d  loss %.4f  %5.0f img/s", b.Epoch, b.Epochs, b.RunningLoss, b.ImagesPerSecond))
	p.bar.Set(b.Batch)
}

// epoch prints the epoch's line.
func (p *progress) epoch(m train.EpochMetrics) {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
	line := fmt.Sprintf("epoch %2d  lr %.3g  loss %.4f  train error %.2f%%  test error %.2f%%",
		m.Epoch, m.LR, m.TrainLoss, 100*m.TrainError, 100*m.TestError)
	if m.ValidationError != nil {
		line += fmt.Sprintf("  validation error %.2f%%", 100**m.ValidationError)
	}
	if m.SDLMRates != nil {
		line += fmt.Sprintf("  sdlm rates %.2g..%.2g", m.SDLMRates[0], m.SDLMRates[1])
	}
	line += fmt.Sprintf("  %.1f s  %.0f img/s", m.Seconds, m.ImagesPerSecond)
	fmt.Fprintln(p.stdout, line)
}
