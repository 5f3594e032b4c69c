package read

import (
	"errors"
	"fmt"
	"image"
	"math"

	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
)

// The SDNN reader (LeCun et al. 1998, Section VII): no segmentation. The
// network, trained on windows of written numbers (train.Config.Windows),
// reads a window every frameStep reference heights along the line
// (Windows); a dynamic programme then gives every window a label, a digit
// or none, at the least total cost -ln P(label), and each run of windows
// with the same digit is one digit of the reading: the paper's character
// model, in which a digit is emitted once however many consecutive
// outputs see it, and two equal digits need a none between them.

// Costs of the SDNN's character model, chosen on the validation strings.
const (
	// sdnnDigitCost is paid for every digit of the reading (the start
	// of a run).
	sdnnDigitCost = 3.0
	// sdnnSwitchCost is paid on top when a run of one digit is followed
	// straight by a run of another, with no none between them.
	sdnnSwitchCost = 8.0
	// sdnnMinProb is the least probability a window's label is given
	// (its cost at most -ln sdnnMinProb).
	sdnnMinProb = 1e-9
	// sdnnBoxHalf is half a digit's box's width, in reference heights,
	// round the centre of its run of windows.
	sdnnBoxHalf = 0.3
)

// isSDNN reports whether m is the SDNN's network: trained on windows.
func isSDNN(m *modelfile.Model) bool {
	return m != nil && m.Meta[modelfile.KeyWindowsGenerator] != ""
}

// NewSDNN returns a reader that reads lines with the SDNN: m must be a
// network trained on windows (its file has KeyWindowsGenerator). opts
// are as for New; MaxSpan is ignored. With an SDNNCalibration in m's
// metadata, a reading's Confidence is the calibrated probability that it
// is right and the default threshold the calibration's; without one, it
// is the product of the digits' confidences, which is no probability.
func NewSDNN(m *modelfile.Model, opts Options) (*Reader, error) {
	if m == nil {
		return nil, fmt.Errorf("read: no model")
	}
	if !isSDNN(m) {
		return nil, fmt.Errorf("read: the model %q was not trained on windows of written numbers (train -windows), so it cannot be the SDNN's network", m.Net)
	}
	c, calibrated, err := SDNNCalibrationOf(m)
	if err != nil {
		return nil, err
	}
	if calibrated && opts.Threshold == 0 {
		opts.Threshold = c.Threshold
	}
	s, err := NewModelScorer(m)
	if err != nil {
		return nil, err
	}
	r, err := NewWithScorer(s, opts)
	if err != nil {
		s.Close()
		return nil, err
	}
	r.owned, r.sdnn = s, true
	if calibrated {
		r.sdnnCalib = &c
	}
	if r.sdnnContext, err = ContextOf(m); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// sdnnScales are the scales, as factors of the line's reference height,
// at which the SDNN reads a line (sdnnScaleBase's is the one its boxes
// and Graph come from). Each scale's best labelling gives a candidate
// reading, and the candidate chosen is the one of least cost summed over
// the scales: the windows at three scales are three views of the same
// ink, and a misreading at one scale is rarely the best at the others.
// Chosen on the validation strings (docs/sdnn.md): on 2,666 touching
// numbers the SDNN alone read 83.27% at scale 1 and 85.26-85.56% with
// these (two runs of the experiment).
var sdnnScales = [...]float64{0.88, 1, 1.12}

// sdnnScaleBase is the index in sdnnScales of scale 1.
const sdnnScaleBase = 1

// readSDNN reads the line of m, whose components are s, with the SDNN.
func (r *Reader) readSDNN(m *inkMap, s *shapes) (*Reading, error) {
	costs := charCosts{digit: sdnnDigitCost, change: sdnnSwitchCost}
	if h := r.sdnnContext; h != nil {
		costs = charCosts{digit: h.DigitCost, change: h.SwitchCost}
	}
	ref := s.refHeight
	defer func() { s.refHeight = ref }()
	var (
		frames [len(sdnnScales)]*Frames
		scores [len(sdnnScales)][]Scores
		texts  [len(sdnnScales)]string
	)
	var baseLabels []int
	for k, scale := range sdnnScales {
		s.refHeight = ref * scale
		f := m.frames(s)
		sc, err := r.scoreWindows(f)
		if err != nil {
			return nil, err
		}
		labels, _, err := frameLabels(sc, r.opts.Length, costs)
		if errors.Is(err, ErrLength) && k != sdnnScaleBase {
			continue // fewer windows at this scale than Length needs: left out
		}
		if err != nil {
			return nil, err
		}
		frames[k], scores[k], texts[k] = f, sc, labelText(labels)
		if k == sdnnScaleBase {
			baseLabels = labels
		}
	}
	// The candidate of least cost over the scales; ties go to the
	// base scale's own reading, then to the earlier scale's.
	summed := func(text string) float64 {
		total := 0.0
		for j := range sdnnScales {
			if scores[j] != nil {
				total += textCost(scores[j], text, costs)
			}
		}
		return total
	}
	chosen := texts[sdnnScaleBase]
	best := summed(chosen)
	for k, text := range texts {
		if k == sdnnScaleBase || scores[k] == nil || text == chosen {
			continue
		}
		if c := summed(text); c < best {
			chosen, best = text, c
		}
	}
	agree := 0
	for k, t := range texts {
		if scores[k] != nil && t == chosen {
			agree++
		}
	}
	f, sc := frames[sdnnScaleBase], scores[sdnnScaleBase]
	labels := baseLabels
	if chosen != texts[sdnnScaleBase] {
		var err error
		if labels, err = alignText(sc, chosen, costs); err != nil {
			// The chosen text's cost at the base scale is finite
			// (or it is the base scale's own reading): it aligns.
			return nil, fmt.Errorf("read: aligning the SDNN's chosen reading %q: %w", chosen, err)
		}
	}
	g := &Graph{Pieces: make([]Piece, len(sc)), RivalGap: MaxRivalGap, Cost: labelsCost(sc, labels, costs), Agree: agree}
	half := sdnnBoxHalf * f.Ref
	for t, v := range sc {
		g.Pieces[t] = Piece{From: t, To: t + 1, Box: digitBox(f, t, t, half), Digit: v.Best(), Scores: v}
	}
	reading := &Reading{Confidence: 1, Graph: g}
	text := make([]byte, 0, 8)
	for t := 0; t < len(labels); {
		d := labels[t]
		if d == graph.Classes {
			t++
			continue
		}
		end, peak := t, t
		for end < len(labels) && labels[end] == d {
			if sc[end].Prob[d] > sc[peak].Prob[d] {
				peak = end
			}
			end++
		}
		conf := sc[peak].confidence(d)
		g.Path = append(g.Path, peak)
		reading.Digits = append(reading.Digits, Digit{Digit: d, Confidence: conf, Box: digitBox(f, t, end-1, half)})
		reading.Confidence *= conf
		text = append(text, byte('0'+d))
		t = end
	}
	reading.Text = string(text)
	switch {
	case len(text) == 0:
		reading.Confidence = 0
	case r.sdnnCalib != nil:
		reading.Confidence = r.sdnnCalib.Confidence(reading)
	}
	reading.Rejected = reading.Confidence < r.opts.Threshold
	return reading, nil
}

// scoreWindows scores the windows of f with r's network and, when r has
// one, its context head.
func (r *Reader) scoreWindows(f *Frames) ([]Scores, error) {
	scores, err := r.scorer.Score(f.Windows)
	if err != nil {
		return nil, fmt.Errorf("read: %w: %w", ErrScorer, err)
	}
	if len(scores) != len(f.Windows) {
		return nil, fmt.Errorf("read: %w: %d scores for %d windows", ErrScorer, len(scores), len(f.Windows))
	}
	if h := r.sdnnContext; h != nil {
		scores = h.Apply(scores)
	}
	for t, sc := range scores {
		if !(sc.None >= 0 && sc.None <= 1) {
			return nil, fmt.Errorf("read: %w: window %d has P(none) %v", ErrScorer, t, sc.None)
		}
	}
	return scores, nil
}

// labelText returns the digits a labelling of windows reads: one per run
// of a digit.
func labelText(labels []int) string {
	text := make([]byte, 0, 8)
	for t, d := range labels {
		if d != NoneLabel && (t == 0 || labels[t-1] != d) {
			text = append(text, byte('0'+d))
		}
	}
	return string(text)
}

// textCost returns the least cost under costs (frameLabels') of a
// labelling of the windows scored by scores that reads text, +Inf when
// none does. The empty text's labelling is every window none.
func textCost(scores []Scores, text string, costs charCosts) float64 {
	labels, err := alignText(scores, text, costs)
	if err != nil {
		return math.Inf(1)
	}
	return labelsCost(scores, labels, costs)
}

// alignText returns the least-cost labelling under costs of the windows
// scored by scores that reads text (every window none for ""). The digit
// cost is the same for every labelling of one text, so only the switch
// cost steers the alignment.
func alignText(scores []Scores, text string, costs charCosts) ([]int, error) {
	if text != "" {
		return alignFrames(scores, text, nil, costs.change)
	}
	labels := make([]int, len(scores))
	for t := range labels {
		labels[t] = NoneLabel
	}
	return labels, nil
}

// labelsCost returns the cost frameLabels gives the labelling labels of
// the windows scored by scores.
func labelsCost(scores []Scores, labels []int, costs charCosts) float64 {
	c := 0.0
	for t, d := range labels {
		p := scores[t].None
		if d != NoneLabel {
			p = scores[t].Prob[d]
		}
		c -= math.Log(max(p, sdnnMinProb))
		if d == NoneLabel || (t > 0 && labels[t-1] == d) {
			continue
		}
		c += costs.digit
		if t > 0 && labels[t-1] != NoneLabel {
			c += costs.change
		}
	}
	return c
}

// digitBox returns the box of a digit whose run of windows is first..last:
// half a digit's width round their centres, the line's ink's rows.
func digitBox(f *Frames, first, last int, half float64) image.Rectangle {
	x0 := int(math.Floor(f.X[first] - half))
	x1 := int(math.Ceil(f.X[last] + half))
	return image.Rect(max(x0, f.Ink.Min.X), f.Ink.Min.Y, min(x1, f.Ink.Max.X), f.Ink.Max.Y)
}

// charCosts are the costs of the character model's runs.
type charCosts struct {
	// digit is paid for every digit of the reading (the start of a run).
	digit float64
	// change is paid on top when a run of one digit is followed straight
	// by a run of another, with no none between them.
	change float64
}

// frameLabels gives each window a label, a digit or graph.Classes for
// none, at the least total cost: -ln P(label) for every window, plus
// costs.digit for every run of a digit, plus costs.change when a run
// follows another without a none between them (two equal digits cannot:
// one run is one digit). With length > 0 the reading must have exactly
// length digits; ErrLength if the windows cannot hold them.
func frameLabels(scores []Scores, length int, costs charCosts) ([]int, float64, error) {
	const states = graph.Classes + 1
	const none = NoneLabel
	slots := 1
	if length > 0 {
		slots = length + 1
	}
	n := len(scores)
	if length > (n+1)/2 {
		return nil, 0, fmt.Errorf("read: %w: %d digits asked, and the line has room for %d", ErrLength, length, (n+1)/2)
	}
	idx := func(t, c, st int) int { return (t*slots+c)*states + st }
	best := make([]float64, n*slots*states)
	via := make([]int32, n*slots*states) // previous (slot, state), slot*states+state
	for i := range best {
		best[i] = math.Inf(1)
	}
	frameCost := func(t, st int) float64 {
		p := scores[t].None
		if st != none {
			p = scores[t].Prob[st]
		}
		return -math.Log(max(p, sdnnMinProb))
	}
	next := func(c int) int { // the slot after emitting a digit
		if length > 0 {
			return c + 1
		}
		return 0
	}
	best[idx(0, 0, none)] = frameCost(0, none)
	via[idx(0, 0, none)] = -1
	for d := range graph.Classes {
		if c := next(0); c < slots {
			best[idx(0, c, d)] = frameCost(0, d) + costs.digit
			via[idx(0, c, d)] = -1
		}
	}
	for t := 1; t < n; t++ {
		for c := range slots {
			for st := range states {
				prev := best[idx(t-1, c, st)]
				if math.IsInf(prev, 1) {
					continue
				}
				from := int32(c*states + st)
				relax := func(c2, st2 int, extra float64) {
					if c2 >= slots {
						return
					}
					if v := prev + extra + frameCost(t, st2); v < best[idx(t, c2, st2)] {
						best[idx(t, c2, st2)], via[idx(t, c2, st2)] = v, from
					}
				}
				relax(c, st, 0) // the run goes on
				if st != none {
					relax(c, none, 0)
				}
				for d := range graph.Classes {
					switch {
					case st == none:
						relax(next(c), d, costs.digit)
					case d != st:
						relax(next(c), d, costs.digit+costs.change)
					}
				}
			}
		}
	}
	end, endCost := -1, math.Inf(1)
	c := 0
	if length > 0 {
		c = length
	}
	for st := range states {
		if v := best[idx(n-1, c, st)]; v < endCost {
			end, endCost = st, v
		}
	}
	if end < 0 {
		return nil, 0, fmt.Errorf("read: %w: %d digits asked, and the line has room for fewer", ErrLength, length)
	}
	labels := make([]int, n)
	cur := c*states + end
	for t := n - 1; t >= 0; t-- {
		labels[t] = cur % states
		cur = int(via[idx(t, cur/states, cur%states)])
	}
	return labels, endCost, nil
}
