package read

import (
	"errors"
	"fmt"
	"image"
	"math"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/modelfile"
)

// Options tune a Reader. The zero value reads numbers of any length with
// the defaults.
type Options struct {
	// Length, if positive, is the exact number of digits to read (5 for a
	// ZIP code): the best path with that many pieces. 0 reads any number.
	Length int
	// Threshold is the confidence below which a reading is Rejected; 0
	// means the model's calibrated threshold (Calibration.Threshold), or
	// DefaultThreshold for a model without one. It must lie in [0, 1].
	Threshold float64
	// MaxSpan is how many consecutive segments one digit may span; 0 means
	// DefaultMaxSpan. At most 8.
	MaxSpan int
}

// Reader reads handwritten numbers: one line of digits per image.
//
// A Reader is safe for concurrent use when its Scorer is; the one New
// makes (a ModelScorer) is, and serialises the forward passes.
type Reader struct {
	scorer Scorer
	owned  *ModelScorer // the scorer New made, closed by Close
	opts   Options
	// calib maps the digits' probabilities to the reading's confidence,
	// when the model has a Calibration.
	calib *Calibration
	// The path penalties (rules.go), fields so that tests can vary them.
	// noneWeight is noneCost, or 0 for a model without a Calibration,
	// whose P(none) is no probability (the shipped single-digit model's
	// j = 0.1 gives every piece about 0.475); such a model keeps
	// plainDigitPenalty.
	digitPenalty, cutPenalty, noneWeight float64
	// sdnn: read with the SDNN's windows (NewSDNN), not the lattice;
	// sdnnCalib maps its readings to confidences, when the model has one.
	sdnn      bool
	sdnnCalib *SDNNCalibration
	// sdnnContext, when the SDNN's file has one, reads the windows'
	// scores again in their context before the character model.
	sdnnContext *ContextHead
	// second is the SDNN reader that reads again the lines this reader
	// cut touching digits in (NewWithSDNN), or nil. With NewWithSDNNFunc
	// it is made by loadSecond, once, the first time a line needs it.
	second *Reader
	lazy   *lazySecond
}

// New returns a Reader that scores pieces with model m (see ModelScorer):
// the SDNN reader (NewSDNN) when m was trained on windows of written
// numbers, the segmenting reader otherwise.
func New(m *modelfile.Model, opts Options) (*Reader, error) {
	if isSDNN(m) {
		return NewSDNN(m, opts)
	}
	s, err := NewModelScorer(m)
	if err != nil {
		return nil, err
	}
	c, calibrated := s.Calibration()
	if calibrated && opts.Threshold == 0 {
		opts.Threshold = c.Threshold
	}
	r, err := NewWithScorer(s, opts)
	if err != nil {
		return nil, err
	}
	r.owned = s
	if calibrated {
		r.calib = &c
	} else {
		r.noneWeight, r.digitPenalty = 0, plainDigitPenalty
	}
	return r, nil
}

// NewWithScorer returns a Reader that scores pieces with s. The path
// weighs each piece's Scores.None as the probability that it is no digit
// (New does so only for a model with a Calibration).
func NewWithScorer(s Scorer, opts Options) (*Reader, error) {
	if s == nil {
		return nil, errors.New("read: no scorer")
	}
	if opts.Length < 0 {
		return nil, fmt.Errorf("read: Options.Length %d is negative", opts.Length)
	}
	if opts.MaxSpan < 0 || opts.MaxSpan > maxSpanLimit {
		return nil, fmt.Errorf("read: Options.MaxSpan %d outside 0..%d", opts.MaxSpan, maxSpanLimit)
	}
	if !(opts.Threshold >= 0 && opts.Threshold <= 1) {
		return nil, fmt.Errorf("read: Options.Threshold %v outside [0, 1]", opts.Threshold)
	}
	if opts.MaxSpan == 0 {
		opts.MaxSpan = DefaultMaxSpan
	}
	if opts.Threshold == 0 {
		opts.Threshold = DefaultThreshold
	}
	return &Reader{scorer: s, opts: opts, digitPenalty: digitPenalty, cutPenalty: cutPenalty, noneWeight: noneCost}, nil
}

// Close releases the machines of the scorer New made; a Reader made with
// NewWithScorer leaves its scorer alone. The Reader must not be used
// afterwards.
func (r *Reader) Close() {
	if r.owned != nil {
		r.owned.Close()
	}
	if r.second != nil {
		r.second.Close()
	}
}

// Reading is what Read found on an image.
type Reading struct {
	// Text is the digits read, left to right ("90210").
	Text string
	// Confidence is, for a model with a Calibration (in its file's
	// metadata), or an SDNN network with an SDNNCalibration, the
	// calibrated probability that the reading is right; otherwise the
	// product of the digits' confidences.
	Confidence float64
	// Rejected is true when Confidence is below the Reader's threshold:
	// the reading should not be trusted without a look.
	Rejected bool
	// Digits holds the digits, left to right.
	Digits []Digit
	// Graph is the segmentation graph the reading came from (the SDNN's
	// windows, when SDNN is true).
	Graph *Graph
	// SDNN is true when the reading is the SDNN's: a second reader
	// (NewWithSDNN) read the line again and was more confident.
	SDNN bool
}

// Digit is one digit of a reading.
type Digit struct {
	// Digit is 0..9.
	Digit int
	// Confidence is the piece's posterior probability of the digit: with a
	// calibrated model, the calibrated probability (Calibration);
	// otherwise the MAP posterior divided by the largest the scorer can
	// give (Scores.MaxProb), so that a perfect piece has confidence 1.
	Confidence float64
	// Box is the piece's ink box in the input image's pixels.
	Box image.Rectangle
}

// Graph is the segmentation graph of a line, for those who want to look
// inside a reading.
type Graph struct {
	// Segments are the pieces of ink between consecutive cuts or gaps,
	// left to right.
	Segments []Segment
	// Pieces are the candidate digits: runs of consecutive segments that
	// were scored.
	Pieces []Piece
	// Path lists the pieces of the reading, as indices into Pieces.
	Path []int
	// Cost is the path's cost: the sum of its pieces' costs and penalties.
	Cost float64
	// Ref is the line's reference height in the input image's pixels
	// (about one digit's height), the unit of the segmenter's rules.
	Ref float64
	// RivalGap is how much dearer the cheapest path with one digit more
	// or one fewer is, at most MaxRivalGap (also when there is none, or
	// when Options.Length fixes the number of digits): a small gap means
	// the segmentation itself is in doubt, which no piece's score shows.
	RivalGap float64
	// Agree is, for the SDNN's graph, how many of the scales it read the
	// line at gave the reading by themselves (three at most).
	Agree int
}

// MaxRivalGap caps Graph.RivalGap.
const MaxRivalGap = 10.0

// Segment is one node-to-node slice of the line.
type Segment struct {
	// Box is its ink box in the input image's pixels.
	Box image.Rectangle
	// Cut is true when its left edge is a cut through a component (not a
	// gap between components).
	Cut bool
}

// Piece is a candidate digit: segments From..To-1.
type Piece struct {
	From, To int
	// Box is its ink box in the input image's pixels.
	Box image.Rectangle
	// Digit is the digit of least cost, Scores what the scorer said.
	Digit  int
	Scores Scores
}

// Read reads the number on img: one line of handwritten digits, dark on
// light or light on dark, at any size. A blank image is an error wrapping
// data.ErrNoDigit; an image over MaxPixels, ErrTooLarge; a Length that no
// segmentation can give, ErrLength. Read never panics on any image, and
// its time and memory are bounded (see the package documentation).
func (r *Reader) Read(img image.Image) (*Reading, error) {
	m, s, err := lineShapes(img)
	if err != nil {
		return nil, err
	}
	if r.sdnn {
		return r.readSDNN(m, s)
	}
	l := newLattice(m, s, r.opts.MaxSpan, false)
	if r.opts.Length > len(l.segs) {
		l = newLattice(m, s, r.opts.MaxSpan, true)
	}
	imgs := make([][]uint8, 0, len(l.pieces))
	var kept []piece
	for _, p := range l.pieces {
		raw, err := l.render(p, m, s)
		if err != nil {
			continue // a piece with no ink left after normalising: not an arc
		}
		imgs = append(imgs, raw)
		kept = append(kept, p)
	}
	scores, err := r.scorer.Score(imgs)
	if err != nil {
		return nil, fmt.Errorf("read: %w: %w", ErrScorer, err)
	}
	if len(scores) != len(imgs) {
		return nil, fmt.Errorf("read: %w: %d scores for %d pieces", ErrScorer, len(scores), len(imgs))
	}
	g := &Graph{Segments: make([]Segment, len(l.segs)), Pieces: make([]Piece, len(kept)), Ref: s.refHeight * float64(m.scale)}
	nodeCost := make([]float64, len(l.segs)+1)
	for i, sg := range l.segs {
		g.Segments[i] = Segment{Box: m.inputBox(sg.box), Cut: sg.cut}
		if sg.cut {
			nodeCost[i] = r.cutPenalty
		}
	}
	arcs := make([]arc, len(kept))
	for i, p := range kept {
		sc := scores[i]
		for _, c := range sc.Cost {
			if !(c >= 0) || math.IsInf(c, 1) {
				return nil, fmt.Errorf("read: %w: piece %d has cost %v", ErrScorer, i, c)
			}
		}
		if !(sc.None >= 0 && sc.None <= 1) {
			return nil, fmt.Errorf("read: %w: piece %d has P(none) %v", ErrScorer, i, sc.None)
		}
		d := sc.Best()
		g.Pieces[i] = Piece{From: p.from, To: p.to, Box: m.inputBox(p.box), Digit: d, Scores: sc}
		arcs[i] = arc{from: p.from, to: p.to, digit: d, cost: pieceCost(sc.Cost[d]) + r.digitPenalty + p.prior + r.noneWeight*noneTerm(sc.None)}
	}
	path, cost, err := bestPath(len(l.segs), arcs, nodeCost, r.opts.Length)
	if err != nil {
		return nil, err
	}
	g.Path, g.Cost, g.RivalGap = path, cost, MaxRivalGap
	if r.opts.Length == 0 {
		for _, n := range []int{len(path) - 1, len(path) + 1} {
			if n < 1 {
				continue
			}
			if _, c, err := bestPath(len(l.segs), arcs, nodeCost, n); err == nil {
				g.RivalGap = min(g.RivalGap, max(c-cost, 0))
			}
		}
	}
	reading := &Reading{Confidence: 1, Graph: g}
	text := make([]byte, 0, len(path))
	for _, k := range path {
		p := g.Pieces[k]
		conf := p.Scores.confidence(p.Digit)
		reading.Digits = append(reading.Digits, Digit{Digit: p.Digit, Confidence: conf, Box: p.Box})
		reading.Confidence *= conf
		text = append(text, byte('0'+p.Digit))
	}
	if r.calib != nil {
		reading.Confidence = r.calib.Reading(g)
	}
	reading.Text = string(text)
	reading.Rejected = reading.Confidence < r.opts.Threshold
	return r.secondOpinion(reading, m, s)
}

// inputBox maps a box of working pixels to the input image's pixels.
func (m *inkMap) inputBox(b image.Rectangle) image.Rectangle {
	return image.Rectangle{Min: b.Min.Mul(m.scale), Max: b.Max.Mul(m.scale)}.Add(m.origin)
}

// lineShapes reads img into an ink map and finds its components. A blank
// image is an error wrapping data.ErrNoDigit.
func lineShapes(img image.Image) (*inkMap, *shapes, error) {
	if img == nil {
		return nil, nil, errors.New("read: no image")
	}
	m, err := newInkMap(img)
	if err != nil {
		return nil, nil, err
	}
	s := findShapes(m)
	if s == nil {
		return nil, nil, fmt.Errorf("read: no ink component on the image: %w", data.ErrNoDigit)
	}
	return m, s, nil
}
