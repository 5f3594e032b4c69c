package train

import (
	"encoding/json"
	"fmt"
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

// SaveCheckpoint writes c to path atomically (modelfile.WriteCheckpoint).
func SaveCheckpoint(path string, c *Checkpoint) error {
	st, err := json.Marshal(c.state)
	if err != nil {
		return fmt.Errorf("writing %s: run state: %w", path, err)
	}
	meta := map[string]string{modelfile.KeyCheckpoint: string(st)}
	for k, v := range c.Solver.Scalars {
		meta[solverPrefix+k] = v
	}
	return modelfile.WriteCheckpoint(path, c.Model, c.Solver.Tensors, meta)
}

// LoadCheckpoint reads and checks a checkpoint; errors name the file.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	m, tensors, meta, err := modelfile.ReadCheckpoint(path)
	if err != nil {
		return nil, err
	}
	return checkpointOf(m, tensors, meta)
}

// checkpointOf assembles a checkpoint from what modelfile.ReadCheckpoint
// returns, checking the run state; errors name m.File.
func checkpointOf(m *Model, tensors map[string]graph.Tensor, meta map[string]string) (*Checkpoint, error) {
	path := m.File
	raw, ok := meta[modelfile.KeyCheckpoint]
	if !ok {
		return nil, fmt.Errorf("%s: a model file, not a checkpoint (no run state): resume needs the file written by -checkpoint", path)
	}
	c := &Checkpoint{Model: m, Solver: SolverState{Tensors: tensors, Scalars: map[string]string{}}}
	if err := json.Unmarshal([]byte(raw), &c.state); err != nil {
		return nil, fmt.Errorf("%s: run state is not valid JSON: %w", path, err)
	}
	if c.state.Epoch < 0 || c.state.Batch < 0 || len(c.state.Metrics) != c.state.Epoch {
		return nil, fmt.Errorf("%s: run state is inconsistent (epoch %d, batch %d, %d epochs of metrics)", path, c.state.Epoch, c.state.Batch, len(c.state.Metrics))
	}
	for k, v := range meta {
		if name, ok := strings.CutPrefix(k, solverPrefix); ok {
			c.Solver.Scalars[name] = v
		}
	}
	return c, nil
}
