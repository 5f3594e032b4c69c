// Package train trains the graph package's LeNet-5 on MNIST with
// Gorgonia's autodiff (gorgonia.Grad and a TapeMachine) and solvers, and
// reads and writes model files and resumable checkpoints (safetensors,
// docs/spec.md §9).
//
// A Trainer runs epochs of shuffled mini-batches, evaluates the trained
// weights on the test set (and a validation split) after every epoch with
// an inference graph of the same builder, follows a learning-rate
// schedule, writes an atomic checkpoint after every epoch and when
// interrupted, and stops on a NaN or infinite loss naming the batch.
package train
