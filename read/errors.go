package read

import "errors"

// The package's errors. A blank image is data.ErrNoDigit, wrapped.
var (
	// ErrTooLarge: the image has more than MaxPixels pixels.
	ErrTooLarge = errors.New("image too large")
	// ErrLength: no reading of Options.Length digits exists (the line has
	// too few or too many pieces for it).
	ErrLength = errors.New("no reading of the asked length")
	// ErrScorer: the scorer failed or broke its contract (a wrong number of
	// Scores, a negative or non-finite cost).
	ErrScorer = errors.New("scorer failed")
)

// Errors of the lattice that a correct segmentation never gives: every
// segment has a piece of its own, so a path always exists.
var (
	errNoPath = errors.New("no path")
	errBadArc = errors.New("arc outside the lattice")
)
