// Package models ships the trained networks inside the binaries that
// import it, so cmd/infer works from any folder with no files beside it.
// The model card is README.md in this folder.
//
// Three models ship. Default is the single-digit classifier (0.70% MNIST
// test error), what infer -digit, -mnist-test and the demo's layer
// pictures use. Reader is the number reader's: an ensemble of four LeNet-5s
// trained from scratch with non-digit examples (the MAP loss's rubbish
// class), calibrated on the validation split (read.Calibration in its
// metadata), what infer's reading of whole numbers uses, with SDNN, the
// paper's space displacement network, as its second reader on touching
// digits (read.NewWithSDNN). The single-digit model is apart because it is
// the paper's network and training (SDLM, one network), which the
// reader's is not; the reader's card is reader.md.
package models

import (
	_ "embed"

	"github.com/lenet5-go/lenet5/modelfile"
)

// DefaultName names the shipped single-digit model in messages.
const DefaultName = "models/lenet5.safetensors (built in)"

// ReaderName names the shipped reader's model in messages.
const ReaderName = "models/lenet5-reader.safetensors (built in)"

// SDNNName names the shipped SDNN network in messages.
const SDNNName = "models/lenet5-sdnn.safetensors (built in)"

//go:embed lenet5.safetensors
var defaultModel []byte

//go:embed lenet5-reader.safetensors
var readerModel []byte

//go:embed lenet5-sdnn.safetensors
var sdnnModel []byte

// Default returns the shipped single-digit model.
func Default() (*modelfile.Model, error) { return modelfile.Decode(defaultModel, DefaultName) }

// Reader returns the shipped model of the number reader (package read):
// an ensemble of four LeNet-5s trained from scratch with non-digits
// (modelfile.Ensemble), calibrated.
func Reader() (*modelfile.Model, error) { return modelfile.Decode(readerModel, ReaderName) }

// SDNN returns the shipped network of the SDNN (LeCun et al. 1998,
// Section VII), trained on windows of written numbers: the number
// reader's second reader (read.NewWithSDNN), which Reader's calibration
// was fitted with.
func SDNN() (*modelfile.Model, error) { return modelfile.Decode(sdnnModel, SDNNName) }
