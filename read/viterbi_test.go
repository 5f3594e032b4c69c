package read

import (
	"errors"
	"image"
	"math"
	"slices"
	"testing"

	"github.com/lenet5-go/lenet5/data"
)

// The best path through hand-built lattices, with and without a length.
func TestBestPath(t *testing.T) {
	// Three segments; each arc's cost is given.
	three := []arc{
		{from: 0, to: 1, digit: 1, cost: 1},  // 0
		{from: 1, to: 2, digit: 2, cost: 1},  // 1
		{from: 2, to: 3, digit: 3, cost: 1},  // 2
		{from: 0, to: 2, digit: 4, cost: 1},  // 3
		{from: 1, to: 3, digit: 5, cost: 5},  // 4
		{from: 0, to: 3, digit: 6, cost: 10}, // 5
	}
	tests := []struct {
		name     string
		n        int
		arcs     []arc
		nodeCost []float64
		length   int
		want     []int
		cost     float64
		err      error
	}{
		{"cheapest", 3, three, nil, 0, []int{3, 2}, 2, nil},
		{"node costs", 3, three, []float64{0, 0, 5, 0}, 0, []int{0, 4}, 6, nil},
		{"length 3", 3, three, nil, 3, []int{0, 1, 2}, 3, nil},
		{"length 1", 3, three, nil, 1, []int{5}, 10, nil},
		{"length 4", 3, three, nil, 4, nil, 0, ErrLength},
		{"gap", 3, three[:2], nil, 0, nil, 0, errNoPath},
		{"one arc", 1, []arc{{from: 0, to: 1, cost: 0.5}}, nil, 0, []int{0}, 0.5, nil},
		{"tie goes to the first arc", 1, []arc{{0, 1, 7, 1}, {0, 1, 8, 1}}, nil, 0, []int{0}, 1, nil},
		{"bad arc", 2, []arc{{from: 1, to: 1}}, nil, 0, nil, 0, errBadArc},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, cost, err := bestPath(tt.n, tt.arcs, tt.nodeCost, tt.length)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("error %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(path, tt.want) || math.Abs(cost-tt.cost) > 1e-12 {
				t.Fatalf("path %v cost %v error %v, want %v cost %v", path, cost, err, tt.want, tt.cost)
			}
		})
	}
}

// scriptedScorer gives every piece the costs that a function of the piece
// chooses, so that a test knows what the reader will see.
type scriptedScorer struct {
	cost func(piece []uint8) [10]float64
	n    int // pieces scored
}

func (s *scriptedScorer) Score(pieces [][]uint8) ([]Scores, error) {
	out := make([]Scores, len(pieces))
	for i, p := range pieces {
		out[i].Cost = s.cost(p)
		den := 0.0
		for d, c := range out[i].Cost {
			out[i].Prob[d] = math.Exp(-c)
			den += out[i].Prob[d]
		}
		for d := range out[i].Prob {
			out[i].Prob[d] /= den
		}
	}
	s.n += len(pieces)
	return out, nil
}

// Viterbi through a real lattice, with a scorer the test controls: three
// blocks of ink; the scorer calls a piece of one block a cheap 1, and
// anything wider an expensive 8. The reading is "111"; with length 2 the
// reader must merge two blocks into an 8.
func TestReadWithScriptedScorer(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 60, 30))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for _, x0 := range []int{10, 25, 40} {
		for y := 5; y < 25; y++ {
			for x := x0; x < x0+8; x++ {
				img.Pix[y*img.Stride+x] = 0
			}
		}
	}
	one := func(p []uint8) [10]float64 {
		// A block alone fills 20 rows and 8 columns of the 28x28 field;
		// two blocks side by side are squeezed to 20 columns wide.
		cols := 0
		for x := range data.Side {
			for y := range data.Side {
				if p[y*data.Side+x] > 128 {
					cols++
					break
				}
			}
		}
		c := [10]float64{5, 5, 5, 5, 5, 5, 5, 5, 5, 5}
		if cols <= 10 {
			c[1] = 0.1
		} else {
			c[8] = 0.2
		}
		return c
	}
	for _, tt := range []struct {
		length int
		want   string
	}{{0, "111"}, {3, "111"}, {2, "81"}, {1, ""}} {
		s := &scriptedScorer{cost: one}
		r, err := NewWithScorer(s, Options{Length: tt.length})
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Read(img)
		if tt.want == "" {
			if !errors.Is(err, ErrLength) {
				t.Errorf("length %d: %v, want ErrLength", tt.length, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("length %d: %v", tt.length, err)
		}
		if got.Text != tt.want && !(tt.length == 2 && got.Text == "18") {
			t.Errorf("length %d: read %q, want %q", tt.length, got.Text, tt.want)
		}
		if len(got.Graph.Segments) != 3 || s.n != len(got.Graph.Pieces) {
			t.Errorf("length %d: %d segments, %d pieces scored, %d listed", tt.length, len(got.Graph.Segments), s.n, len(got.Graph.Pieces))
		}
	}
}
