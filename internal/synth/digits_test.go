package synth

import (
	"bytes"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/data"
)

func TestSplit(t *testing.T) {
	m, train, validation, test := realMNIST(t)
	if len(train) != data.TrainCount-ValidationCount || len(validation) != ValidationCount || len(test) != data.TestCount {
		t.Fatalf("split into %d, %d and %d digits, want %d, %d and %d",
			len(train), len(validation), len(test), data.TrainCount-ValidationCount, ValidationCount, data.TestCount)
	}
	// The validation digits are the ones cmd/train -validation 10000 holds
	// out with its default seed.
	trainIdx, valIdx, err := data.SplitValidation(data.TrainCount, ValidationCount, ValidationSeed)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		got    []Digit
		set    *data.Set
		inSet  []int
		sample []int
	}{
		{"train", train, m.Train, trainIdx, []int{0, 1, len(train) - 1}},
		{"validation", validation, m.Train, valIdx, []int{0, 1, len(validation) - 1}},
		{"test", test, m.Test, data.Range(data.TestCount), []int{0, 1, len(test) - 1}},
	} {
		for _, k := range c.sample {
			i := c.inSet[k]
			if !bytes.Equal(c.got[k].Pixels, c.set.Image(i)) || int(c.got[k].Label) != c.set.Label(i) {
				t.Errorf("%s digit %d is not image %d of its set", c.name, k, i)
			}
		}
	}
	// No training digit is a validation digit.
	seen := make(map[*uint8]bool, len(train))
	for _, d := range train {
		seen[&d.Pixels[0]] = true
	}
	for k, d := range validation {
		if seen[&d.Pixels[0]] {
			t.Fatalf("validation digit %d is also a training digit", k)
		}
	}
}

func TestDigitsErrors(t *testing.T) {
	set := &data.Set{Images: make([]uint8, 2*data.ImageSize), Labels: []uint8{3, 4}}
	for _, c := range []struct {
		name    string
		set     *data.Set
		indices []int
		want    string // "" for no error
	}{
		{"all", set, nil, ""},
		{"some", set, []int{1}, ""},
		{"no set", nil, nil, "no image set"},
		{"negative index", set, []int{-1}, "index -1 outside the set of 2"},
		{"index past the end", set, []int{0, 2}, "index 2 outside the set of 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Digits(c.set, c.indices)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(got) == 0 || got[len(got)-1].Label != 4 {
					t.Errorf("got %v", got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
