package synth

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestRenderLegible renders lines of real digits in random looks and
// checks that the ink stays clearly legible: the look's contrast is at
// least minContrast, and in the picture, noise, light and JPEG included,
// the mean luma of the stroke cores differs from the paper's by at least
// 35% of the full range. It also checks that the looks vary as intended.
func TestRenderLegible(t *testing.T) {
	src := testDigits(t)
	const looks = 200
	var inverse, ruled, jpegs int
	for n := range looks {
		r := sampleDraws(5, 99, n)
		line, err := compose(src[n*3:n*3+3], Spacings[n%3], r)
		if err != nil {
			t.Fatal(err)
		}
		l := randomLook(r, line.Baseline)
		if c := l.Contrast(); c < minContrast {
			t.Fatalf("look %d: contrast %.3f, want at least %.2f", n, c, minContrast)
		}
		img, err := Render(line.Ink, l)
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds() != line.Ink.Bounds() {
			t.Fatalf("look %d: picture %v, ink map %v", n, img.Bounds(), line.Ink.Bounds())
		}
		var inkSum, paperSum float64
		var inkN, paperN int
		for i, a := range line.Ink.Pix {
			p := img.Pix[4*i:]
			y := 0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2])
			switch {
			case a >= 250:
				inkSum, inkN = inkSum+y, inkN+1
			case a == 0:
				paperSum, paperN = paperSum+y, paperN+1
			}
		}
		inkMean, paperMean := inkSum/float64(inkN), paperSum/float64(paperN)
		if d := (paperMean - inkMean) / 255; d < 0.35 && d > -0.35 {
			t.Fatalf("look %d (%+v): ink luma %.0f, paper %.0f: too close", n, l, inkMean, paperMean)
		}
		if inkMean > paperMean {
			inverse++
		}
		if l.RuleGap > 0 {
			ruled++
		}
		if l.JPEGQuality > 0 {
			jpegs++
			if l.JPEGQuality < 60 || l.JPEGQuality > 90 {
				t.Fatalf("look %d: JPEG quality %d, want 60..90", n, l.JPEGQuality)
			}
		}
	}
	t.Logf("%d looks: %d light on dark, %d ruled, %d through JPEG", looks, inverse, ruled, jpegs)
	for _, c := range []struct {
		what     string
		got      int
		lo, high float64
	}{
		{"light on dark", inverse, 0.03, 0.2},
		{"ruled", ruled, 0.2, 0.4},
		{"JPEG", jpegs, 0.3, 0.55},
	} {
		if share := float64(c.got) / looks; share < c.lo || share > c.high {
			t.Errorf("%s in %.0f%% of the looks, want %.0f..%.0f%%", c.what, 100*share, 100*c.lo, 100*c.high)
		}
	}
}

// TestRenderDeterministic renders one look twice.
func TestRenderDeterministic(t *testing.T) {
	src := testDigits(t)
	line, err := Compose(src[:4], Touching, rand.NewPCG(1, 2))
	if err != nil {
		t.Fatal(err)
	}
	l := RandomLook(rand.NewPCG(3, 4), line.Baseline)
	l.JPEGQuality, l.Noise = 75, 0.03
	a, err := Render(line.Ink, l)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Render(line.Ink, l)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Pix, b.Pix) {
		t.Fatal("the same look rendered twice differs")
	}
}
