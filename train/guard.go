package train

import (
	"errors"
	"fmt"
)

// ErrDiverged is returned by Run when the divergence guard stops a run
// whose loss has blown up. Like a non-finite loss, it stops the run before
// the checkpoint is written.
var ErrDiverged = errors.New("training diverged")

// The divergence guard. A run diverges when its steps are too large for
// the curvature: the weights blow up, the tanh units saturate, the
// gradients vanish and the network stays at chance for good, with a loss
// well above its starting value. Measured on the real MNIST (docs/sdlm.md):
// diverged runs (SDLM at mu 0.02, per-pattern SGD at 0.025, softmax SGD at
// 5) sit at 89-91% training error with a mean loss of about three times
// the first pattern's (RBF head) or hundreds of times it (softmax) from
// the first thousand patterns on; runs that learn slowly (SGD at 0.0001,
// SDLM at eta/50) also stay near chance for thousands of patterns, but
// their loss falls. So the guard stops a run only when both hold over the
// last guardWindow training images: the error rate (measured on the fly,
// each pattern classified before its step) is near chance, and the mean
// loss is at least guardLoss times the loss of the run's first batch.
const (
	// guardWindow is how many of the most recent training images the
	// guard looks at; it looks once that many have been trained.
	guardWindow = 1000
	// guardError is the error rate over the window, near chance (90% on
	// ten classes), that a diverged run shows.
	guardError = 0.8
	// guardLoss is the factor by which the window's mean loss exceeds the
	// first batch's in a diverged run.
	guardLoss = 2
)

// guard is the divergence guard's state: the run's first loss and the
// most recent batches' counts. It starts afresh when a run is resumed.
type guard struct {
	start          float64      // loss of the first batch
	batches        []guardBatch // oldest first, covering at least the window
	images, errors int          // sums over batches
	lossSum        float64      // sum over batches of the batch loss times its images
}

type guardBatch struct {
	images, errors int
	loss           float64
}

// observe records a batch of n images with errs misclassified and mean
// loss, and returns ErrDiverged (wrapped with what it saw and what to
// try) when the run should stop.
func (g *guard) observe(n, errs int, loss float64, solver string) error {
	if len(g.batches) == 0 {
		g.start = loss
	}
	g.batches = append(g.batches, guardBatch{n, errs, loss})
	g.images += n
	g.errors += errs
	g.lossSum += loss * float64(n)
	for len(g.batches) > 1 && g.images-g.batches[0].images >= guardWindow {
		old := g.batches[0]
		g.batches = g.batches[1:]
		g.images -= old.images
		g.errors -= old.errors
		g.lossSum -= old.loss * float64(old.images)
	}
	if g.images < guardWindow {
		return nil
	}
	rate, mean := float64(g.errors)/float64(g.images), g.lossSum/float64(g.images)
	if rate < guardError || mean < guardLoss*g.start {
		return nil
	}
	return fmt.Errorf("%w: loss %.4g; over the last %d images the mean loss was %.4g, %.1f times the first batch's %.4g, and the training error %.1f%% (chance is 90%%); training stopped, no model written; %s",
		ErrDiverged, loss, g.images, mean, mean/g.start, g.start, 100*rate, retryAdvice(solver))
}

// retryAdvice says which flags to change after a run with the named
// solver diverged or its loss became non-finite (sdlm refuses -clip).
func retryAdvice(solver string) string {
	if solver == "sdlm" {
		return "try a larger -mu (e.g. -mu 0.5) or a smaller -lr"
	}
	return "try a smaller -lr or a -clip"
}
