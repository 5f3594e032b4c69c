package synth

// NonDigitsVersion is the version of what NonDigits makes: it goes up
// whenever a change makes it return other images for the same digits,
// count and seed, so that a model file that records the version (cmd/train
// -nondigits) says which non-digits it was trained with.
const NonDigitsVersion = 1

// StringsVersion is the version of what Strings makes, in the same sense:
// a model trained on pieces cut from written numbers (cmd/train
// -string-pieces) records it.
const StringsVersion = 1
