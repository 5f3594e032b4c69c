package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The four files of the MNIST database, as distributed (gzipped). The
// same names without ".gz" are read too.
const (
	TrainImagesFile = "train-images-idx3-ubyte.gz"
	TrainLabelsFile = "train-labels-idx1-ubyte.gz"
	TestImagesFile  = "t10k-images-idx3-ubyte.gz"
	TestLabelsFile  = "t10k-labels-idx1-ubyte.gz"
)

// Sizes of the MNIST database.
const (
	TrainCount = 60000
	TestCount  = 10000
	// Classes is the number of digits.
	Classes = 10
)

// Load finds the MNIST folder as Locate does (dir may be empty) and reads
// the training and test sets from it.
func Load(dir string) (*MNIST, error) {
	dir, err := Locate(dir)
	if err != nil {
		return nil, err
	}
	return LoadDir(dir)
}

// LoadTest finds the MNIST folder as Locate does (dir may be empty), but
// needs only the test files in it, and reads only the test set: the
// 10,000 test images and their labels.
func LoadTest(dir string) (*Set, error) {
	dir, err := locate(dir, testFiles)
	if err != nil {
		return nil, err
	}
	return LoadSet(filepath.Join(dir, TestImagesFile), filepath.Join(dir, TestLabelsFile))
}

// LoadDir reads the four MNIST files from dir, each gzipped or raw. The
// test set is decompressed while the training set is, on another core.
func LoadDir(dir string) (*MNIST, error) {
	var test *Set
	var testErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		test, testErr = LoadSet(filepath.Join(dir, TestImagesFile), filepath.Join(dir, TestLabelsFile))
	}()
	train, err := LoadSet(filepath.Join(dir, TrainImagesFile), filepath.Join(dir, TrainLabelsFile))
	<-done
	if err != nil {
		return nil, err
	}
	if testErr != nil {
		return nil, testErr
	}
	return &MNIST{Train: train, Test: test, Dir: dir}, nil
}

// LoadSet reads one images file and its labels file. A path ending in
// ".gz" that does not exist is also looked for without the suffix, since
// people often unpack the files.
func LoadSet(imagesPath, labelsPath string) (*Set, error) {
	images, err := readIDXFile(imagesPath)
	if err != nil {
		return nil, err
	}
	labels, err := readIDXFile(labelsPath)
	if err != nil {
		return nil, err
	}
	return newSet(images, imagesPath, labels, labelsPath)
}

// newSet checks that an images IDX and a labels IDX make an MNIST set.
func newSet(images *IDX, imagesName string, labels *IDX, labelsName string) (*Set, error) {
	if len(images.Dims) != 3 {
		return nil, formatErrorf(imagesName, "holds %s, not images: an images file has 3 dimensions (count, rows, columns)", describeDims(images.Dims))
	}
	if images.Dims[1] != Side || images.Dims[2] != Side {
		return nil, formatErrorf(imagesName, "images are %dx%d; MNIST images are %dx%d", images.Dims[1], images.Dims[2], Side, Side)
	}
	if len(labels.Dims) != 1 {
		return nil, formatErrorf(labelsName, "holds %s, not labels: a labels file has 1 dimension", describeDims(labels.Dims))
	}
	if images.Dims[0] != labels.Dims[0] {
		return nil, formatErrorf(labelsName, "holds %d labels but %s holds %d images", labels.Dims[0], imagesName, images.Dims[0])
	}
	for i, l := range labels.Data {
		if l >= Classes {
			return nil, formatErrorf(labelsName, "label %d is %d; labels are digits 0 to 9", i, l)
		}
	}
	return &Set{Images: images.Data, Labels: labels.Data}, nil
}

// readIDXFile opens path (or, for a missing "x.gz", the file "x") and reads it.
func readIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && filepath.Ext(path) == ".gz" {
		if g, err2 := os.Open(path[:len(path)-len(".gz")]); err2 == nil {
			f, err, path = g, nil, path[:len(path)-len(".gz")]
		}
	}
	if err != nil {
		return nil, fmt.Errorf("reading MNIST: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, formatErrorf(path, "is a directory, not an IDX file")
	}
	return ReadIDX(f, path)
}
