// Package modelfile reads and writes LeNet-5 model files: safetensors files
// (https://huggingface.co/docs/safetensors) of float32 tensors named and
// shaped as graph.Geometry says, with metadata that says what the file
// holds (docs/spec.md §9).
//
// The metadata always has format "lenet5", version "1" and head ("rbf" or
// "softmax", with j for rbf). A model written by the training command
// also records every setting of the run (see the Key constants), so the
// run can be repeated from the file alone, and the code version.
//
// Read and Decode check everything before they return a model: the byte
// layout (every length is checked against the file's size before it is
// used), the format marks, and every tensor's name, shape and values,
// with the checks of graph.Params.SetWeights (graph.CheckWeights), without
// building a network. Write refuses a model that Read would
// refuse. Errors start with "modelfile: " and the file's name; a broken
// file gives a *FormatError, a valid file of a kind this package does not
// read (another version, another dtype) an *UnsupportedError, and a model
// loaded into a network of another head a *MismatchError.
//
// A checkpoint is a model file with extra tensors and metadata for the
// training state, whose names start with "solver." (and the metadata key
// KeyCheckpoint); Read skips them; WriteCheckpoint and ReadCheckpoint
// write and read them (package train gives them their meaning).
package modelfile
