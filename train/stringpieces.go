package train

import (
	"errors"
	"fmt"
	"image"
	"math/rand/v2"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/internal/synth"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/read"
)

// Training with the pieces a reader of numbers cuts (Config.StringPieces;
// LeCun et al. 1998, Section VI): written numbers are made from the run's
// training digits by synth.Strings, and read's segmentation cuts each into
// the pieces its lattice scores. A piece whose box matches one digit's
// true box (intersection over union at least pieceDigitIoU) is a pattern
// of that digit, however much of a neighbour's stroke it carries; a piece
// that matches no digit (below pieceRubbishIoU with every one: half a
// digit, two digits, a digit and a half) is a pattern of the rubbish
// class; those in between are left out. The recogniser so learns to read
// the digits cut from touching numbers and to give the wrong cuts a high
// cost, which the path then avoids. Made afresh each epoch with seed
// StringPieceSeed(seed, epoch); not distorted.

// Bounds and rules of the string pieces.
const (
	// MaxStringPieces bounds Config.StringPieces.
	MaxStringPieces = 10
	// pieceDigitIoU is the overlap with a digit's box at which a piece is
	// that digit.
	pieceDigitIoU = 0.75
	// pieceRubbishIoU is the overlap with every digit's box below which a
	// piece is no digit: half a digit has about 0.5.
	pieceRubbishIoU = 0.5
)

// StringPieceGenerator names the pieces' generator and its version,
// recorded in the model file.
var StringPieceGenerator = fmt.Sprintf("read lattice of internal/synth.Strings v%d, piece IoU digit>=%g rubbish<%g",
	synth.StringsVersion, pieceDigitIoU, pieceRubbishIoU)

// StringPieceSeed returns the seed of epoch's written numbers (epoch
// counted from 0) for a run with the given seed.
func StringPieceSeed(seed uint64, epoch int) uint64 {
	return NonDigitSeed(seed^0x737472696e677320, epoch) // "strings "
}

// pieceCapture is a read.Scorer that keeps the pieces it is given and
// scores every digit alike: the reader then builds its lattice without a
// network.
type pieceCapture struct{ pieces [][]uint8 }

func (c *pieceCapture) Score(pieces [][]uint8) ([]read.Scores, error) {
	c.pieces = pieces
	out := make([]read.Scores, len(pieces))
	for i := range out {
		for d := range out[i].Cost {
			out[i].Cost[d], out[i].Prob[d] = 1, 0.1
		}
	}
	return out, nil
}

// StringPieces cuts the written numbers made from digits with seed into
// labelled patterns, in the MNIST format, until it has count of them: of
// each number, every piece that is a digit and as many pieces that are
// none (chosen at random, at least one), in the numbers' order. workers
// goroutines cut numbers at once; the result does not depend on them.
func StringPieces(digits []synth.Digit, count int, seed uint64, workers int) (*data.Set, error) {
	return numberPatterns(digits, count, seed, workers, "pieces", func() (sampleCutter, error) {
		capture := &pieceCapture{}
		r, err := read.NewWithScorer(capture, read.Options{})
		if err != nil {
			return nil, err
		}
		return func(s synth.Sample, i int) ([]labelledPiece, error) { return cutSample(r, capture, s, seed, i) }, nil
	})
}

// cutSample returns the labelled pieces of one written number, the i-th
// of seed's.
func cutSample(r *read.Reader, capture *pieceCapture, s synth.Sample, seed uint64, i int) ([]labelledPiece, error) {
	reading, err := r.Read(s.Image)
	if errors.Is(err, data.ErrNoDigit) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("number %q: %w", s.Text, err)
	}
	var digits, rubbish []labelledPiece
	for k, p := range reading.Graph.Pieces {
		best, which := 0.0, 0
		for d, box := range s.Boxes {
			if v := iou(p.Box, box); v > best {
				best, which = v, d
			}
		}
		switch {
		case best >= pieceDigitIoU:
			digits = append(digits, labelledPiece{capture.pieces[k], s.Text[which] - '0'})
		case best < pieceRubbishIoU:
			rubbish = append(rubbish, labelledPiece{capture.pieces[k], data.Rubbish})
		}
	}
	rng := rand.New(rand.NewPCG(seed, uint64(i)))
	rng.Shuffle(len(rubbish), func(a, b int) { rubbish[a], rubbish[b] = rubbish[b], rubbish[a] })
	return append(digits, rubbish[:min(len(rubbish), max(len(digits), 1))]...), nil
}

// iou is the intersection over union of two boxes.
func iou(a, b image.Rectangle) float64 {
	in := a.Intersect(b)
	if in.Empty() {
		return 0
	}
	i := float64(in.Dx() * in.Dy())
	return i / (float64(a.Dx()*a.Dy()+b.Dx()*b.Dy()) - i)
}

// stringPieceMetadata returns the metadata that says which string pieces
// the epochs so far were trained with.
func (t *Trainer) stringPieceMetadata() map[string]string {
	if t.cfg.StringPieces == 0 {
		return nil
	}
	return map[string]string{
		modelfile.KeyStringPiecesGenerator: StringPieceGenerator,
		modelfile.KeyStringPiecesSeeds:     t.passSeeds(StringPieceSeed),
	}
}
