package read

import (
	"errors"
	"fmt"
	"math"

	"github.com/lenet5-go/lenet5/graph"
)

// Aligning the SDNN's windows with a known reading: the paper's Viterbi
// training (LeCun et al. 1998, Section VI.A) trains on the best path of
// the graph constrained to the right answer. Here that path is the least
// cost labelling of the windows, under the character model frameLabels
// decodes with, whose runs of digits spell the true text.

// ErrNoAlignment is wrapped by AlignFrames' error when no labelling of
// the windows reads the text.
var ErrNoAlignment = errors.New("no labelling of the windows reads the text")

// NoneLabel is the label AlignFrames gives a window that is no digit.
const NoneLabel = graph.Classes

// AlignFrames returns, for each of the windows scored by scores, the label
// of the least-cost labelling whose runs of digits read text: a digit
// 0-9 or NoneLabel. Its cost is frameLabels': -ln P(label) of every
// window, plus the switch cost where a run follows a run of another digit
// with no none between them; two equal digits need a none between them.
// allowed, when not nil, says whether window t may belong to the i-th
// digit of text (counted from 0), for example because it lies over that
// digit's ink. An error if text is not digits or no labelling fits.
// The switch cost is the network's own, sdnnSwitchCost (a context head
// decodes with its own costs: alignFrames).
func AlignFrames(scores []Scores, text string, allowed func(t, i int) bool) ([]int, error) {
	return alignFrames(scores, text, allowed, sdnnSwitchCost)
}

// alignFrames is AlignFrames with the switch cost change.
func alignFrames(scores []Scores, text string, allowed func(t, i int) bool, change float64) ([]int, error) {
	k := len(text)
	for i := range k {
		if text[i] < '0' || text[i] > '9' {
			return nil, fmt.Errorf("read: aligning with %q: not a string of digits", text)
		}
	}
	n := len(scores)
	if k == 0 || n < k {
		return nil, fmt.Errorf("read: aligning %d windows with %q: %w", n, text, ErrNoAlignment)
	}
	// States 2i are the none before digit i (2k the none after the last);
	// 2i+1 is digit i.
	states := 2*k + 1
	cost := func(t, s int) float64 {
		if s%2 == 0 {
			return -math.Log(max(scores[t].None, sdnnMinProb))
		}
		i := s / 2
		if allowed != nil && !allowed(t, i) {
			return math.Inf(1)
		}
		return -math.Log(max(scores[t].Prob[text[i]-'0'], sdnnMinProb))
	}
	best := make([]float64, n*states)
	via := make([]int32, n*states)
	for i := range best {
		best[i] = math.Inf(1)
	}
	best[0], via[0] = cost(0, 0), -1
	best[1], via[1] = cost(0, 1), -1
	for t := 1; t < n; t++ {
		row, prev := best[t*states:(t+1)*states], best[(t-1)*states:t*states]
		for s := range states {
			c := cost(t, s)
			if math.IsInf(c, 1) {
				continue
			}
			from, v := s, prev[s] // the run goes on
			if s > 0 && prev[s-1] < v {
				from, v = s-1, prev[s-1]
			}
			// Straight from the previous digit, no none between them:
			// only for another digit, at the switch cost.
			if s%2 == 1 && s >= 3 && text[s/2] != text[s/2-1] {
				if w := prev[s-2] + change; w < v {
					from, v = s-2, w
				}
			}
			if !math.IsInf(v, 1) {
				row[s], via[t*states+s] = v+c, int32(from)
			}
		}
	}
	end := states - 1
	if best[(n-1)*states+states-2] < best[(n-1)*states+end] {
		end = states - 2
	}
	if math.IsInf(best[(n-1)*states+end], 1) {
		return nil, fmt.Errorf("read: aligning %d windows with %q: %w", n, text, ErrNoAlignment)
	}
	labels := make([]int, n)
	for t, s := n-1, end; t >= 0; t-- {
		if s%2 == 0 {
			labels[t] = NoneLabel
		} else {
			labels[t] = int(text[s/2] - '0')
		}
		s = int(via[t*states+s])
	}
	return labels, nil
}
