package read

import (
	"errors"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/lenet5-go/lenet5/data"
)

// lineFloors are the least string accuracies TestReadLines accepts, per
// spacing: a few points under what the shipped reader's model
// (models.Reader) measured on these 50 lines each: 96%, 96% and 50% on
// 2026-12-06 (docs/reading.md gives the benchmark's figures).
var lineFloors = map[string]float64{"apart": 0.94, "close": 0.90, "touching": 0.40}

// The reader reads lines of 2-8 real MNIST test digits, apart, close and
// touching, dark ink on white paper, with the shipped model. The lines are
// drawn with another seed than the one the rules were tuned on.
func TestReadLines(t *testing.T) {
	set, r := fixture(t)
	digits, rejected := map[string]int{}, map[string]int{}
	readLines(t, set, lineFloors, func(t *testing.T, sp string, img *image.Gray, want string) bool {
		got, err := r.Read(img)
		if err != nil {
			t.Fatalf("%q: %v", want, err)
		}
		checkReading(t, r, img, got)
		digits[sp] += len(want)
		if got.Rejected {
			rejected[sp]++
		}
		return got.Text == want
	})
	for _, sp := range spacings {
		t.Logf("%s: %d digits, %d lines rejected", sp.name, digits[sp.name], rejected[sp.name])
	}
}

// checkReading checks what every reading must satisfy: one digit per
// character, boxes inside the image and left to right, confidences in
// [0, 1] whose product is the reading's, the path along the graph.
func checkReading(t *testing.T, r *Reader, img image.Image, got *Reading) {
	t.Helper()
	if len(got.Digits) != len(got.Text) || len(got.Graph.Path) != len(got.Digits) {
		t.Fatalf("text %q, %d digits, path of %d", got.Text, len(got.Digits), len(got.Graph.Path))
	}
	conf := 1.0
	var probs []float64
	prev := image.Rectangle{}
	for i, d := range got.Digits {
		if int(got.Text[i]-'0') != d.Digit || d.Digit < 0 || d.Digit > 9 {
			t.Errorf("digit %d is %d, text %q", i, d.Digit, got.Text)
		}
		if d.Box.Empty() || !d.Box.In(img.Bounds()) {
			t.Errorf("digit %d: box %v not inside the image %v", i, d.Box, img.Bounds())
		}
		if i > 0 && d.Box.Min.X+d.Box.Max.X < prev.Min.X+prev.Max.X {
			t.Errorf("digit %d: box %v left of the one before, %v", i, d.Box, prev)
		}
		if !(d.Confidence >= 0 && d.Confidence <= 1) {
			t.Errorf("digit %d: confidence %v", i, d.Confidence)
		}
		conf *= d.Confidence
		probs = append(probs, d.Confidence)
		prev = d.Box
	}
	if r.calib != nil { // a calibrated model: the reading's map of its digits
		f := r.calib.Features(got.Graph)
		var logs float64
		for _, p := range probs {
			logs += math.Log(max(p, 1e-300))
		}
		if f.Digits != len(probs) || math.Abs(f.LogProb-logs) > 1e-9 {
			t.Errorf("reading map's features %+v: want %d digits whose log probabilities add up to %v", f, len(probs), logs)
		}
		conf = r.calib.Confidence(f)
	}
	if math.Abs(conf-got.Confidence) > 1e-12 || got.Rejected != (got.Confidence < r.opts.Threshold) {
		t.Errorf("confidence %v (want %v from the digits'), rejected %v at threshold %v", got.Confidence, conf, got.Rejected, r.opts.Threshold)
	}
	g := got.Graph
	node := 0
	for _, k := range g.Path {
		if k < 0 || k >= len(g.Pieces) || g.Pieces[k].From != node {
			t.Fatalf("path %v does not run along the pieces", g.Path)
		}
		node = g.Pieces[k].To
	}
	if node != len(g.Segments) {
		t.Errorf("path ends at node %d of %d", node, len(g.Segments))
	}
}

// With Options.Length the reader reads exactly that many digits.
func TestReadLength(t *testing.T) {
	set, _ := fixture(t)
	r := lengthReader(t, 5)
	rng := rand.New(rand.NewPCG(5, 5))
	right := 0
	const lines = 30
	for range lines {
		img, want := composeLine(set, randomLine(set, 5, rng), close, rng)
		got, err := r.Read(img)
		if err != nil {
			t.Fatalf("%q: %v", want, err)
		}
		if len(got.Text) != 5 {
			t.Fatalf("%q: read %q, not 5 digits", want, got.Text)
		}
		checkReading(t, r, img, got)
		if got.Text == want {
			right++
		}
	}
	t.Logf("length 5, close: %d of %d read right", right, lines)
	if right < lines*85/100 {
		t.Errorf("length 5, close: %d of %d read right, want 85%%", right, lines)
	}
	// A fixed length has no rival of another length.
	if got, _ := r.Read(func() image.Image { img, _ := composeLine(set, randomLine(set, 5, rng), close, rng); return img }()); got.Graph.RivalGap != MaxRivalGap {
		t.Errorf("with Length 5 the rival gap is %v, want MaxRivalGap", got.Graph.RivalGap)
	}
	// Two digits cannot be read as nine.
	img, _ := composeLine(set, randomLine(set, 2, rng), apart, rng)
	if _, err := lengthReader(t, 9).Read(img); !errors.Is(err, ErrLength) {
		t.Errorf("9 digits on a line of 2: %v, want ErrLength", err)
	}
}

func lengthReader(t *testing.T, n int) *Reader {
	_, r := fixture(t)
	lr, err := NewWithScorer(r.scorer, Options{Length: n})
	if err != nil {
		t.Fatal(err)
	}
	return lr
}

// Bad images give an error or a rejected reading, never a panic or an
// unbounded wait; blank ones wrap data.ErrNoDigit.
func TestReadBadImages(t *testing.T) {
	_, r := fixture(t)
	white := func(w, h int) *image.Gray {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for i := range g.Pix {
			g.Pix[i] = 255
		}
		return g
	}
	specks := white(3000, 3000)
	rng := rand.New(rand.NewPCG(3, 3))
	for range 5000 {
		x, y, s := rng.IntN(2990), rng.IntN(2990), 2+rng.IntN(6)
		for dy := range s {
			for dx := range s {
				specks.Pix[(y+dy)*specks.Stride+x+dx] = 0
			}
		}
	}
	tests := []struct {
		name string
		img  image.Image
		err  error // nil: a reading, which must be rejected
	}{
		{"0x0", image.NewGray(image.Rect(0, 0, 0, 0)), data.ErrNoDigit},
		{"1x1", image.NewGray(image.Rect(0, 0, 1, 1)), data.ErrNoDigit},
		{"blank page", white(400, 300), data.ErrNoDigit},
		{"grey page", image.NewUniform(color.Gray{128}), ErrTooLarge},
		{"3000x3000 page of specks", specks, nil},
		{"1x1000000", white(1, 1_000_000), data.ErrNoDigit},
		{"offset bounds, blank", white(10, 10).SubImage(image.Rect(3, 3, 9, 9)), data.ErrNoDigit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Read(tt.img)
			switch {
			case tt.err != nil && !errors.Is(err, tt.err):
				t.Errorf("error %v, want %v", err, tt.err)
			case tt.err == nil && err == nil && !got.Rejected:
				t.Errorf("read %q with confidence %v, not rejected", got.Text, got.Confidence)
			case tt.err == nil && err == nil:
				checkReading(t, r, tt.img, got)
				t.Logf("read %d digits, %d segments, %d pieces, confidence %.3g", len(got.Text), len(got.Graph.Segments), len(got.Graph.Pieces), got.Confidence)
			case tt.err == nil:
				t.Logf("error %v", err)
			}
		})
	}
	if _, err := r.Read(nil); err == nil {
		t.Error("a nil image gave no error")
	}
}

// Options are checked.
func TestNewOptions(t *testing.T) {
	s := &scriptedScorer{cost: func([]uint8) [10]float64 { return [10]float64{} }}
	for _, o := range []Options{{Length: -1}, {MaxSpan: -1}, {MaxSpan: 9}, {Threshold: -0.1}, {Threshold: 1.5}, {Threshold: math.NaN()}} {
		if _, err := NewWithScorer(s, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	if _, err := NewWithScorer(nil, Options{}); err == nil {
		t.Error("no scorer: no error")
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Error("no model: no error")
	}
}

// brokenScorer breaks the Scorer contract in one way.
type brokenScorer struct {
	extra int
	cost  float64
	none  float64
	err   error
}

func (b brokenScorer) Score(pieces [][]uint8) ([]Scores, error) {
	out := make([]Scores, len(pieces)+b.extra)
	for i := range out {
		out[i].Cost[3], out[i].None = b.cost, b.none
	}
	return out, b.err
}

// A scorer that fails or breaks its contract is an ErrScorer.
func TestReadScorerErrors(t *testing.T) {
	set, _ := fixture(t)
	img, _ := composeLine(set, []int{0, 1, 2}, apart, rand.New(rand.NewPCG(1, 1)))
	for _, b := range []brokenScorer{{extra: 1}, {cost: math.NaN()}, {cost: -1}, {cost: math.Inf(1)}, {none: math.NaN()}, {none: 1.5}, {none: -0.1}, {err: errors.New("out of memory")}} {
		r, err := NewWithScorer(b, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Read(img); !errors.Is(err, ErrScorer) {
			t.Errorf("%+v: error %v, want ErrScorer", b, err)
		}
	}
}

// A line of one MNIST digit, read with Length 1, is read about as well as
// the digit's own image goes through the network: the crop, the ink map
// and the piece's normalisation lose little.
func TestReadSingleDigits(t *testing.T) {
	set, _ := fixture(t)
	r := lengthReader(t, 1)
	const n = 2000
	rng := rand.New(rand.NewPCG(1, 1))
	var pieces [][]uint8
	wrong := 0
	for i := range n {
		img, want := composeLine(set, []int{i}, apart, rng)
		if got, err := r.Read(img); err != nil || got.Text != want {
			wrong++
		}
		pieces = append(pieces, set.Image(i))
	}
	scores, err := r.scorer.Score(pieces)
	if err != nil {
		t.Fatal(err)
	}
	direct := 0
	for i, s := range scores {
		if s.Best() != set.Label(i) {
			direct++
		}
	}
	t.Logf("%d of the first %d test digits wrong through the reader, %d straight through the network", wrong, n, direct)
	if wrong > direct+10 {
		t.Errorf("%d wrong through the reader, %d straight: the reader's crop loses too much", wrong, direct)
	}
}

// The rival gap is how much dearer the best path of one digit more or
// one fewer is than the reading's own path, capped at MaxRivalGap.
func TestReadRivalGap(t *testing.T) {
	set, r := fixture(t)
	rng := rand.New(rand.NewPCG(7, 7))
	for _, sp := range []spacing{apart, touching} {
		img, want := composeLine(set, randomLine(set, 4, rng), sp, rng)
		got, err := r.Read(img)
		if err != nil {
			t.Fatalf("%q: %v", want, err)
		}
		rival := math.Inf(1)
		for _, n := range []int{len(got.Text) - 1, len(got.Text) + 1} {
			if n < 1 {
				continue
			}
			if other, err := lengthReader(t, n).Read(img); err == nil {
				rival = min(rival, other.Graph.Cost)
			}
		}
		wantGap := min(max(rival-got.Graph.Cost, 0), MaxRivalGap)
		if math.Abs(got.Graph.RivalGap-wantGap) > 1e-9 {
			t.Errorf("%q read %q: rival gap %v, want %v (cost %v, best of another length %v)", want, got.Text, got.Graph.RivalGap, wantGap, got.Graph.Cost, rival)
		}
	}
}
