package data

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var (
	testSetOnce sync.Once
	testSet     *Set
	testSetErr  error
)

// realTestSet loads MNIST's test set once, found with no set-up as
// LoadTest finds it for a user.
func realTestSet(t testing.TB) *Set {
	t.Helper()
	testSetOnce.Do(func() { testSet, testSetErr = LoadTest("") })
	if testSetErr != nil {
		t.Fatalf("loading the MNIST test set: %v", testSetErr)
	}
	return testSet
}

// formatImages returns raw images to preprocess: real test digits, and
// synthetic ones that reach every edge of the image.
func formatImages(t *testing.T) map[string][]uint8 {
	test := realTestSet(t)
	imgs := map[string][]uint8{}
	for _, i := range []int{0, 1, 2, 3, 4, 7, 18, 9999} {
		imgs["test image "+strconv.Itoa(i)] = test.Image(i)
	}
	full, ramp := make([]uint8, ImageSize), make([]uint8, ImageSize)
	for i := range full {
		full[i] = 255
		ramp[i] = uint8(i * 37)
	}
	imgs["full ink"], imgs["ramp"] = full, ramp
	return imgs
}

// A format that keeps the digit's size with the field's centre on the
// image's pixel grid is the image padded or cropped, value for value, in
// float32 and float64; LeNet5Format is Preprocess's input, and the general
// resampling path agrees with the copy bit for bit.
func TestFormatPreprocessCopiesPixels(t *testing.T) {
	formats := []struct {
		name string
		f    InputFormat
	}{
		{"LeNet-5 32x32", LeNet5Format},
		{"MNIST 28x28", MNISTFormat},
		{"padded 30x30", InputFormat{Side: 30, Digit: 20}},
		{"cropped 24x24", InputFormat{Side: 24, Digit: 20}},
		{"smallest copy 20x20", InputFormat{Side: 20, Digit: 20}},
	}
	for _, tc := range formats {
		off, copied := tc.f.offset()
		if !copied {
			t.Fatalf("%s: %v is not a copy of the pixels", tc.name, tc.f)
		}
		for name, raw := range formatImages(t) {
			got32, res32 := make([]float32, tc.f.Size()), make([]float32, tc.f.Size())
			got64 := make([]float64, tc.f.Size())
			tc.f.Preprocess(got32, raw)
			tc.f.Preprocess64(got64, raw)
			resample(res32, raw, tc.f, Distortion{})
			for r := range tc.f.Side {
				for c := range tc.f.Side {
					want := PixelValue(0)
					if sr, sc := r-off, c-off; sr >= 0 && sr < Side && sc >= 0 && sc < Side {
						want = PixelValue(raw[sr*Side+sc])
					}
					k := r*tc.f.Side + c
					if got64[k] != want || got32[k] != float32(want) || res32[k] != got32[k] {
						t.Fatalf("%s, %s: (%d,%d) float64 %v, float32 %v, resampled %v; want %v", tc.name, name, r, c, got64[k], got32[k], res32[k], want)
					}
				}
			}
			if tc.f == LeNet5Format {
				want32, want64 := make([]float32, InputSize), make([]float64, InputSize)
				Preprocess(want32, raw)
				Preprocess64(want64, raw)
				if !slices.Equal(got32, want32) || !slices.Equal(got64, want64) {
					t.Fatalf("%s: LeNet5Format differs from Preprocess", name)
				}
			}
		}
	}
}

// MNISTFormat is LeNet-5's input without its Pad-pixel border.
func TestMNISTFormatIsCropOfLeNet5(t *testing.T) {
	in32, in28 := make([]float32, InputSize), make([]float32, MNISTFormat.Size())
	for name, raw := range formatImages(t) {
		Preprocess(in32, raw)
		MNISTFormat.Preprocess(in28, raw)
		for r := range Side {
			if !slices.Equal(in28[r*Side:(r+1)*Side], in32[(r+Pad)*InputSide+Pad:(r+Pad)*InputSide+Pad+Side]) {
				t.Fatalf("%s: row %d is not the 32x32 input's row %d cropped", name, r, r+Pad)
			}
		}
	}
}

// The zero Distortion in any format is the format's Preprocess, bit for
// bit; in LeNet5Format it is also Apply's and Preprocess's input.
func TestZeroDistortionInFormats(t *testing.T) {
	for _, f := range []InputFormat{LeNet5Format, MNISTFormat, LeNet1Format, {Side: 29, Digit: 20}, {Side: 64, Digit: 40}} {
		want, got := make([]float32, f.Size()), make([]float32, f.Size())
		for name, raw := range formatImages(t) {
			f.Preprocess(want, raw)
			Distortion{}.ApplyFormat(f, got, raw)
			if !slices.Equal(got, want) {
				t.Fatalf("%v, %s: the zero distortion is not Preprocess", f, name)
			}
			if f == LeNet5Format {
				Distortion{}.Apply(got, raw)
				plain := make([]float32, InputSize)
				Preprocess(plain, raw)
				if !slices.Equal(got, want) || !slices.Equal(plain, want) {
					t.Fatalf("%s: Apply, Preprocess and LeNet5Format.Preprocess differ", name)
				}
			}
		}
	}
}

// applyBeforeFormats is Distortion.Apply as it was before input formats,
// operation for operation: LeNet-5's distorted inputs must not change.
func applyBeforeFormats(d Distortion, dst []float32, raw []uint8) {
	a, b, e := d.inverse()
	const centre = (InputSide - 1) / 2.0
	for r := range InputSide {
		for col := range InputSide {
			x := float64(col) - centre - d.DX
			y := float64(r) - centre - d.DY
			sx := a*x + b*y + centre - Pad
			sy := e*y + centre - Pad
			dst[r*InputSide+col] = float32(PixelValue(0) + (Ink-Background)*bilinear(raw, sx, sy)/255)
		}
	}
}

func TestLeNet5DistortionsUnchanged(t *testing.T) {
	test := realTestSet(t)
	rng := rand.New(rand.NewPCG(5, 6))
	got, want := make([]float32, InputSize), make([]float32, InputSize)
	for i := range 200 {
		d := DefaultDistortRanges.Random(rng)
		d.Apply(got, test.Image(i))
		applyBeforeFormats(d, want, test.Image(i))
		if !slices.Equal(got, want) {
			t.Fatalf("image %d, %+v: Apply's input changed", i, d)
		}
		d.ApplyFormat(LeNet5Format, got, test.Image(i))
		if !slices.Equal(got, want) {
			t.Fatalf("image %d, %+v: ApplyFormat(LeNet5Format) is not Apply", i, d)
		}
	}
}

// A distortion in LeNet1Format is one resampling of the image: the same
// as the distortion grown by the format's scale 0.8 in MNISTFormat (scale
// 1), to rounding, where shrinking and then distorting would interpolate
// twice.
func TestDistortionComposesWithFormatScale(t *testing.T) {
	test := realTestSet(t)
	rng := rand.New(rand.NewPCG(7, 8))
	got, want := make([]float32, LeNet1Format.Size()), make([]float32, MNISTFormat.Size())
	for i := range 100 {
		d := DefaultDistortRanges.Random(rng)
		if i == 0 {
			d = Distortion{} // the format alone
		}
		same := d
		same.Scale = LeNet1Format.scale()*(1+d.Scale) - 1
		d.ApplyFormat(LeNet1Format, got, test.Image(i))
		same.ApplyFormat(MNISTFormat, want, test.Image(i))
		for k := range got {
			if math.Abs(float64(got[k]-want[k])) > 1e-5 {
				t.Fatalf("image %d, %+v: value %d is %v in LeNet1Format, %v as one map in MNISTFormat", i, d, k, got[k], want[k])
			}
		}
	}
}

// inkBox returns the height and width of the box holding the pixels with
// more than thr of ink over the background, and the ink's centre of mass
// (column, row).
func inkBox(in []float32, side int, thr float64) (h, w int, cx, cy float64) {
	minR, minC, maxR, maxC := side, side, -1, -1
	var mass float64
	for r := range side {
		for c := range side {
			v := float64(in[r*side+c]) - Background
			if v > thr {
				minR, maxR, minC, maxC = min(minR, r), max(maxR, r), min(minC, c), max(maxC, c)
			}
			mass += v
			cx += v * float64(c)
			cy += v * float64(r)
		}
	}
	return maxR - minR + 1, maxC - minC + 1, cx / mass, cy / mass
}

// Measured on the 10,000 MNIST test digits: the digit's box is Digit
// pixels (the larger side of the pixels at least half inked, as MNIST's
// own digits measure 20), any ink stays within a pixel of it (bilinear
// resampling spreads an edge over two pixels), and the ink's centre of
// mass is MNIST's, about the centre, scaled by the format.
func TestFormatDigitSizeOnMNIST(t *testing.T) {
	test := realTestSet(t)
	// MNIST centres the centre of mass near pixel (14, 14): half a pixel
	// right of and below the image's centre (13.5, 13.5), on average.
	var mnistX, mnistY float64
	ref := make([]float32, MNISTFormat.Size())
	for i := range test.Len() {
		MNISTFormat.Preprocess(ref, test.Image(i))
		_, _, cx, cy := inkBox(ref, Side, 0)
		mnistX += cx - (Side-1)/2.0
		mnistY += cy - (Side-1)/2.0
	}
	mnistX /= float64(test.Len())
	mnistY /= float64(test.Len())
	if math.Abs(mnistX-0.5) > 0.1 || math.Abs(mnistY-0.5) > 0.1 {
		t.Fatalf("MNIST's mean centre of mass is (%.3f, %.3f) from the centre, not about (0.5, 0.5)", mnistX, mnistY)
	}
	const half = (Ink - Background) / 2
	tests := []struct {
		name string
		f    InputFormat
		// fewest images whose half-ink box is exactly f.Digit
		exact float64
	}{
		{"LeNet-5", LeNet5Format, 0.98},
		{"MNIST", MNISTFormat, 0.98},
		{"LeNet-1", LeNet1Format, 0.85},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			in := make([]float32, f.Size())
			var sizes []int
			var meanX, meanY float64
			centre := float64(f.Side-1) / 2
			for i := range test.Len() {
				f.Preprocess(in, test.Image(i))
				h, w, cx, cy := inkBox(in, f.Side, half)
				sizes = append(sizes, max(h, w))
				if h, w, _, _ := inkBox(in, f.Side, 0); max(h, w) < f.Digit-1 || max(h, w) > f.Digit+1 {
					t.Fatalf("test image %d: ink spans %dx%d pixels, want %d give or take 1", i, h, w, f.Digit)
				}
				if d := math.Hypot(cx-centre, cy-centre); d > 2*f.scale() {
					t.Fatalf("test image %d: centre of mass %.2f px from the centre", i, d)
				}
				meanX += cx - centre
				meanY += cy - centre
			}
			n := float64(test.Len())
			meanX /= n
			meanY /= n
			sort.Ints(sizes)
			exact := float64(sort.SearchInts(sizes, f.Digit+1)-sort.SearchInts(sizes, f.Digit)) / n
			if sizes[len(sizes)/2] != f.Digit || sizes[len(sizes)-1] != f.Digit || exact < tc.exact {
				t.Errorf("half-ink box: median %d, largest %d, %.1f%% exactly %d; want median and largest %d, at least %.0f%% exactly",
					sizes[len(sizes)/2], sizes[len(sizes)-1], 100*exact, f.Digit, f.Digit, 100*tc.exact)
			}
			wantX, wantY := f.scale()*mnistX, f.scale()*mnistY
			if math.Abs(meanX-wantX) > 0.02 || math.Abs(meanY-wantY) > 0.02 {
				t.Errorf("mean centre of mass (%.3f, %.3f) from the centre, want (%.3f, %.3f)", meanX, meanY, wantX, wantY)
			}
			t.Logf("%v: half-ink box %d in %.1f%%, mean centre of mass (%.3f, %.3f) from the centre", f, f.Digit, 100*exact, meanX, meanY)
		})
	}
}

func TestFormatValidate(t *testing.T) {
	tests := []struct {
		f    InputFormat
		want string // "" for a valid format, else a part of the error
	}{
		{LeNet5Format, ""},
		{MNISTFormat, ""},
		{LeNet1Format, ""},
		{InputFormat{Side: 8, Digit: 4}, ""},
		{InputFormat{Side: 256, Digit: 256}, ""},
		{InputFormat{}, "side must be between 8 and 256"},
		{InputFormat{Side: 7, Digit: 4}, "side must be between 8 and 256"},
		{InputFormat{Side: 257, Digit: 20}, "side must be between 8 and 256"},
		{InputFormat{Side: -32, Digit: 20}, "side must be between 8 and 256"},
		{InputFormat{Side: 28, Digit: 3}, "digit box is 3 pixels; it must be between 4 and the side, 28"},
		{InputFormat{Side: 28, Digit: 29}, "digit box is 29 pixels"},
		{InputFormat{Side: 28}, "digit box is 0 pixels"},
	}
	for _, tc := range tests {
		err := tc.f.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.f, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "data: ")):
			t.Errorf("%+v: error %v, want one containing %q", tc.f, err, tc.want)
		}
	}
	if got := LeNet1Format.String(); got != "28x28, 16 px digit" {
		t.Errorf("LeNet1Format.String() = %q", got)
	}
	if LeNet5Format.Size() != InputSize || MNISTFormat.Size() != ImageSize {
		t.Error("Size disagrees with InputSize or ImageSize")
	}
}
