package read_test

import (
	"fmt"
	"image"
	"log"

	"github.com/lenet5-go/lenet5/data"
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
