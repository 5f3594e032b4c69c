// Package onnx writes a trained LeNet-5 as an ONNX model (onnx.ai, IR
// version 7, operator set 13), so that ONNX Runtime in Python, C++, a
// phone or a browser runs the same network that package graph builds.
//
// The exported graph takes "input", N x 1 x 32 x 32 float32 (N is a
// dynamic dimension), preprocessed as package data does (see
// PreprocessingDoc), and has two outputs: "distances" and "probabilities"
// for the RBF head, "logits" and "probabilities" for the softmax head, each
// N x 10. The probabilities are those that graph.Probabilities reports.
//
// Every stage is built from standard operators only, and its nodes are
// named after the paper's stages (C1, S2, C3, S4, C5, F6, RBF, output):
//
//   - C1, C3 and C5: Conv. C3 is one dense 16 x 6 x 5 x 5 convolution
//     whose 36 unconnected kernels are zeros, as in the model file: the
//     zeros add exactly nothing, a viewer shows Table I in the weights, and
//     ONNX Runtime ran it about twice as fast as the partial table written
//     out (it has no group structure: a Gather of the input maps and a Conv
//     per C3 map, then a Concat; docs/onnx.md has the figures).
//   - S2 and S4: a depthwise Conv (group = maps) with a 2 x 2 kernel that
//     holds the map's coefficient four times, stride 2, and the map's bias:
//     coef*x1 + coef*x2 + coef*x3 + coef*x4 + bias, the scaled sum of the
//     paper.
//   - f(a) = 1.7159 tanh(2a/3): Mul, Tanh, Mul.
//   - F6 and the softmax head's output: Gemm.
//   - The RBF head: F6 reshaped to N x 1 x 84, Sub the 10 x 84 codes
//     (broadcast), Mul by itself, ReduceSum over the 84 units; the
//     probabilities are Softmax of the negated distances.
package onnx
