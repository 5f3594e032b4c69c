// Package synth makes the synthetic data that reading a whole handwritten
// number needs (issue 22; LeCun et al. 1998, sections V-VII): lines of MNIST
// digits composed into one picture that looks like a scan or photo of a
// written number, with the true box of every digit, and 28x28 images in the
// MNIST format that are not digits, for training and measuring rejection.
//
// Everything is deterministic: the same digits and seed give the same
// bytes on every run (math/rand/v2's PCG, seeded explicitly, and no map
// iteration or goroutines). The random draws are the same on every Go
// release too (our own conversions of PCG's numbers, as data.Shuffled
// does); the pixels may differ in their last bits where a platform's
// floating-point arithmetic (fused multiply-add on arm64) or a library
// (image/jpeg, golang.org/x/image/draw) differs. Nothing is read but MNIST,
// through package data, and the Go fonts of golang.org/x/image/font/gofont,
// so a fresh machine with the Go module proxy makes the same sets.
//
// The pieces:
//
//   - Digit, Digits, Split: MNIST images as generator input, and the
//     split of the training set that keeps validation digits apart (the
//     split cmd/train -validation makes).
//   - Compose: digits laid out on one line, Apart, Close or Touching, as an
//     ink map (0 background, 255 ink) with each digit's box.
//   - Look and Render: paper and ink colours, lighting, ruled lines, noise
//     and JPEG compression applied to an ink map.
//   - Strings: benchmark and training samples (picture, text, boxes).
//   - NonDigits: pieces of digits, squeezed pairs, strokes, shapes, letters,
//     noise and scribbles, normalized as MNIST normalized its digits.
//
// Digits for test sets must come from the MNIST test set, validation sets
// from the held-out training digits and training sets from the rest; the
// generators use only the digits they are given, so a caller that keeps to
// this keeps the three apart, for non-digits made from digit pieces too.
package synth
