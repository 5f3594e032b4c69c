package train

import (
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
)

// The model file lives in package modelfile; these names, which train and
// its callers use, forward to it.

// Model is a trained network as stored in a model file (modelfile.Model).
type Model = modelfile.Model

// solverPrefix starts the names of a checkpoint's solver-state tensors,
// which a model reader skips.
const solverPrefix = modelfile.SolverPrefix

// ModelFromNet captures a network's current weights with extra metadata
// (modelfile.FromNet).
func ModelFromNet(net *graph.Net, meta map[string]string) *Model { return modelfile.FromNet(net, meta) }

// SaveModel writes the model to path atomically (modelfile.Write), after
// the checks LoadModel makes.
func SaveModel(path string, m *Model) error { return modelfile.Write(path, m) }

// LoadModel reads and checks a model file or a checkpoint (modelfile.Read).
func LoadModel(path string) (*Model, error) { return modelfile.Read(path) }
