package read

// The rules of the segmenter and the lattice, in one place. Lengths are
// fractions of the line's reference height (refHeight: the median height
// of the biggest components, about the height of a digit) unless they say
// pixels; "working pixels" are pixels of the downscaled image the reader
// works on (see maxWorkPixels). docs/reading.md gives the reasons.
const (
	// MaxPixels is the largest image, in pixels, that Read accepts: 40
	// megapixels, as the rest of the project (docs/spec.md §6). Reading
	// its pixels once is the only work proportional to the input's size.
	MaxPixels = 40 << 20

	// maxWorkPixels bounds the working image: a bigger input is reduced by
	// the smallest whole factor that brings it to at most 1 megapixel,
	// averaging each factor x factor block. Every later step is linear in
	// the working pixels or bounded by the limits below.
	maxWorkPixels = 1 << 20

	// bgBlockMin and bgBlockMax bound the side, in working pixels, of the
	// blocks over which the background (paper) level is estimated: a third
	// of the image's shorter side, clamped. bgPercentile is the level
	// taken in each block (robust while ink covers less than 70% of it);
	// the estimate is then the median of each block and its 8 neighbours,
	// interpolated bilinearly between block centres, so a shadow or a
	// gradient across the paper is background, not ink.
	bgBlockMin, bgBlockMax = 8, 64
	bgPercentile           = 0.3

	// minInkContrast is the least ink, above the local background, as a
	// fraction of black to white, for an image to hold any digit: the value
	// of data.NormalizeDigit (15%).
	minInkContrast = 0.15
	// The paper's noise (dropPaperNoise): the level under which
	// noiseQuantile of the paper's pixels lie, the paper's pixels being
	// those below noiseCeiling of the strongest ink after the background
	// is subtracted and at least noiseClear from ink, is subtracted from
	// every pixel. Chosen on the
	// validation strings (quantiles of 0.98-0.995 read alike, and 1.1
	// points more apart strings than without the step).
	noiseQuantile = 0.99
	noiseCeiling  = 0.15
	// noiseClear is how far, in working pixels, from ink a pixel must be
	// to count as paper there: the anti-aliased edges of clean strokes
	// are not noise (a clean letter W lost its edges and read as 1111).
	noiseClear = 2
	// inkLevel is the level, as a fraction of the strongest ink, from which
	// a pixel is ink for the components. Fainter pixels next to ink (the
	// anti-aliased edges) are still drawn into the pieces.
	inkLevel = 0.3

	// Ruled lines: a pixel is "thin" if its column's run of ink through it
	// is at most ruleThickness working pixels (at least 2, and 1/40 of the
	// image's height for big images). A run of columns with ink in a band
	// of three rows, at least ruleMinLength pixels and ruleMinFraction of
	// the image's width long, whose middle row is thin in at least
	// ruleThinFraction of the columns, is a ruled line: its thin pixels
	// are erased. Strokes that cross it keep their pixels (their vertical
	// runs are long).
	ruleThicknessMin = 2
	ruleThicknessDiv = 40
	ruleMinLength    = 40
	ruleMinFraction  = 0.4
	// On an image narrower than ruleMinLength, the run must cover
	// ruleNarrowFraction of its width: an MNIST-like crop of a digit
	// leaves a fifth of it blank on each side.
	ruleNarrowFraction = 0.9
	ruleThinFraction   = 0.6

	// maxComponents is how many components, the biggest by ink, the reader
	// considers; the rest are dropped. It bounds everything after the
	// labelling on a page of thousands of specks.
	maxComponents = 40
	// refMassFraction selects the components that set refHeight: those
	// with at least this fraction of the biggest one's ink.
	refMassFraction = 0.25
	// A line with a component wider than touchingRefWidth times both its
	// height and refHeight holds touching digits: its reference height is
	// then the median height of the ink in a band touchingRefWindow wide
	// round each inked column (shapes.clusterRef). Chosen on the validation strings:
	// on touching lines the median component's height is 1.26 times the
	// digits' mean height, this estimate 1.02 (0.3 and 0.7 wide: 0.94 and
	// 1.07).
	touchingRefWidth  = 1.3
	touchingRefWindow = 0.5
	// A speck is a component smaller than speckSize in both directions. A
	// speck farther than speckReach from every other component is dropped;
	// a nearer one joins the nearest component.
	speckSize  = 0.25
	speckReach = 0.35
	// Two components merge into one (a 5's flag, a 4 or a 7 written in
	// two strokes) when their boxes overlap horizontally by at least
	// mergeOverlap of the narrower one's width and are at most mergeGap
	// apart vertically.
	mergeOverlap = 0.6
	mergeGap     = 0.5

	// A component is cut if it is wider than cutAspect times its height
	// (the paper's rule of thumb) or wider than cutWidth: it may hold
	// touching digits.
	cutAspect = 1.2
	cutWidth  = 1.0
	// When Options.Length asks for more digits than the line has
	// segments, the line is cut again with every component wider than
	// eagerCutWidth a candidate (two touching 1s are narrower than one
	// digit).
	eagerCutWidth = 0.4
	// Cut candidates start at every column of the component at least
	// cutMargin from its sides (both at least 2 working pixels). From a
	// start column x0, the cut is the path from the top row to the bottom
	// row that stays within cutReach of x0 and costs least: the ink it
	// crosses (in units of a full ink pixel), plus cutSlopeCost for every
	// diagonal step, plus cutDevCost per row for every pixel it strays
	// from x0 (so that it bends round the ink of touching digits but
	// stays near its start). Paths that split the ink alike are one cut.
	// A cut is kept if no other cut within cutSpacing of its mean column
	// crosses less ink; of those, the least ink first, at most one per
	// cutsPerHeight of the component's width and maxCutsPerComponent.
	cutReach            = 0.4
	cutSlopeCost        = 0.05
	cutDevCost          = 0.02
	cutSpacing          = 0.08
	cutMargin           = 0.15
	cutsPerHeight       = 0.1
	maxCutsPerComponent = 40
	// maxSegments bounds the lattice: past it the weakest cuts of the
	// line are dropped until the segments fit.
	maxSegments = 80

	// DefaultMaxSpan is how many consecutive segments a piece spans at
	// most (the paper's Fig. 20 uses up to 3 or so; touching digits cut
	// into narrow slices need 4).
	DefaultMaxSpan = 5
	// maxSpanLimit is the largest MaxSpan an Options may ask for.
	maxSpanLimit = 8
	// maxPieceWidth prunes pieces of two or more segments wider than this:
	// no digit is that wide, so they are not scored. One-segment pieces
	// are always scored, so a path always exists.
	maxPieceWidth = 1.6
	// pieceMargin is the background margin, in working pixels, around a
	// piece's crop, so that data.NormalizeDigit sees background on the
	// crop's border and keeps the polarity.
	pieceMargin = 2

	// Path costs. A piece read as digit d costs log(1 + y_d/costTau),
	// y_d its cost from the scorer (the RBF distance): the distances of
	// a line's well-written digits are 0.02..0.5, of a merged pair or a
	// poorly written digit 1..40, so that without the logarithm one badly
	// recognised digit makes the path merge it with a neighbour. To it
	// are added digitPenalty for every digit read, cutPenalty for every
	// boundary between two digits that lies on a cut through a component
	// (a gap between components costs nothing), and the piece's shape
	// prior: shortCost per reference height that it is shorter than
	// shortHeight (a fragment of a digit), wideCost per reference height
	// that it is wider than wideWidth (two digits), and gapCost if it
	// spans empty columns between its segments (the space between two
	// digits); and, with a calibrated model, noneCost times -ln(1 -
	// P(none)), the piece's calibrated probability of being no digit at
	// all (half a digit, two digits), which the network trained with
	// non-digits knows better than the shape priors. Chosen on the
	// benchmark's validation strings (docs/reading.md).
	costTau      = 3.0
	digitPenalty = -0.5
	noneCost     = 3.0
	// plainDigitPenalty replaces digitPenalty for a model without a
	// Calibration (no P(none) on the path), as chosen before the path
	// took P(none).
	plainDigitPenalty = -0.25
	cutPenalty        = 0.5
	shortHeight       = 0.7
	shortCost         = 3.0
	wideWidth         = 1.0
	wideCost          = 3.0
	gapCost           = 2.0

	// sdnnWide is how wide a component the segmentation cut must be for
	// the SDNN to read the line again (Touching): wider than any one
	// digit. From 1.1 to 1.5, the SDNN gained fewer touching lines and
	// lost fewer apart ones; 1.3 keeps all the apart and close lines the
	// segmentation reads right (validation strings).
	sdnnWide = 1.3

	// DefaultThreshold is the confidence below which a reading is
	// rejected.
	//
	// TODO(issue 22): choose the threshold on a validation set of lines,
	// once the model is trained with non-digits; 0.5 is a placeholder.
	DefaultThreshold = 0.5
)
