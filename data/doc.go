// Package data turns MNIST and users' digit images into LeNet-5 input.
//
// It reads the IDX files of the MNIST database (LeCun et al.), gzipped or
// raw, validating every header field before it allocates; finds the files
// with no set-up (see [Locate]); keeps the 70,000 images compact as bytes;
// and fills float32 NCHW batches from them with the preprocessing of the
// paper (docs/spec.md §6): 28x28 padded to 32x32, background -0.1, ink 1.175,
// for LeNet-5, or another [InputFormat] for the paper's other networks.
// It also makes a user's photo or scan of a digit look like an MNIST digit.
//
// The package knows files and pixels, not Gorgonia: a [Batch] exposes plain
// slices and a gorgonia.org/tensor value that gorgonia.Let binds without a
// copy.
package data
