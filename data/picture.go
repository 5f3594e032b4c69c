package data

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
)

// FeatureMaps is one convolutional or sub-sampling stage of one image:
// Maps maps of Side x Side values, map after map.
type FeatureMaps struct {
	Name   string
	Maps   int
	Side   int
	Values []float64
}

// Activations is one image's pass through LeNet-5, for LayerPicture.
type Activations struct {
	Input []float32     // 32x32 network input
	Maps  []FeatureMaps // C1, S2, C3, S4
	C5    []float64     // 120 values
	F6    []float64     // 84 values, drawn as the 7x12 grid of the RBF codes
	// Code is the 84-cell code of the predicted digit (+1/-1), drawn beside F6.
	Code []float64
	// Scores are the ten outputs (RBF distances or logits), ScoreName says which.
	Scores        []float64
	ScoreName     string
	Probabilities []float64
	Predicted     int
}

// Colours of the picture: activations run from white (-1.7159, the
// squashing function's floor) to black (+1.7159), like ink on paper, so
// the input, where ink is high, reads as the digit itself.
var (
	pictureBackground = color.RGBA{0xf4, 0xf4, 0xf0, 0xff}
	pictureLabel      = color.RGBA{0x20, 0x20, 0x20, 0xff}
	pictureBar        = color.RGBA{0x2a, 0x6f, 0xb0, 0xff}
	pictureBest       = color.RGBA{0xc0, 0x39, 0x2b, 0xff}
)

const squashMax = 1.7159

// shade maps v in [lo, hi] to a grey, lo white and hi black.
func shade(v, lo, hi float64) color.Gray {
	t := (v - lo) / (hi - lo)
	t = math.Max(0, math.Min(1, t))
	return color.Gray{Y: uint8(math.Round(255 * (1 - t)))}
}

// fillCells draws a rows x cols grid of values, each cell scale pixels.
func fillCells(dst *image.RGBA, x0, y0, rows, cols, scale int, at func(r, c int) color.Color) {
	for r := range rows {
		for c := range cols {
			draw.Draw(dst, image.Rect(x0+c*scale, y0+r*scale, x0+(c+1)*scale, y0+(r+1)*scale),
				image.NewUniform(at(r, c)), image.Point{}, draw.Src)
		}
	}
}

// frame draws a 1-pixel grey border around a block.
func frame(dst *image.RGBA, r image.Rectangle) {
	c := image.NewUniform(color.RGBA{0xa0, 0xa0, 0xa0, 0xff})
	r = r.Inset(-1)
	for _, e := range []image.Rectangle{
		image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+1), image.Rect(r.Min.X, r.Max.Y-1, r.Max.X, r.Max.Y),
		image.Rect(r.Min.X, r.Min.Y, r.Min.X+1, r.Max.Y), image.Rect(r.Max.X-1, r.Min.Y, r.Max.X, r.Max.Y),
	} {
		draw.Draw(dst, e, c, image.Point{}, draw.Src)
	}
}

// column is one labelled stage of the picture.
type column struct {
	title, sub    string
	width, height int
	draw          func(dst *image.RGBA, x0, y0 int)
}

// LayerPicture draws an image's input and every stage's activations left
// to right, each labelled with its layer and size (docs/spec.md §11): the
// 32x32 input, C1's 6 maps, S2's 6, C3's 16, S4's 16, C5's 120 values,
// F6's 84 values as the 7x12 grid beside the code of the predicted digit,
// and the ten output scores with their probabilities.
func LayerPicture(a Activations) (*image.RGBA, error) {
	if len(a.Input) != InputSize || len(a.Maps) != 4 || len(a.C5) != 120 || len(a.F6) != 84 ||
		len(a.Code) != 84 || len(a.Scores) != 10 || len(a.Probabilities) != 10 {
		return nil, fmt.Errorf("data: layer picture needs the input, 4 map stages, 120 C5, 84 F6 and code values and 10 scores")
	}
	cols := []column{{title: "input", sub: "32x32", width: 4 * InputSide, height: 4 * InputSide, draw: func(dst *image.RGBA, x0, y0 int) {
		fillCells(dst, x0, y0, InputSide, InputSide, 4, func(r, c int) color.Color {
			return shade(float64(a.Input[r*InputSide+c]), Background, Ink)
		})
		frame(dst, image.Rect(x0, y0, x0+4*InputSide, y0+4*InputSide))
	}}}
	for _, m := range a.Maps {
		cols = append(cols, mapsColumn(m))
	}
	cols = append(cols,
		column{title: "C5", sub: "120", width: 10 * 8, height: 96, draw: func(dst *image.RGBA, x0, y0 int) {
			fillCells(dst, x0, y0, 12, 10, 8, func(r, c int) color.Color { return shade(a.C5[r*10+c], -squashMax, squashMax) })
			frame(dst, image.Rect(x0, y0, x0+80, y0+96))
		}},
		column{title: "F6 | code", sub: fmt.Sprintf("84 | %d", a.Predicted), width: 2*7*8 + 10, height: 96, draw: func(dst *image.RGBA, x0, y0 int) {
			fillCells(dst, x0, y0, 12, 7, 8, func(r, c int) color.Color { return shade(a.F6[r*7+c], -squashMax, squashMax) })
			frame(dst, image.Rect(x0, y0, x0+56, y0+96))
			fillCells(dst, x0+66, y0, 12, 7, 8, func(r, c int) color.Color { return shade(a.Code[r*7+c], -1, 1) })
			frame(dst, image.Rect(x0+66, y0, x0+122, y0+96))
		}},
		column{title: "output", sub: a.ScoreName, width: 190, height: 10 * 22, draw: func(dst *image.RGBA, x0, y0 int) {
			for d := range 10 {
				y := y0 + d*22
				c := pictureBar
				if d == a.Predicted {
					c = pictureBest
				}
				drawText(dst, x0, y+13, fmt.Sprint(d), pictureLabel)
				w := int(math.Round(80 * a.Probabilities[d]))
				draw.Draw(dst, image.Rect(x0+12, y+3, x0+12+max(w, 1), y+15), image.NewUniform(c), image.Point{}, draw.Src)
				drawText(dst, x0+98, y+13, fmt.Sprintf("%7.3f %3.0f%%", a.Scores[d], 100*a.Probabilities[d]), pictureLabel)
			}
		}},
	)
	const margin, gap, header = 12, 18, 36
	width, height := margin, 0
	for _, c := range cols {
		width += c.width + gap
		height = max(height, c.height)
	}
	img := image.NewRGBA(image.Rect(0, 0, width-gap+margin, header+height+margin))
	draw.Draw(img, img.Bounds(), image.NewUniform(pictureBackground), image.Point{}, draw.Src)
	x := margin
	for _, c := range cols {
		drawText(img, x, 14, c.title, pictureLabel)
		drawText(img, x, 28, c.sub, pictureLabel)
		c.draw(img, x, header)
		x += c.width + gap
	}
	return img, nil
}

// mapsColumn lays out a stage's maps: 6 maps in one column, 56 pixels
// each; 16 in two columns, 40 pixels each, so all stages stand equally tall.
func mapsColumn(m FeatureMaps) column {
	scale := max(1, 56/m.Side)
	perCol := m.Maps
	if m.Maps > 8 {
		perCol = (m.Maps + 1) / 2
		scale = max(1, 40/m.Side)
	}
	cell := m.Side*scale + 4
	ncols := (m.Maps + perCol - 1) / perCol
	return column{title: m.Name, sub: fmt.Sprintf("%d@%dx%d", m.Maps, m.Side, m.Side), width: ncols*cell - 4, height: perCol*cell - 4,
		draw: func(dst *image.RGBA, x0, y0 int) {
			for k := range m.Maps {
				mx, my := x0+(k/perCol)*cell, y0+(k%perCol)*cell
				vals := m.Values[k*m.Side*m.Side:]
				fillCells(dst, mx, my, m.Side, m.Side, scale, func(r, c int) color.Color {
					return shade(vals[r*m.Side+c], -squashMax, squashMax)
				})
				frame(dst, image.Rect(mx, my, mx+m.Side*scale, my+m.Side*scale))
			}
		}}
}
