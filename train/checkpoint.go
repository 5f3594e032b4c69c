package train

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"strings"

	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
)

// runState is where a run stands: enough, with the weights and the solver
// state, to continue exactly as an uninterrupted run would. The data order
// of every epoch is a function of (seed, epoch), so (Epoch, Batch) is the
// position of the random stream.
type runState struct {
	Config  Config         `json:"config"`
	Epoch   int            `json:"epoch"` // epochs completed
	Batch   int            `json:"batch"` // batches of epoch Epoch+1 completed
	Metrics []EpochMetrics `json:"metrics"`
	Partial epochTally     `json:"partial"`
}

// epochTally accumulates an epoch's training figures as it runs.
type epochTally struct {
	LossSum float64 `json:"loss_sum"`
	Batches int     `json:"batches"`
	Errors  int     `json:"errors"`
	Images  int     `json:"images"`
	Seconds float64 `json:"seconds"`
}

// Checkpoint is a resumable training state: the model, the solver state
// and the run state.
type Checkpoint struct {
	Model  *Model
	Solver SolverState
	state  runState
}

// Epoch returns the number of completed epochs.
func (c *Checkpoint) Epoch() int { return c.state.Epoch }

// Batch returns the batches completed of the epoch in progress.
func (c *Checkpoint) Batch() int { return c.state.Batch }

// Metrics returns the metrics of the completed epochs.
func (c *Checkpoint) Metrics() []EpochMetrics { return c.state.Metrics }

// SaveCheckpoint writes c to path atomically.
func SaveCheckpoint(path string, c *Checkpoint) error {
	st, err := json.Marshal(c.state)
	if err != nil {
		return err
	}
	if err := c.Model.Validate(); err != nil {
		return err
	}
	meta := c.Model.Metadata()
	meta[modelfile.KeyCheckpoint] = string(st)
	for k, v := range c.Solver.Scalars {
		meta[solverPrefix+k] = v
	}
	tensors := maps.Clone(c.Model.Weights)
	maps.Copy(tensors, c.Solver.Tensors)
	return WriteFileAtomic(path, func(w io.Writer) error { return modelfile.EncodeTensors(w, tensors, meta) })
}

// LoadCheckpoint reads and checks a checkpoint; errors name the file.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	b, err := modelfile.ReadBytes(path)
	if err != nil {
		return nil, err
	}
	return decodeCheckpoint(b, path)
}

// decodeCheckpoint parses the bytes of the checkpoint at path; errors name
// the path.
func decodeCheckpoint(b []byte, path string) (*Checkpoint, error) {
	tensors, meta, err := modelfile.DecodeTensors(b, path)
	if err != nil {
		return nil, err
	}
	m, err := modelfile.FromTensors(tensors, meta, path)
	if err != nil {
		return nil, err
	}
	raw, ok := meta[modelfile.KeyCheckpoint]
	if !ok {
		return nil, fmt.Errorf("%s: a model file, not a checkpoint (no run state): resume needs the file written by -checkpoint", path)
	}
	c := &Checkpoint{Model: m, Solver: SolverState{Tensors: map[string]graph.Tensor{}, Scalars: map[string]string{}}}
	if err := json.Unmarshal([]byte(raw), &c.state); err != nil {
		return nil, fmt.Errorf("%s: run state is not valid JSON: %w", path, err)
	}
	if c.state.Epoch < 0 || c.state.Batch < 0 || len(c.state.Metrics) != c.state.Epoch {
		return nil, fmt.Errorf("%s: run state is inconsistent (epoch %d, batch %d, %d epochs of metrics)", path, c.state.Epoch, c.state.Batch, len(c.state.Metrics))
	}
	// FromTensors has left the run state and the solver entries out of
	// m.Meta and m.Weights.
	for k, v := range meta {
		if name, ok := strings.CutPrefix(k, solverPrefix); ok {
			c.Solver.Scalars[name] = v
		}
	}
	for k, t := range tensors {
		if strings.HasPrefix(k, solverPrefix) {
			c.Solver.Tensors[k] = t
		}
	}
	return c, nil
}
