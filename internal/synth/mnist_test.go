package synth

import (
	"sync"
	"testing"

	"github.com/lenet5-go/lenet5/data"
)

var (
	mnistOnce                   sync.Once
	mnist                       *data.MNIST
	trainDigits, valDigits, tst []Digit
	mnistErr                    error
)

// realMNIST loads the real MNIST once for all tests, found with no set-up
// as a user's run finds it, and splits it.
func realMNIST(t testing.TB) (m *data.MNIST, train, validation, test []Digit) {
	t.Helper()
	mnistOnce.Do(func() {
		if mnist, mnistErr = data.Load(""); mnistErr == nil {
			trainDigits, valDigits, tst, mnistErr = Split(mnist)
		}
	})
	if mnistErr != nil {
		t.Fatalf("loading MNIST: %v", mnistErr)
	}
	return mnist, trainDigits, valDigits, tst
}

// testDigits returns the MNIST test digits.
func testDigits(t testing.TB) []Digit {
	t.Helper()
	_, _, _, test := realMNIST(t)
	return test
}
