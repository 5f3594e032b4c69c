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
	// 0690, the SDNN's: true, confidence 0.67, rejected: false
}
