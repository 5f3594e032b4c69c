package train

import (
	"errors"
	"fmt"
	"sync"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/internal/synth"
)

// labelledPiece is one pattern cut from a written number.
type labelledPiece struct {
	pixels []uint8
	label  uint8
}

// sampleCutter returns the labelled patterns of one written number, the
// i-th of its seed's.
type sampleCutter func(s synth.Sample, i int) ([]labelledPiece, error)

// numberPatterns makes written numbers from digits with seed, cuts each
// with a cutter (newCutter makes one per worker: cutters need not be safe
// for concurrent use) and keeps the patterns, in the numbers' order, until
// it has count of them. workers goroutines cut numbers at once; the
// result does not depend on them. what names the patterns in errors.
func numberPatterns(digits []synth.Digit, count int, seed uint64, workers int, what string, newCutter func() (sampleCutter, error)) (*data.Set, error) {
	set := &data.Set{Images: make([]uint8, 0, count*data.ImageSize), Labels: make([]uint8, 0, count)}
	workers = max(workers, 1)
	const chunk = 256 // numbers cut per round, in order
	for made := 0; set.Len() < count; made += chunk {
		samples, err := synth.StringsFrom(digits, made, chunk, seed)
		if err != nil {
			return nil, err
		}
		cut := make([][]labelledPiece, len(samples))
		errs := make([]error, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cutter, err := newCutter()
				if err != nil {
					errs[w] = err
					return
				}
				for i := w; i < len(samples); i += workers {
					if cut[i], err = cutter(samples[i], made+i); err != nil {
						errs[w] = err
						return
					}
				}
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, fmt.Errorf("cutting written numbers into %s: %w", what, err)
		}
		for _, ps := range cut {
			for _, p := range ps {
				if set.Len() == count {
					return set, nil
				}
				set.Images = append(set.Images, p.pixels...)
				set.Labels = append(set.Labels, p.label)
			}
		}
		if made > 100*count+1000 {
			return nil, fmt.Errorf("cutting written numbers into %s: %d numbers gave only %d of %d", what, made+chunk, set.Len(), count)
		}
	}
	return set, nil
}
