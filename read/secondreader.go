package read

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/lenet5-go/lenet5/modelfile"
)

// The SDNN as a second reader (docs/sdnn.md): the segmenting reader reads
// a line; when it had to cut a component wide enough to hold touching
// digits (Touching) and its reading's confidence is below the
// calibration's SDNNBelow, the SDNN reads the same ink again, and its
// reading is taken when SDNNTakes says so. The segmenting reader is the
// better one on lines of digits apart or close, the SDNN on touching
// digits, where the segmentation is least sure.

// NewWithSDNN returns a Reader that reads with the segmenting reader of m
// and, where m's calibration says so, with the SDNN of network sdnn too.
// m must have a Calibration fitted with that network (scripts/calibrate
// -sdnn: SDNNBelow, SDNNIsotonic and the network's fingerprint), and sdnn
// an SDNNCalibration; opts apply to both readers. Like New's, the Reader
// is safe for concurrent use; Close closes both readers.
func NewWithSDNN(m, sdnn *modelfile.Model, opts Options) (*Reader, error) {
	r, err := New(m, opts)
	if err != nil {
		return nil, err
	}
	if err := r.pairWith(sdnn, opts); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// NewWithSDNNFunc is NewWithSDNN with the SDNN's network loaded by load
// the first time a line needs the second reader (most lines do not:
// infer's whole command on a line of digits apart then skips decoding
// and checking the network). load is called at most once; its error, or
// the network's failure of NewWithSDNN's checks, is returned by that Read
// and every later one that needs the second reader.
func NewWithSDNNFunc(m *modelfile.Model, load func() (*modelfile.Model, error), opts Options) (*Reader, error) {
	if load == nil {
		return nil, fmt.Errorf("read: no function to load the SDNN model")
	}
	r, err := New(m, opts)
	if err != nil {
		return nil, err
	}
	if err := r.canPair(); err != nil {
		r.Close()
		return nil, err
	}
	r.lazy = &lazySecond{load: load, opts: opts}
	return r, nil
}

// lazySecond is the second reader of NewWithSDNNFunc, made on first use.
type lazySecond struct {
	load func() (*modelfile.Model, error)
	opts Options
	once sync.Once
	err  error
}

// secondReader returns r's second reader, loading it first if it is lazy,
// or nil when r has none.
func (r *Reader) secondReader() (*Reader, error) {
	l := r.lazy
	if l == nil {
		return r.second, nil
	}
	l.once.Do(func() {
		sdnn, err := l.load()
		if err != nil {
			l.err = fmt.Errorf("read: loading the SDNN model: %w", err)
			return
		}
		l.err = r.pairWith(sdnn, l.opts)
	})
	return r.second, l.err
}

// canPair checks that r can have a second reader: a segmenting reader
// whose calibration was fitted with one.
func (r *Reader) canPair() error {
	switch {
	case r.sdnn:
		return fmt.Errorf("read: the first reader's model %s was trained on windows: it is the SDNN's, not the segmenting reader's", r.owned.model.File)
	case r.calib == nil || r.calib.SDNNBelow == 0:
		return fmt.Errorf("read: the model %s has no calibration for a second reader (scripts/calibrate -sdnn)", r.owned.model.File)
	}
	return nil
}

// pairWith makes the SDNN of network sdnn r's second reader.
func (r *Reader) pairWith(sdnn *modelfile.Model, opts Options) error {
	if err := r.canPair(); err != nil {
		return err
	}
	if sdnn == nil {
		return fmt.Errorf("read: no SDNN model")
	}
	if got := NetworkFingerprint(sdnn); got != r.calib.SDNNNetwork {
		return fmt.Errorf("read: the SDNN network %s (fingerprint %.16s) is not the one %s was calibrated with (%.16s)", sdnn.File, got, r.owned.model.File, r.calib.SDNNNetwork)
	}
	switch _, ok, err := SDNNCalibrationOf(sdnn); {
	case err != nil:
		return err
	case !ok:
		return fmt.Errorf("read: the SDNN network %s has no calibration of its readings (scripts/calibrate -model %[1]s)", sdnn.File)
	}
	second, err := NewSDNN(sdnn, Options{Length: opts.Length, Threshold: r.opts.Threshold})
	if err != nil {
		return err
	}
	r.second = second
	return nil
}

// secondOpinion returns the reading to give for a line whose ink map is m
// and components s, first read as first: first itself, or the second
// reader's when the calibration asks it (SDNNAsks) and its reading
// replaces first (SDNNReplaces); either with the confidence the
// calibration gives its case.
func (r *Reader) secondOpinion(first *Reading, m *inkMap, s *shapes) (*Reading, error) {
	c := r.calib
	if (r.lazy == nil && r.second == nil) || !c.SDNNAsks(first) {
		return first, nil
	}
	second, err := r.secondReader()
	if err != nil {
		return nil, err
	}
	other, err := second.readSDNN(m, s)
	switch {
	case errors.Is(err, ErrLength): // the windows cannot hold Length digits
		other = &Reading{}
	case err != nil:
		return nil, err
	}
	chosen, knots := first, c.SDNNKeptIsotonic
	switch {
	case other.Text == first.Text:
		knots = c.SDNNAgreeIsotonic
	case c.SDNNReplaces(first, other):
		chosen, knots = other, c.SDNNIsotonic
		chosen.SDNN = true
	}
	chosen.Confidence = Calibration{Isotonic: knots}.AfterLogistic(chosen.Confidence)
	chosen.Rejected = chosen.Confidence < r.opts.Threshold
	return chosen, nil
}

// sdnnShortDigits is the most digits of a reading SDNNShortBelow applies
// to: on the validation strings, the touching lines that the segmentation
// did not cut (a quarter of them) were mostly of two digits read as one,
// which the SDNN reads right nine times in ten.
const sdnnShortDigits = 2

// SDNNAsks reports whether the second reader reads again a line that the
// segmenting reader read as first: when the segmentation cut touching
// digits (Touching) and first's confidence is below SDNNBelow, or when it
// did not, read one or two digits, and first's confidence is below
// SDNNShortBelow.
func (c Calibration) SDNNAsks(first *Reading) bool {
	if first.Graph != nil && Touching(first.Graph) {
		return first.Confidence < c.SDNNBelow
	}
	n := len(first.Text)
	return n >= 1 && n <= sdnnShortDigits && first.Confidence < c.SDNNShortBelow
}

// SDNNReplaces reports whether the second reader's reading other of a line
// replaces the segmenting reader's first, once the calibration asked for it
// (SDNNAsks). When every scale the SDNN read the line at gave other by
// itself (Graph.Agree), other replaces a more confident first that it
// differs from; on a line the segmentation cut as touching, even with
// fewer digits. Otherwise: when SDNNTakes it and, on a line the
// segmentation did not cut as touching, other has more digits than first
// and a confidence at least the calibration's threshold. A short line
// read unsure is also what a letter or a scrawl gives, and the SDNN reads
// many of them as 1 or 11 with some confidence; what it reads better on
// such lines is two digits the segmentation took for one. The unanimous
// case was chosen on 8,000 validation strings: touching 83.23 -> 84.28%,
// close 97.75 -> 97.83%, apart the same (docs/sdnn.md).
func (c Calibration) SDNNReplaces(first, other *Reading) bool {
	touching := first.Graph != nil && Touching(first.Graph)
	unanimous := other.Graph != nil && other.Graph.Agree == len(sdnnScales)
	if touching && unanimous && other.Text != "" && other.Text != first.Text && other.Confidence > first.Confidence {
		return true
	}
	if !SDNNTakes(first, other) {
		return false
	}
	return touching || unanimous || (len(other.Text) > len(first.Text) && other.Confidence >= c.Threshold)
}

// Touching reports whether the segmentation of g cut a component wider
// than sdnnWide reference heights: touching digits, where the SDNN reads
// better. A component cut but narrower is most often one wide digit of a
// line of digits apart, which the segmentation reads better.
func Touching(g *Graph) bool {
	for i := 0; i < len(g.Segments); {
		box, j := g.Segments[i].Box, i+1
		for ; j < len(g.Segments) && g.Segments[j].Cut; j++ {
			box = box.Union(g.Segments[j].Box)
		}
		if j-i > 1 && float64(box.Dx()) > sdnnWide*g.Ref {
			return true
		}
		i = j
	}
	return false
}

// SDNNTakes reports whether the second reader's reading other of a line
// replaces the segmenting reader's first: when it differs, holds at least
// as many digits, and is more confident, each confidence the calibration
// of its own reader. The SDNN's usual error is a digit left out, the
// segmentation's on touching digits two digits read as one.
func SDNNTakes(first, other *Reading) bool {
	return other.Text != "" && other.Text != first.Text && len(other.Text) >= len(first.Text) && other.Confidence > first.Confidence
}

// NetworkFingerprint returns a SHA-256 of m's weights (names, shapes and
// values) and of its context head (KeySDNNContext), if it has one, in
// hex: what a calibration that depends on another network records of it.
func NetworkFingerprint(m *modelfile.Model) string {
	h := sha256.New()
	names := make([]string, 0, len(m.Weights))
	for name := range m.Weights {
		names = append(names, name)
	}
	slices.Sort(names)
	// The values go to the hash 512 at a time: for the wide SDNN's weights
	// that takes 1.1-1.2 ms, eight bytes a write 1.8-2.3 ms (a benchmark),
	// paid by every infer run that reads touching digits.
	var buf [512 * 8]byte
	for _, name := range names {
		t := m.Weights[name]
		fmt.Fprintf(h, "%s %v\n", name, t.Shape)
		for vs := range slices.Chunk(t.Data, 512) {
			for i, v := range vs {
				binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(v))
			}
			h.Write(buf[:8*len(vs)])
		}
	}
	// The context head changes what the SDNN reads, so it is part of
	// the network's identity; a file without one keeps its fingerprint.
	if c, ok := m.Meta[KeySDNNContext]; ok {
		fmt.Fprintf(h, "%s %s\n", KeySDNNContext, c)
	}
	return hex.EncodeToString(h.Sum(nil))
}
