package data

import "fmt"

// Set is a labelled set of MNIST images kept as bytes: 60,000 images take
// 47 MB, where float32 inputs would take 246 MB. Batches are filled from it.
type Set struct {
	// Images holds Len() images of ImageSize bytes each, row-major,
	// 0 = background, 255 = ink.
	Images []uint8
	// Labels holds the digit 0..9 of each image, or Rubbish for an image
	// that is not a digit (a set of non-digits for training).
	Labels []uint8
}

// Len returns the number of images in the set.
func (s *Set) Len() int { return len(s.Labels) }

// Image returns the ImageSize bytes of image i (a view, not a copy).
func (s *Set) Image(i int) []uint8 { return s.Images[i*ImageSize : (i+1)*ImageSize] }

// Label returns the digit of image i.
func (s *Set) Label(i int) int { return int(s.Labels[i]) }

// Slice returns the images [from, to) as a Set sharing s's memory; tests
// and quick runs use it to work on part of MNIST.
func (s *Set) Slice(from, to int) (*Set, error) {
	if from < 0 || to > s.Len() || from > to {
		return nil, fmt.Errorf("data: slice [%d, %d) out of range for a set of %d images", from, to, s.Len())
	}
	return &Set{Images: s.Images[from*ImageSize : to*ImageSize], Labels: s.Labels[from:to]}, nil
}

// MNIST is the whole database: 60,000 training and 10,000 test images.
type MNIST struct {
	Train *Set
	Test  *Set
	// Dir is the folder the files were read from.
	Dir string
}
