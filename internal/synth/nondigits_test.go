package synth

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/data"
)

// centreOfMass returns the centre of mass of a 28x28 image.
func centreOfMass(pixels []uint8) (x, y float64) {
	var m float64
	for i, p := range pixels {
		v := float64(p)
		m += v
		x += v * float64(i%data.Side)
		y += v * float64(i/data.Side)
	}
	return x / m, y / m
}

// TestNonDigitsNormalized checks every kind on real MNIST: each appears
// in its share, and each non-digit is a 28x28 image in MNIST's format,
// with ink whose box's longer side is about 20 px and whose centre of mass
// is about pixel (14, 14).
func TestNonDigitsNormalized(t *testing.T) {
	src := testDigits(t)
	per := 20
	nds, err := NonDigits(src, per*len(Kinds), 4)
	if err != nil {
		t.Fatal(err)
	}
	count := map[Kind]int{}
	for i, nd := range nds {
		count[nd.Kind]++
		if len(nd.Pixels) != data.ImageSize {
			t.Fatalf("non-digit %d (%s): %d pixels", i, nd.What, len(nd.Pixels))
		}
		box := inkBox(nd.Pixels, 32)
		if box.Empty() {
			t.Fatalf("non-digit %d (%s): no ink", i, nd.What)
		}
		// Centring by mass may push a lopsided figure's far end out of the
		// field, as it did in MNIST; the rest must be 20 px long.
		clipped := box.Min.X == 0 || box.Min.Y == 0 || box.Max.X == data.Side || box.Max.Y == data.Side
		if long := max(box.Dx(), box.Dy()); long < 18 && !clipped || long > 21 {
			t.Errorf("non-digit %d (%s): ink box %v, longer side %d, want about 20", i, nd.What, box, long)
		}
		if x, y := centreOfMass(nd.Pixels); math.Abs(x-digitCentre) > 1 || math.Abs(y-digitCentre) > 1 {
			t.Errorf("non-digit %d (%s): centre of mass (%.1f, %.1f), want about (14, 14)", i, nd.What, x, y)
		}
		if nd.What == "" || !strings.HasPrefix(nd.What, map[Kind]string{Piece: "piece of a ", Pair: "pair ", Letter: "letter "}[nd.Kind]) {
			t.Errorf("non-digit %d (%s) described as %q", i, nd.Kind, nd.What)
		}
	}
	for _, k := range Kinds {
		if count[k] != per {
			t.Errorf("%d non-digits %s, want %d", count[k], k, per)
		}
	}
}

func TestNonDigitsDeterministic(t *testing.T) {
	src := testDigits(t)
	a, err := NonDigits(src, 30, 9)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NonDigits(src, 30, 9)
	if err != nil {
		t.Fatal(err)
	}
	short, err := NonDigits(src, 12, 9)
	if err != nil {
		t.Fatal(err)
	}
	other, err := NonDigits(src, 30, 10)
	if err != nil {
		t.Fatal(err)
	}
	differ := 0
	for i := range a {
		if !bytes.Equal(a[i].Pixels, b[i].Pixels) || a[i].What != b[i].What || a[i].Kind != b[i].Kind {
			t.Fatalf("non-digit %d: the same seed made %q and %q", i, a[i].What, b[i].What)
		}
		if i < len(short) && !bytes.Equal(a[i].Pixels, short[i].Pixels) {
			t.Fatalf("non-digit %d of 30 differs from %d of 12", i, i)
		}
		if !bytes.Equal(a[i].Pixels, other[i].Pixels) {
			differ++
		}
	}
	if differ < len(a)-1 {
		t.Errorf("seeds 9 and 10 made only %d different non-digits of %d", differ, len(a))
	}
}

// TestNonDigitsUseTheirSource makes pieces and pairs of 4s and 7s only:
// they are made of the digits given, so a test set's come from test
// digits. Pieces are never cut from a 1, which any slice leaves a 1.
func TestNonDigitsUseTheirSource(t *testing.T) {
	var src []Digit
	for _, d := range testDigits(t) {
		if d.Label == 4 || d.Label == 7 || d.Label == 1 {
			src = append(src, d)
		}
	}
	nds, err := NonDigits(src, 10*len(Kinds), 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, nd := range nds {
		switch nd.Kind {
		case Piece:
			if nd.What != "piece of a 4" && nd.What != "piece of a 7" {
				t.Errorf("non-digit %d: %s", i, nd.What)
			}
		case Pair:
			if strings.Trim(strings.TrimPrefix(nd.What, "pair "), "147") != "" {
				t.Errorf("non-digit %d: %s", i, nd.What)
			}
		}
	}
}

// TestNonDigitsNotOnes checks that the drawn kinds never come out as a
// tall thin mark, which MNIST would call a 1.
func TestNonDigitsNotOnes(t *testing.T) {
	nds, err := NonDigits(testDigits(t), 40*len(Kinds), 12)
	if err != nil {
		t.Fatal(err)
	}
	for i, nd := range nds {
		if nd.Kind == Piece || nd.Kind == Pair {
			continue
		}
		if box := inkBox(nd.Pixels, 64); box.Dx()*100 <= box.Dy()*45 {
			t.Errorf("non-digit %d (%s): ink box %v is shaped like a 1", i, nd.What, box)
		}
	}
}

func TestNonDigitsErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		src  []Digit
		n    int
		want string
	}{
		{"negative count", nil, -2, "the count is negative"},
		{"no digits", nil, 1, "non-digit 0 of 1 (piece, seed 1): no digits to make it of"},
		{"bad digit", []Digit{{Pixels: make([]uint8, 784), Label: 10}}, 1, "digit 0 has label 10"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := NonDigits(c.src, c.n, 1)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestKindNames(t *testing.T) {
	want := []string{"piece", "pair", "stroke", "shape", "letter", "noise", "scribble"}
	for i, k := range Kinds {
		if k.String() != want[i] {
			t.Errorf("kind %d is %q, want %q", i, k, want[i])
		}
	}
	if got := Kind(99).String(); got != "Kind(99)" {
		t.Errorf("Kind(99).String() = %q", got)
	}
}
