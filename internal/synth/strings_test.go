package synth

import (
	"bytes"
	"image"
	"slices"
	"strings"
	"testing"
)

// samplesEqual reports whether two sets of samples are the same, byte for
// byte.
func samplesEqual(a, b []Sample) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Text != b[i].Text || a[i].Spacing != b[i].Spacing || a[i].Look != b[i].Look ||
			!slices.Equal(a[i].Boxes, b[i].Boxes) || !bytes.Equal(a[i].Image.Pix, b[i].Image.Pix) ||
			a[i].Image.Rect != b[i].Image.Rect {
			return false
		}
	}
	return true
}

func TestStringsDeterministic(t *testing.T) {
	src := testDigits(t)
	a, err := Strings(src, 24, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Strings(src, 24, 7)
	if err != nil {
		t.Fatal(err)
	}
	if !samplesEqual(a, b) {
		t.Fatal("the same seed made different samples")
	}
	short, err := Strings(src, 10, 7)
	if err != nil {
		t.Fatal(err)
	}
	if !samplesEqual(short, a[:10]) {
		t.Error("the first 10 of 24 samples differ from a set of 10")
	}
	other, err := Strings(src, 24, 8)
	if err != nil {
		t.Fatal(err)
	}
	same := 0
	for i := range other {
		if other[i].Text == a[i].Text {
			same++
		}
	}
	if same > 3 {
		t.Errorf("seeds 7 and 8 wrote the same number in %d of 24 samples", same)
	}
}

// TestStringsTruth checks each sample against what it claims: the text
// is digits, as many as boxes, 1..8 of them; the boxes lie inside the
// picture in reading order; the spacings come in equal thirds and every
// length occurs.
func TestStringsTruth(t *testing.T) {
	src := testDigits(t)
	const n = 240
	samples, err := Strings(src, n, 1)
	if err != nil {
		t.Fatal(err)
	}
	spacings := map[Spacing]int{}
	lengths := map[int]int{}
	for i, s := range samples {
		if len(s.Text) < MinLength || len(s.Text) > MaxLength || strings.Trim(s.Text, "0123456789") != "" {
			t.Fatalf("sample %d: text %q, want 1..8 digits", i, s.Text)
		}
		if len(s.Boxes) != len(s.Text) {
			t.Fatalf("sample %d: %d boxes for %q", i, len(s.Boxes), s.Text)
		}
		for k, b := range s.Boxes {
			if b.Empty() || !b.In(s.Image.Bounds().Inset(minMargin)) {
				t.Fatalf("sample %d: box %d %v not inside the picture %v less its margin", i, k, b, s.Image.Bounds())
			}
			if k > 0 && (b.Min.X <= s.Boxes[k-1].Min.X || b.Max.X <= s.Boxes[k-1].Max.X) {
				t.Fatalf("sample %d: box %d %v not right of box %d %v", i, k, b, k-1, s.Boxes[k-1])
			}
		}
		spacings[s.Spacing]++
		lengths[len(s.Text)]++
		if s.Image.Bounds().Min != (image.Point{}) {
			t.Fatalf("sample %d: picture starts at %v", i, s.Image.Bounds().Min)
		}
	}
	for _, sp := range Spacings {
		if spacings[sp] != n/3 {
			t.Errorf("%d samples %s, want %d", spacings[sp], sp, n/3)
		}
	}
	for l := MinLength; l <= MaxLength; l++ {
		if lengths[l] < n/8/2 {
			t.Errorf("%d samples of length %d in %d, want about %d", lengths[l], l, n, n/8)
		}
	}
}

// TestStringsUseTheirSource writes numbers with digits of two labels only
// and checks that no other digit appears: a test set made of test digits
// holds nothing else.
func TestStringsUseTheirSource(t *testing.T) {
	var src []Digit
	for _, d := range testDigits(t) {
		if d.Label == 3 || d.Label == 8 {
			src = append(src, d)
		}
	}
	samples, err := Strings(src, 30, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range samples {
		if strings.Trim(s.Text, "38") != "" {
			t.Fatalf("sample %d: %q from digits 3 and 8", i, s.Text)
		}
	}
}

func TestStringsErrors(t *testing.T) {
	good := testDigits(t)[:5]
	for _, c := range []struct {
		name string
		src  []Digit
		n    int
		want string
	}{
		{"negative count", good, -1, "the count is negative"},
		{"no digits", nil, 3, "no digits to write them with"},
		{"short digit", []Digit{{Pixels: make([]uint8, 27)}}, 1, "digit 0 has 27 pixels"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Strings(c.src, c.n, 1)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	if s, err := Strings(nil, 0, 1); err != nil || len(s) != 0 {
		t.Errorf("no samples from no digits: %v, %v", s, err)
	}
}
