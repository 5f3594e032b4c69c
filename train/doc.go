// Package train trains the graph package's LeNet-5 on MNIST with
// Gorgonia's autodiff (gorgonia.Grad and a TapeMachine) and the package's
// own solvers (Solver: the steps of Gorgonia's SGD, momentum, Adam,
// RMSProp and AdaGrad, and the paper's SDLM), and reads and writes
// resumable checkpoints (safetensors, docs/spec.md §9; model files are
// package modelfile's, under the names of modelfile.go).
//
// A Trainer runs epochs of shuffled mini-batches, evaluates the trained
// weights on the test set (and a validation split) after every epoch with
// an inference graph of the same builder, follows a learning-rate
// schedule, writes an atomic checkpoint after every epoch and when
// interrupted, and stops on a NaN or infinite loss or a diverged run
// (ErrDiverged), naming the batch.
package train
