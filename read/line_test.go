package read

import (
	"image"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/models"
)

// spacing is how far apart composeLine writes neighbouring digits: the
// gap between their ink boxes is gapMin..gapMax columns, negative for an
// overlap (the ink combined with max).
type spacing struct {
	name           string
	gapMin, gapMax int
}

var (
	apart    = spacing{"apart", 4, 8}
	close    = spacing{"close", 0, 1}
	touching = spacing{"touching", -2, -2}
	spacings = []spacing{apart, close, touching}
)

// lineMargin is the paper around a composed line, in pixels.
const lineMargin = 6

// composeLine writes the MNIST test digits at indices side by side, dark
// ink on white paper, and returns the image and the digits' text.
func composeLine(set *data.Set, indices []int, sp spacing, rng *rand.Rand) (*image.Gray, string) {
	type placed struct {
		img    []uint8
		x      int // where column 0 of the 28x28 image goes
		c0, c1 int // ink columns
	}
	var ps []placed
	text := make([]byte, len(indices))
	right := lineMargin
	for k, i := range indices {
		img := set.Image(i)
		text[k] = byte('0' + set.Label(i))
		c0, c1 := data.Side, 0
		for y := range data.Side {
			for x := range data.Side {
				if img[y*data.Side+x] > 0 {
					c0, c1 = min(c0, x), max(c1, x+1)
				}
			}
		}
		gap := sp.gapMin + rng.IntN(sp.gapMax-sp.gapMin+1)
		if k == 0 {
			gap = 0
		}
		ps = append(ps, placed{img: img, x: right + gap - c0, c0: c0, c1: c1})
		right = right + gap + c1 - c0
	}
	w, h := right+lineMargin, data.Side+2*lineMargin
	ink := make([]uint8, w*h)
	for _, p := range ps {
		for y := range data.Side {
			for x := p.c0; x < p.c1; x++ {
				q := (y+lineMargin)*w + p.x + x
				ink[q] = max(ink[q], p.img[y*data.Side+x])
			}
		}
	}
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i, v := range ink {
		g.Pix[i] = 255 - v
	}
	return g, string(text)
}

// randomLine draws n MNIST test digits at random.
func randomLine(set *data.Set, n int, rng *rand.Rand) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = rng.IntN(set.Len())
	}
	return idx
}

var (
	fixtureOnce   sync.Once
	fixtureSet    *data.Set
	fixtureReader *Reader
	fixtureErr    error
)

// fixture returns the MNIST test set and a Reader of the shipped reader's
// model (models.Reader).
func fixture(t testing.TB) (*data.Set, *Reader) {
	t.Helper()
	fixtureOnce.Do(func() {
		fixtureSet, fixtureErr = data.LoadTest("")
		if fixtureErr != nil {
			return
		}
		m, err := models.Reader()
		if err != nil {
			fixtureErr = err
			return
		}
		fixtureReader, fixtureErr = New(m, Options{})
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return fixtureSet, fixtureReader
}

// linesPerSpacing is how many lines readLines makes of each spacing.
const linesPerSpacing = 50

// readLines makes TestReadLines' lines, linesPerSpacing of 2-8 MNIST test
// digits of each spacing (seed (2026, 22)), and gives each to read, which
// checks the reading and says whether it was right; the share read right
// must reach the spacing's floor. read may count more of its own per
// spacing.
func readLines(t *testing.T, set *data.Set, floors map[string]float64, read func(t *testing.T, sp string, img *image.Gray, want string) bool) {
	t.Helper()
	for _, sp := range spacings {
		t.Run(sp.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(2026, 22))
			right := 0
			for range linesPerSpacing {
				img, want := composeLine(set, randomLine(set, 2+rng.IntN(7), rng), sp, rng)
				if read(t, sp.name, img, want) {
					right++
				}
			}
			acc := float64(right) / linesPerSpacing
			t.Logf("%s: %d of %d lines read right (%.0f%%)", sp.name, right, linesPerSpacing, 100*acc)
			if acc < floors[sp.name] {
				t.Errorf("%s: %.0f%% of lines read right, want at least %.0f%%", sp.name, 100*acc, 100*floors[sp.name])
			}
		})
	}
}
