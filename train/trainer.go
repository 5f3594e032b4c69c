package train

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"strconv"
	"time"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
)

// ErrInterrupted is returned by Run when its context is cancelled: the
// batch in flight was finished and the checkpoint written.
var ErrInterrupted = errors.New("training interrupted")

// errNotFinite reports a NaN or infinite loss.
var errNotFinite = errors.New("loss is not finite")

// BatchProgress is reported after every training batch.
type BatchProgress struct {
	Epoch, Epochs   int // 1-based epoch
	Batch, Batches  int // 1-based batch within the epoch
	Images          int // images of the epoch so far
	Loss            float64
	RunningLoss     float64 // mean loss of the epoch so far
	ImagesPerSecond float64
}

// Trainer trains one network on MNIST.
type Trainer struct {
	cfg        Config
	arch       graph.Arch
	head       graph.Head
	mnist      *data.MNIST
	trainIdx   []int
	valIdx     []int
	testSet    *data.Set
	checkpoint string

	replicas []*replica // the training graphs; the first one's weights are the model's
	net      *graph.Net // replicas[0].net
	solver   Solver
	eval     *Evaluator
	curv     *curvatureNet // SDLM's curvature estimate, built on first use
	guard    guard         // the divergence guard (guard.go)

	extra    extraCache        // the current epoch's non-digits and string pieces (nondigits.go)
	pool     *trainingPool     // a fixed training set (boost.go), or nil
	initMeta map[string]string // what the model's metadata records of Config.Init

	state runState

	// OnBatch and OnEpoch, when set, are called as training proceeds.
	OnBatch func(BatchProgress)
	OnEpoch func(EpochMetrics)
}

// New prepares a run of cfg on m. checkpoint is the file written after
// every epoch and on interruption ("" for none).
func New(cfg Config, m *data.MNIST, checkpoint string) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	arch, _ := cfg.Arch() // Validate has checked it
	t := &Trainer{cfg: cfg, arch: arch, head: arch.Head(), mnist: m, checkpoint: checkpoint, state: runState{Config: cfg}}
	if err := t.splitData(); err != nil {
		return nil, err
	}
	if err := t.buildGraph(); err != nil {
		return nil, err
	}
	if cfg.Init != "" {
		if err := t.loadInit(); err != nil {
			return nil, err
		}
	}
	var err error
	if t.solver, err = NewSolver(cfg.Solver, cfg.solverConfig()); err != nil {
		return nil, err
	}
	t.eval = NewEvaluator(t.Model(nil), DefaultEvalBatch, cfg.Workers)
	return t, nil
}

// splitData applies the limits and the validation split.
func (t *Trainer) splitData() error {
	n := t.mnist.Train.Len()
	if t.cfg.TrainLimit > 0 {
		n = min(n, t.cfg.TrainLimit)
	}
	test := t.mnist.Test.Len()
	if t.cfg.TestLimit > 0 {
		test = min(test, t.cfg.TestLimit)
	}
	var err error
	if t.testSet, err = t.mnist.Test.Slice(0, test); err != nil {
		return err
	}
	if t.cfg.Validation > 0 {
		if t.trainIdx, t.valIdx, err = data.SplitValidation(n, t.cfg.Validation, t.cfg.splitSeed()); err != nil {
			return fmt.Errorf("-validation %d: %w", t.cfg.Validation, err)
		}
	} else {
		t.trainIdx = data.Range(n)
	}
	if len(t.trainIdx) < t.cfg.Batch {
		return fmt.Errorf("-batch %d is larger than the %d training images", t.cfg.Batch, len(t.trainIdx))
	}
	return nil
}

// buildGraph builds the training graphs: network, loss and gradients,
// one replica per worker when the batch splits (see replicaCount).
func (t *Trainer) buildGraph() error {
	n := replicaCount(t.cfg.Batch, t.cfg.threads())
	opts := []graph.Option{graph.WithArch(t.arch), graph.WithJ(t.cfg.J), graph.WithSeed(t.cfg.Seed)}
	if n > 1 {
		opts = append(opts, graph.WithWorkers(1))
	} else if t.cfg.Workers > 0 {
		opts = append(opts, graph.WithWorkers(t.cfg.Workers))
	}
	for range n {
		r, err := t.newReplica(t.cfg.Batch/n, opts)
		if err != nil {
			return err
		}
		t.replicas = append(t.replicas, r)
	}
	t.net = t.replicas[0].net
	return nil
}

// Close releases the machines.
func (t *Trainer) Close() {
	for _, r := range t.replicas {
		r.vm.Close()
	}
	t.eval.Close()
	if t.curv != nil {
		t.curv.vm.Close()
	}
}

// Solver returns the solver the run steps with.
func (t *Trainer) Solver() Solver { return t.solver }

// Net returns the training network.
func (t *Trainer) Net() *graph.Net { return t.net }

// Metrics returns the metrics of the epochs completed so far.
func (t *Trainer) Metrics() []EpochMetrics { return t.state.Metrics }

// Model returns the current weights as a model, with the run's facts
// (and extra) in its metadata: every setting (Config.Metadata), the code
// version, the epochs completed and the last epoch's test result.
func (t *Trainer) Model(extra map[string]string) *Model {
	meta := t.cfg.Metadata()
	meta[modelfile.KeyEpochs] = strconv.Itoa(t.state.Epoch)
	if n := len(t.state.Metrics); n > 0 {
		last := t.state.Metrics[n-1]
		meta[modelfile.KeyTestError] = strconv.FormatFloat(last.TestError, 'g', -1, 64)
		meta[modelfile.KeyTestErrors] = strconv.Itoa(last.TestErrors)
		meta[modelfile.KeyTestImages] = strconv.Itoa(last.TestImages)
	}
	maps.Copy(meta, t.initMeta)
	maps.Copy(meta, t.nonDigitMetadata())
	maps.Copy(meta, t.stringPieceMetadata())
	maps.Copy(meta, t.windowMetadata())
	maps.Copy(meta, extra)
	return ModelFromNet(t.net, meta)
}

// Resume continues from a checkpoint of the same run (same settings but
// possibly more epochs): weights, solver state, epoch, batch and metrics.
func (t *Trainer) Resume(c *Checkpoint) error {
	if err := t.cfg.sameRun(c.state.Config); err != nil {
		return err
	}
	if c.Model.Head != t.head {
		return fmt.Errorf("the checkpoint has the %v head, the run the %v head", c.Model.Head, t.head)
	}
	if then, now := c.Model.Meta[modelfile.KeyInitSHA256], t.initMeta[modelfile.KeyInitSHA256]; then != now {
		return fmt.Errorf("the checkpoint's run started from -init %s with SHA-256 %q, the file now has %q: resume with the same file", t.cfg.Init, then, now)
	}
	if err := t.net.SetWeights(c.Model.Weights); err != nil {
		return err
	}
	t.syncReplicas()
	if err := t.solver.SetSolverState(t.net.Learnables(), c.Solver); err != nil {
		return fmt.Errorf("the checkpoint's solver state: %w", err)
	}
	st := c.state
	st.Config = t.cfg
	t.state = st
	return nil
}

// saveCheckpoint writes the run's checkpoint, if it has a path.
func (t *Trainer) saveCheckpoint() error {
	if t.checkpoint == "" {
		return nil
	}
	ss, err := t.solver.SolverState(t.net.Learnables())
	if err != nil {
		return fmt.Errorf("reading the solver state: %w", err)
	}
	return SaveCheckpoint(t.checkpoint, &Checkpoint{Model: t.Model(nil), Solver: ss, state: t.state})
}

// Run trains until cfg.Epochs are done. When ctx is cancelled it finishes
// the batch in flight, writes the checkpoint and returns ErrInterrupted.
// A NaN or infinite loss, or a training error near chance long after the
// start (ErrDiverged, guard.go), stops it with an error naming the epoch
// and batch, without writing the checkpoint, so the last good checkpoint
// stays.
func (t *Trainer) Run(ctx context.Context) error {
	for t.state.Epoch < t.cfg.Epochs {
		if err := t.runEpoch(ctx); err != nil {
			return err
		}
		m, err := t.finishEpoch()
		if err != nil {
			return err
		}
		if err := t.saveCheckpoint(); err != nil {
			return err
		}
		if t.OnEpoch != nil {
			t.OnEpoch(m)
		}
	}
	return nil
}

// runEpoch runs the remaining batches of the current epoch.
func (t *Trainer) runEpoch(ctx context.Context) error {
	epoch := t.state.Epoch
	t.solver.SetLearnRate(t.cfg.scheduleConfig().Rate(epoch))
	entries, extra, err := t.epochEntries(epoch)
	if err != nil {
		return err
	}
	order := data.Shuffled(entries, t.cfg.Seed, epoch)
	// Training graphs have a fixed batch size: the last partial batch of
	// an epoch is left out; the shuffle changes which images that is.
	order = order[:len(order)/t.cfg.Batch*t.cfg.Batch]
	sdlm, _ := t.solver.(*SDLM) // nil for the other solvers
	distorted := t.distorted(epoch, extra)
	batches, err := data.NewDistortedBatchesFormat(t.mnist.Train, order, t.cfg.Batch, distorted, InputFormat(t.arch))
	if err != nil {
		return err
	}
	total := batches.Len()
	if t.state.Batch > total {
		return fmt.Errorf("epoch %d: the checkpoint says %d batches of it are done, but it has %d: the checkpoint is damaged", epoch+1, t.state.Batch, total)
	}
	for range t.state.Batch {
		batches.Next()
	}
	tally := &t.state.Partial
	for t.state.Batch < total {
		if ctx.Err() != nil {
			if err := t.saveCheckpoint(); err != nil {
				return fmt.Errorf("%w; and the checkpoint could not be written: %v", ErrInterrupted, err)
			}
			return ErrInterrupted
		}
		start := time.Now()
		if done := t.state.Batch * t.cfg.Batch; sdlm != nil && t.curvatureDue(sdlm, done, len(order)-done) {
			if err := t.estimateCurvature(sdlm, order[done:], distorted); err != nil {
				return fmt.Errorf("epoch %d, batch %d: estimating the SDLM curvature: %w", epoch+1, t.state.Batch+1, err)
			}
		}
		b := batches.Next()
		loss, errs, err := t.step(b)
		if err != nil {
			return fmt.Errorf("epoch %d, batch %d: %w", epoch+1, t.state.Batch+1, err)
		}
		t.state.Batch++
		tally.LossSum += loss
		tally.Batches++
		tally.Errors += errs
		tally.Images += b.N()
		tally.Seconds += time.Since(start).Seconds()
		if err := t.guard.observe(b.N(), errs, loss, t.cfg.Solver); err != nil {
			return fmt.Errorf("epoch %d, batch %d: %w", epoch+1, t.state.Batch, err)
		}
		if t.OnBatch != nil {
			t.OnBatch(BatchProgress{Epoch: epoch + 1, Epochs: t.cfg.Epochs, Batch: t.state.Batch, Batches: total,
				Images: tally.Images, Loss: loss, RunningLoss: tally.LossSum / float64(tally.Batches),
				ImagesPerSecond: float64(tally.Images) / tally.Seconds})
		}
	}
	return nil
}

// distorted describes the patterns of epoch: the distorted copies and
// the non-digits, extra (nil for none).
func (t *Trainer) distorted(epoch int, extra *data.Set) data.Distorted {
	if t.pool != nil {
		return t.pool.distort
	}
	return data.Distorted{Copies: t.cfg.Distort, Ranges: data.DefaultDistortRanges, Seed: t.cfg.Seed, Epoch: epoch, Extra: extra}
}

// step runs forward, backward and the solver on one batch and returns the
// loss and the number of misclassified images.
func (t *Trainer) step(b *data.Batch) (float64, int, error) {
	loss, errs, err := t.forwardBackward(b)
	if err != nil {
		return 0, 0, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, 0, fmt.Errorf("%w (%v): training stopped, no model written; %s", errNotFinite, loss, retryAdvice(t.cfg.Solver))
	}
	if err := t.solver.Step(t.replicas[0].grads); err != nil {
		return 0, 0, err
	}
	t.syncReplicas()
	return loss, errs, nil
}

// finishEpoch evaluates the weights and records the epoch's metrics.
func (t *Trainer) finishEpoch() (EpochMetrics, error) {
	tally := t.state.Partial
	model := t.Model(nil)
	if err := t.eval.SetModel(model); err != nil {
		return EpochMetrics{}, err
	}
	test, err := t.eval.Evaluate(t.testSet, nil)
	if err != nil {
		return EpochMetrics{}, fmt.Errorf("evaluating on the test set: %w", err)
	}
	m := EpochMetrics{
		Epoch:      t.state.Epoch + 1,
		LR:         t.cfg.scheduleConfig().Rate(t.state.Epoch),
		TrainLoss:  tally.LossSum / float64(max(tally.Batches, 1)),
		TrainError: float64(tally.Errors) / float64(max(tally.Images, 1)),
		TestError:  test.ErrorRate(), TestErrors: test.Errors, TestImages: test.Images,
		Seconds:         tally.Seconds,
		ImagesPerSecond: float64(tally.Images) / math.Max(tally.Seconds, 1e-9),
	}
	if s, ok := t.solver.(*SDLM); ok {
		lo, hi := s.RateRange()
		m.SDLMRates = &[2]float64{lo, hi}
	}
	if t.valIdx != nil {
		val, err := t.eval.Evaluate(t.mnist.Train, t.valIdx)
		if err != nil {
			return m, fmt.Errorf("evaluating on the validation split: %w", err)
		}
		rate := val.ErrorRate()
		m.ValidationError = &rate
	}
	t.state.Metrics = append(t.state.Metrics, m)
	t.state.Epoch++
	t.state.Batch = 0
	t.state.Partial = epochTally{}
	return m, nil
}

// Evaluate classifies the test set (within -test-limit) with the current weights.
func (t *Trainer) Evaluate() (Result, error) {
	if err := t.eval.SetModel(t.Model(nil)); err != nil {
		return Result{}, err
	}
	return t.eval.Evaluate(t.testSet, nil)
}
