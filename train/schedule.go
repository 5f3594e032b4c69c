package train

import (
	"fmt"
	"math"
	"strings"
)

// ScheduleConfig chooses the learning rate of each epoch.
type ScheduleConfig struct {
	Name   string  // constant, paper, step or cosine
	Base   float64 // the base learning rate (-lr)
	Epochs int     // the run's length, for cosine
	Every  int     // step: epochs between cuts
	Gamma  float64 // step: factor of each cut
}

// paperRates are the global rates by pass of the paper's training (docs/spec.md
// §7): passes 1-2, 3-5, 6-8, 9-12, 13 on.
var paperRates = []struct {
	untilPass int
	rate      float64
}{{2, 0.0005}, {5, 0.0002}, {8, 0.0001}, {12, 0.00005}, {math.MaxInt, 0.00001}}

// PaperBase is the paper's first rate; the paper schedule scales its
// rates by Base/PaperBase, so other solvers keep the paper's shape.
const PaperBase = 0.0005

// ScheduleNames lists the schedules.
var ScheduleNames = []string{"constant", "paper", "step", "cosine"}

// Validate checks the schedule's settings.
func (c ScheduleConfig) Validate() error {
	switch c.Name {
	case "constant", "paper", "cosine":
	case "step":
		if c.Every < 1 || c.Gamma <= 0 || c.Gamma > 1 {
			return fmt.Errorf("step schedule needs -lr-step >= 1 and 0 < -lr-gamma <= 1, got %d and %g", c.Every, c.Gamma)
		}
	default:
		return fmt.Errorf("unknown schedule %q (want one of %s)", c.Name, strings.Join(ScheduleNames, ", "))
	}
	if c.Base <= 0 || math.IsInf(c.Base, 0) || math.IsNaN(c.Base) {
		return fmt.Errorf("learning rate %g must be a positive number", c.Base)
	}
	return nil
}

// Rate returns the learning rate of epoch (0-based).
func (c ScheduleConfig) Rate(epoch int) float64 {
	switch c.Name {
	case "paper":
		for _, r := range paperRates {
			if epoch+1 <= r.untilPass {
				return r.rate * c.Base / PaperBase
			}
		}
	case "step":
		return c.Base * math.Pow(c.Gamma, float64(epoch/c.Every))
	case "cosine":
		if c.Epochs <= 1 {
			return c.Base
		}
		return c.Base * 0.5 * (1 + math.Cos(math.Pi*float64(epoch)/float64(c.Epochs)))
	}
	return c.Base
}
