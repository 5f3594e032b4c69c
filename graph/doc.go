// Package graph builds LeNet-5 (LeCun, Bottou, Bengio, Haffner, 1998) and
// the paper's other networks into a Gorgonia expression graph, from a small
// library of the paper's layers.
//
// # Layers
//
// Each layer is a LayerSpec, a value that says what it computes, its
// learnables (shapes, layout in the model file, fan-in for the
// initialisation) and its counts of connections and multiply-accumulates:
//
//   - Conv: a valid convolution through a connection Table (FullTable for
//     an ordinary one), any number of maps, kernel and input size;
//   - Subsample: the trainable 2x2 sub-sampling, coefficient and bias per map;
//   - Full: fully connected, over any input shape;
//   - Squash: the scaled tanh f(a) = 1.7159 tanh(2a/3);
//   - RBFHead: Euclidean RBF units with fixed codes (any K x D), for the
//     MAP loss; SoftmaxHead: K logits for the softmax cross-entropy.
//
// An Arch lists layers for an input shape; Arch.NewParams adds their
// learnables to a graph and Params.Apply builds them on an input node, as
// below for LeNet-5. Every layer is a Gorgonia op with its gradient, and
// GaussNewton gives any Arch's SDLM curvature. LeNet5, LeNet1, LeNet4 and
// MLP are the paper's networks (ArchNamed by name); Arch.Summary their
// parameters and connections. The convolutions run generated AVX-512/AVX2
// "fan" kernels for the connection structures that have one (LeNet-5's C1
// and C3) and general per-map kernels for any other; LayerSummary.Kernel
// says which.
//
// # LeNet-5
//
// The network, for an input node of N x 1 x 32 x 32 (float32 or float64,
// any N):
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
// parameters; Geometry lists every tensor with its shapes and fan-in.
//
// # Parameters and their application
//
// As in Gorgonia's layer packages, parameters and their use are apart:
//
//   - NewParams adds a named set of learnables to a graph: the head (RBF,
//     Softmax, or NoHead for C1..F6 only), a node-name prefix, the seed
//     and the dtype.
//   - Params.Apply builds the network on an input node and returns its
//     stages (a *Net). Apply one set to several inputs of any batch size
//     and they share the weights (a siamese pair; gradients add up);
//     make two sets, with two prefixes, for two networks (an ensemble).
//     A name the graph already has is an error, never a silent merge.
//   - New(x, opts...) is both in one call, for the common case of one
//     network per graph.
//
// Net.Loss adds the MAP or cross-entropy loss, Learnables lists what to
// differentiate and train, Body and LearnablesOf the subset a loss built
// on F6 (or any other stage) depends on; gorgonia.Grad refuses a
// learnable the cost does not depend on. Weights and SetWeights exchange
// values in the model file's layout, under the names without the prefix,
// so that any set reads and writes the same files (package modelfile).
//
// # Machines and buffers
//
// The layers are custom Gorgonia ops that implement SymDiff (symbolic
// differentiation), so gorgonia.Grad and the TapeMachine train them. The
// LispMachine runs the network forward, with the TapeMachine's results,
// but cannot train it: its backward pass uses DoDiff, which our ops do not
// implement, and it skips them without an error, leaving every gradient
// zero. Use the TapeMachine for training.
//
// The ops keep their output and scratch buffers across runs, so a training
// step allocates little: the value of a stage node (C3.Value(), say) is a
// buffer the next run overwrites. Copy what must outlive the run (the Net
// methods that return values, such as Outputs and StageValues, return
// copies). One graph and its machine serve one goroutine at a time.
package graph
