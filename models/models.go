// Package models ships the trained LeNet-5 inside the binaries that import
// it, so cmd/infer works from any folder with no files beside it. The
// model card is README.md in this folder.
package models

import (
	_ "embed"

	"github.com/lenet5-go/lenet5/modelfile"
)

// DefaultName names the shipped model in messages.
const DefaultName = "models/lenet5.safetensors (built in)"

//go:embed lenet5.safetensors
var defaultModel []byte

// Default returns the shipped model.
func Default() (*modelfile.Model, error) { return modelfile.Decode(defaultModel, DefaultName) }
