package data

import (
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// DigitImage returns a 28x28 MNIST image (0 = background) as a picture:
// dark ink on white, as digits are printed.
func DigitImage(raw []uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, Side, Side))
	for i, p := range raw[:ImageSize] {
		img.Pix[i] = 255 - p
	}
	return img
}

// ContactSheet lays digits out in rows of cols, each scaled by scale and
// captioned underneath (like the paper's Fig. 8, which prints
// "label->predicted" under each misclassified digit).
func ContactSheet(digits [][]uint8, captions []string, cols, scale int) *image.RGBA {
	if cols < 1 {
		cols = 1
	}
	const captionH, pad = 14, 6
	cell := Side*scale + pad
	rows := (len(digits) + cols - 1) / cols
	sheet := image.NewRGBA(image.Rect(0, 0, max(cols, 1)*cell+pad, max(rows, 1)*(cell+captionH)+pad))
	draw.Draw(sheet, sheet.Bounds(), image.White, image.Point{}, draw.Src)
	for k, raw := range digits {
		x0, y0 := pad+(k%cols)*cell, pad+(k/cols)*(cell+captionH)
		digit := DigitImage(raw)
		for y := range Side * scale {
			for x := range Side * scale {
				sheet.Set(x0+x, y0+y, digit.GrayAt(x/scale, y/scale))
			}
		}
		if k < len(captions) {
			drawText(sheet, x0, y0+Side*scale+captionH-3, captions[k], color.Black)
		}
	}
	return sheet
}

// drawText writes s with its baseline at (x, y) in a 7x13 bitmap font.
func drawText(dst draw.Image, x, y int, s string, c color.Color) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}
