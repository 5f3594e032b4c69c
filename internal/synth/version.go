package synth

// NonDigitsVersion is the version of what NonDigits makes: it goes up
// whenever a change makes it return other images for the same digits,
// count and seed, so that a model file that records the version (cmd/train
// -nondigits) says which non-digits it was trained with.
const NonDigitsVersion = 1
