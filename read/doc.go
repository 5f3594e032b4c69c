// Package read reads a handwritten number: one line of digits on an image,
// with LeNet-5 scoring the candidate digits, by the heuristic
// over-segmentation of LeCun, Bottou, Bengio and Haffner (1998), Section V.
//
// Read takes any image.Image (any size up to MaxPixels, dark ink on light
// paper or the reverse, grey or coloured paper, a shadow across it, ruled
// lines, JPEG noise) and does, one job per file:
//
//   - ink.go: an ink map: luminance, polarity from the median, the paper's
//     level estimated locally (block percentiles, median-filtered,
//     interpolated) and subtracted, contrast stretched, thresholded; long
//     thin horizontal runs (ruled lines) erased;
//   - components.go: the 8-connected components of the ink, the biggest 40
//     kept, specks dropped or joined to a neighbour, components that overlap
//     strongly in x merged (a 5's flag, a 4 in two strokes);
//   - cuts.go: cut candidates through wide components, one from every
//     column, each the path from top to bottom that crosses the least ink
//     and bends round it near its start, the best in each neighbourhood
//     kept;
//   - lattice.go: the segmentation graph: the segments left to right and
//     the candidate pieces, runs of consecutive segments, each made an
//     MNIST-like 28x28 image by data.NormalizeDigit;
//   - score.go: the Scorer interface and ModelScorer, which runs all the
//     pieces of an image through the network in one batched forward pass;
//   - viterbi.go: the cheapest path through the lattice, optionally of an
//     exact length; a piece costs the logarithm of its distance, its
//     calibrated doubt of being a digit at all, and a prior on its shape
//     (too short, too wide, a gap inside);
//   - reader.go: Reader, Options and the Reading with its digits, boxes,
//     confidences and graph;
//   - window.go, sdnn.go, sdnncalibration.go: the paper's SDNN (Section
//     VII): no segmentation, the network on a window every 0.1 reference
//     heights at three scales, a character model over the windows' labels,
//     and its readings' calibration (NewSDNN; New gives it for a network
//     trained on windows);
//   - secondreader.go: the SDNN as the segmenting reader's second reader
//     on lines where it cut touching digits (NewWithSDNN), as infer reads.
//
// The rules and their constants are in rules.go, and docs/reading.md says
// why each was chosen and how well the whole reads.
//
// # Bounds
//
// An image over MaxPixels (40 megapixels) is refused (ErrTooLarge) before
// any pixel is read. Reading the pixels once is the only work proportional
// to the image; the reader then works on a copy reduced to at most 1
// megapixel (a 2000x2000 page by 2, a 3000x3000 page by 3), so its memory is
// a dozen planes of that size (about 40 MB at most). At most 40 components are
// considered, at most 80 segments, and pieces are runs of at most MaxSpan
// (5, at most 8) segments, so at most a few hundred pieces are normalised
// and scored, in chunks of 64. A page of thousands of specks costs about as
// much as a line of 40 digits. The SDNN scores at most 400 windows at each
// of its three scales.
//
// # Confidence
//
// The RBF head's MAP loss has a rubbish class (docs/spec.md §4): P(none) =
// e^-j / (e^-j + sum_i e^-y_i). A digit's confidence is its posterior
// probability with that term, divided by the largest posterior a piece can
// have (1 / (1 + e^-j), 0.525 with the shipped model's j = 0.1), so that a
// perfect piece has confidence 1; the reading's is the product. A model
// whose file holds a Calibration (the shipped reader's, models.Reader) gives
// calibrated probabilities instead: P(d) for each digit, the probability that
// the reading is right for the whole, and its own rejection threshold (see
// Calibration).
//
// # Concurrency
//
// A Reader is safe for concurrent use if its Scorer is. The ModelScorer that
// New makes is: a mutex serialises its Gorgonia machines, which are not.
// Everything else Read does is local to the call.
package read
