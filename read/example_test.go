package read_test

import (
	"fmt"
	"image"
	"log"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
	"github.com/lenet5-go/lenet5/read"
)

// Read a number written as a line of digits: here the first four MNIST
// test digits, dark on white, 6 pixels apart.
func Example() {
	test, err := data.LoadTest("")
	if err != nil {
		log.Fatal(err)
	}
	line := image.NewGray(image.Rect(0, 0, 4*34+6, 40))
	for i := range line.Pix {
		line.Pix[i] = 255
	}
	for k := range 4 {
		digit := test.Image(k)
		for y := range data.Side {
			for x := range data.Side {
				line.Pix[(6+y)*line.Stride+6+34*k+x] = 255 - digit[y*data.Side+x]
			}
		}
	}

	m, err := models.Reader()
	if err != nil {
		log.Fatal(err)
	}
	r, err := read.New(m, read.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	reading, err := r.Read(line)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(reading.Text)
	for _, d := range reading.Digits {
		fmt.Println(d.Digit, d.Box)
	}
	// Output:
	// 7210
	// 7 (12,13)-(28,33)
	// 2 (47,9)-(67,29)
	// 1 (85,10)-(93,30)
	// 0 (115,10)-(131,30)
}

// Read as infer does: the shipped reader with the shipped SDNN as its
// second reader, here on MNIST test digits 10 to 13 drawn overlapping (one
// every 15 pixels, ink over ink), which the segmentation must cut. It
// misreads the line and knows it is unsure; the SDNN reads the line again
// and is right and more confident. Both confidences are the probability of
// being right.
func ExampleNewWithSDNN() {
	test, err := data.LoadTest("")
	if err != nil {
		log.Fatal(err)
	}
	const first, n, step = 10, 4, 15
	line := image.NewGray(image.Rect(0, 0, (n-1)*step+data.Side+12, 40))
	for i := range line.Pix {
		line.Pix[i] = 255
	}
	for k := range n {
		digit := test.Image(first + k)
		for y := range data.Side {
			for x := range data.Side {
				p := &line.Pix[(6+y)*line.Stride+6+step*k+x]
				*p = min(*p, 255-digit[y*data.Side+x]) // ink over ink
			}
		}
	}

	m, err := models.Reader()
	if err != nil {
		log.Fatal(err)
	}
	sdnn, err := models.SDNN()
	if err != nil {
		log.Fatal(err)
	}
	for _, second := range []*modelfile.Model{nil, sdnn} {
		r, err := read.New(m, read.Options{})
		if second != nil {
			r, err = read.NewWithSDNN(m, second, read.Options{})
		}
		if err != nil {
			log.Fatal(err)
		}
		reading, err := r.Read(line)
		r.Close()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s, the SDNN's: %v, confidence %.2f, rejected: %v\n", reading.Text, reading.SDNN, reading.Confidence, reading.Rejected)
	}
	// Output:
	// 0870, the SDNN's: false, confidence 0.02, rejected: true
	// 0690, the SDNN's: true, confidence 0.95, rejected: false
}

// Align the SDNN's windows of a line with the digits it is known to hold,
// as its Viterbi training does: here five windows, the first two sure of
// a 4, the third of nothing, the last two half sure of a 7 and half of a
// 1; the line is known to read "41".
func ExampleAlignFrames() {
	scores := make([]read.Scores, 5)
	for t := range scores {
		scores[t].None = 0.02
	}
	scores[0].Prob[4], scores[1].Prob[4] = 0.98, 0.98
	scores[2].None = 0.98
	for _, t := range []int{3, 4} {
		scores[t].Prob[7], scores[t].Prob[1] = 0.49, 0.49
	}
	labels, err := read.AlignFrames(scores, "41", nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range labels {
		if l == read.NoneLabel {
			fmt.Print(". ")
		} else {
			fmt.Print(l, " ")
		}
	}
	fmt.Println()
	// Output: 4 4 . 1 1
}
