package train

import (
	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
)

// InputFormat returns the input a network reads, made from an MNIST image:
// its input side and the size its digits are scaled to (graph.Arch's
// DigitSide): 32x32 for LeNet-5 and LeNet-4, 28x28 for the fully connected
// nets, 28x28 with a 16 px digit for LeNet-1.
func InputFormat(a graph.Arch) data.InputFormat {
	return data.InputFormat{Side: a.Input[1], Digit: a.Digit()}
}
