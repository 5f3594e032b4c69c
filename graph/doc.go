// Package graph builds LeNet-5 (LeCun, Bottou, Bengio, Haffner, 1998) into
// a Gorgonia expression graph.
//
// New adds the faithful network to a caller's *gorgonia.ExprGraph for a
// given input node (N x 1 x 32 x 32, float32 or float64, any N):
//
//	C1  6@28x28  5x5 convolution + bias, then f
//	S2  6@14x14  coef x (sum of each 2x2 block) + bias, then f
//	C3 16@10x10  5x5 convolution over the S2 maps of the paper's Table I (60 of 96 pairs) + bias, then f
//	S4 16@5x5    as S2
//	C5 120       5x5 convolution over all 16 S4 maps + bias, then f
//	F6 84        fully connected + bias, then f
//	output       10 RBF units with the paper's fixed codes (MAP loss), or linear 84->10 (softmax cross-entropy)
//
// with f(a) = 1.7159 tanh(2a/3). C1..F6 hold exactly 60,000 trainable
// parameters. The layers are custom Gorgonia ops (symbolically
// differentiable, so gorgonia.Grad and the TapeMachine train them): a
// masked convolution for any connection table, the scaled 2x2
// sub-sampling, a fully connected layer, the squashing function, the RBF
// units and both losses. The ops keep their output and scratch buffers
// across steps, so a training step allocates little.
//
// The builder returns the node of every stage, the learnables in a fixed
// order with the names of the model file (docs/spec.md §9), the loss for a
// labels node and the predictions.
package graph
