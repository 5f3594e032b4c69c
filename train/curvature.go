package train

import (
	"fmt"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// curvatureBatch is the batch size of the forward-only network that
// estimates SDLM's curvature.
const curvatureBatch = 100

// curvatureNet is a forward-only copy of the training network on which
// the curvature estimate runs: the training graph's batch size (1 for the
// paper's per-pattern updates) would make 500 patterns 500 runs.
type curvatureNet struct {
	net   *graph.Net
	vm    G.VM
	gn    *graph.GaussNewton
	batch int
}

// newCurvatureNet builds the network for batches of size patterns.
func (t *Trainer) newCurvatureNet(size int) (*curvatureNet, error) {
	g := G.NewGraph()
	opts := []graph.Option{graph.WithHead(t.head), graph.WithJ(t.cfg.J)}
	if t.cfg.Workers > 0 {
		opts = append(opts, graph.WithWorkers(t.cfg.Workers))
	}
	net, err := graph.New(graph.NewInput(g, tensor.Float32, size), opts...)
	if err != nil {
		return nil, err
	}
	gn, err := graph.NewGaussNewton(net)
	if err != nil {
		return nil, err
	}
	return &curvatureNet{net: net, vm: G.NewTapeMachine(g), gn: gn, batch: size}, nil
}

// curvatureDue reports whether s's curvature is to be estimated before
// the pass trains its patterns from done on, with left of them to go: at
// the start of every pass (the paper's), when a resumed pass has none,
// and, when CurvatureRefresh is set, after CurvatureRefresh, 2x, 4x, ...
// that many patterns while at least CurvaturePatterns are left (Config).
// Otherwise the estimate in use, perhaps a checkpoint's, is kept. The
// estimate made before a pass goes stale fastest at the start of
// training, when the signals of the top layers grow from their small
// initial values (docs/sdlm.md).
func (t *Trainer) curvatureDue(s *SDLM, done, left int) bool {
	return done == 0 || s.Curvature() == nil ||
		refreshDue(t.cfg.CurvatureRefresh, t.cfg.Batch, done) && left >= t.cfg.CurvaturePatterns
}

// refreshDue reports whether the batch of size batch that brought a
// pass's trained patterns to done crossed n, 2n, 4n, ... (n > 0).
func refreshDue(n, batch, done int) bool {
	if n <= 0 || done < n {
		return false
	}
	k, prev := done/n, (done-batch)/n
	return k != prev && k&(k-1) == 0
}

// estimateCurvature sets the SDLM solver's curvature from the first
// CurvaturePatterns entries of order (distorted copies and non-digits made
// as for training, by d), with the current weights. The count is rounded
// down to whole batches of the estimating network. Non-digit patterns are
// accumulated as the rubbish class's (graph.GaussNewton.AccumulateRubbish).
func (t *Trainer) estimateCurvature(s *SDLM, order []int, d data.Distorted) error {
	n := min(t.cfg.CurvaturePatterns, len(order))
	size := min(n, curvatureBatch)
	n = n / size * size
	if t.curv == nil || t.curv.batch != size {
		c, err := t.newCurvatureNet(size)
		if err != nil {
			return fmt.Errorf("building the curvature network: %w", err)
		}
		if t.curv != nil {
			t.curv.vm.Close()
		}
		t.curv = c
	}
	c := t.curv
	if err := c.net.SetWeights(t.net.Weights()); err != nil {
		return err
	}
	batches, err := data.NewDistortedBatchesFormat(t.mnist.Train, order[:n], size, d, InputFormat(t.arch))
	if err != nil {
		return err
	}
	c.gn.Reset()
	rubbish := make([]bool, size)
	for b := batches.Next(); b != nil; b = batches.Next() {
		if err := G.Let(c.net.Input, b.Tensor()); err != nil {
			return err
		}
		c.vm.Reset()
		if err := graph.RunTape(c.vm); err != nil {
			return err
		}
		for k, l := range b.Labels {
			rubbish[k] = l == data.Rubbish
		}
		if err := c.gn.AccumulateRubbish(rubbish); err != nil {
			return err
		}
	}
	h, err := c.gn.Diagonal()
	if err != nil {
		return err
	}
	if t.cfg.curvatureReading() == CurvatureSum {
		for _, v := range h {
			for k := range v.Data {
				v.Data[k] *= float64(c.gn.Patterns())
			}
		}
	}
	return s.SetCurvature(h)
}
