package train

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/modelfile"
)

// Boosting by filtering (Drucker, Schapire and Simard; the paper's Section
// III.C.9) trains three networks of one kind:
//
//   - net 1 as any run is trained;
//   - net 2 on a set that net 1 gets half right and half wrong;
//   - net 3 on patterns where nets 1 and 2 disagree.
//
// Nets 2 and 3 need far more patterns than the training set holds errors
// of net 1, so, as in the paper, distorted copies of the training images
// keep up the supply: each filter draws from a pool of BoostConfig.Pool
// distorted copies of every training image, fixed by the run's seed, and
// the patterns it keeps are the next member's training set, the same in
// every pass. The committee (committee.go) adds the three networks'
// probabilities, consulting nets 2 and 3 only when net 1 is not confident;
// the confidence threshold is chosen on the validation split.

// BoostConfig is a boosting run: Config is each member's training (its
// Net the members' network, Validation > 0 for the threshold), Pool the
// distorted copies of each training image each filter draws from, and
// Patterns the size of net 2's and net 3's training sets (at most: a pool
// that holds fewer such patterns gives fewer).
type BoostConfig struct {
	Config
	Pool     int
	Patterns int
}

// BoostReport tells how the committee was made.
type BoostReport struct {
	// Drawn counts the pool patterns each filter looked at, Kept the
	// patterns it kept (net 2's, then net 3's training set).
	Drawn, Kept [2]int
	// Wrong is how many of net 2's patterns net 1 got wrong.
	Wrong int
	// Confidence is the threshold chosen on validation, ValidationErrors
	// and ValidationCost its errors and average networks per image there.
	Confidence       float64
	ValidationErrors int
	ValidationCost   float64
}

// boostConfidences are the thresholds tried on validation: net 1 answers
// alone when its top probability is at least the threshold.
var boostConfidences = []float64{0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 1.01} // 1.01: always all three

// Boost trains a boosted committee on m. onMember, when not nil, is
// called with each member's trainer before it runs (for progress output).
func Boost(ctx context.Context, cfg BoostConfig, m *data.MNIST, onMember func(k int, t *Trainer)) (*Model, BoostReport, error) {
	var rep BoostReport
	if cfg.Validation <= 0 {
		return nil, rep, errors.New("boosting chooses its confidence threshold on a validation split: set -validation")
	}
	if cfg.Pool < 1 || cfg.Patterns < 2*cfg.Batch {
		return nil, rep, fmt.Errorf("boosting needs a pool of at least 1 copy per image and at least %d patterns per member, got %d and %d", 2*cfg.Batch, cfg.Pool, cfg.Patterns)
	}
	if cfg.extraPatterns() {
		return nil, rep, errors.New("boosting does not train with non-digits")
	}
	var members []*Model
	var trainIdx, valIdx []int // net 1's split, which every step uses
	train := func(k int, pool *trainingPool) error {
		c := cfg.Config
		c.Seed += uint64(k) // each member its own initial weights and order
		t, err := New(c, m, "")
		if err != nil {
			return err
		}
		defer t.Close()
		t.pool = pool
		if k == 0 {
			trainIdx, valIdx = t.trainIdx, t.valIdx
		}
		if onMember != nil {
			onMember(k, t)
		}
		if err := t.Run(ctx); err != nil {
			return fmt.Errorf("boosting, net %d: %w", k+1, err)
		}
		members = append(members, t.Model(nil))
		return nil
	}
	if err := train(0, nil); err != nil {
		return nil, rep, err
	}
	pool2, err := filterPool(cfg, m, trainIdx, members, 0, &rep)
	if err != nil {
		return nil, rep, err
	}
	if err := train(1, pool2); err != nil {
		return nil, rep, err
	}
	pool3, err := filterPool(cfg, m, trainIdx, members, 1, &rep)
	if err != nil {
		return nil, rep, err
	}
	if err := train(2, pool3); err != nil {
		return nil, rep, err
	}
	meta := cfg.Metadata()
	meta[modelfile.KeyBoostPool] = strconv.Itoa(cfg.Pool)
	meta[modelfile.KeyBoostPatterns] = strconv.Itoa(cfg.Patterns)
	meta[modelfile.KeyBoostConfidence] = "1"
	committee, err := modelfile.Boosted(members, meta)
	if err != nil {
		return nil, rep, err
	}
	if err := chooseConfidence(committee, cfg.Config, m, valIdx, &rep); err != nil {
		return nil, rep, err
	}
	if err := recordTest(committee, m, cfg.Config); err != nil {
		return nil, rep, err
	}
	return committee, rep, nil
}

// trainingPool is a fixed training set of distorted patterns: order
// entries of a walk over the training images (data.Distorted) drawn with
// distort.
type trainingPool struct {
	entries []int
	distort data.Distorted
}

// poolEpoch is the distortion epoch of filter k's pool: far from any
// training pass's, so that the pools are other distortions than the ones
// net 1 trained on.
func poolEpoch(k int) int { return 1<<20 + k }

// filterPool runs filter k (0: for net 2, 1: for net 3) over a fresh pool
// of distorted copies of the training images trainIdx.
func filterPool(cfg BoostConfig, m *data.MNIST, trainIdx []int, members []*Model, k int, rep *BoostReport) (*trainingPool, error) {
	n := m.Train.Len()
	d := data.Distorted{Copies: cfg.Pool, Ranges: data.DefaultDistortRanges, Seed: cfg.Seed, Epoch: poolEpoch(k)}
	// Copy 0 is the image itself: the pool is the distorted copies only.
	all := data.WithCopies(trainIdx, n, cfg.Pool)[len(trainIdx):]
	order := data.Shuffled(all, cfg.Seed, poolEpoch(k))
	f, err := ModelInputFormat(members[0])
	if err != nil {
		return nil, err
	}
	evals := make([]*Evaluator, len(members))
	for i, mm := range members {
		evals[i] = NewEvaluator(mm, DefaultEvalBatch*10, cfg.Workers)
		defer evals[i].Close()
	}
	const chunk = 50000
	var right, wrong, kept []int
	drawn := 0
	for lo := 0; lo < len(order); lo += chunk {
		part := order[lo:min(lo+chunk, len(order))]
		it, err := data.NewDistortedBatchesFormat(m.Train, part, DefaultEvalBatch*10, d, f)
		if err != nil {
			return nil, err
		}
		for b := it.Next(); b != nil; b = it.Next() {
			preds := make([][]int, len(evals))
			for i, e := range evals {
				if preds[i], _, _, err = e.predict(b.Tensor()); err != nil {
					return nil, err
				}
			}
			for j, entry := range b.Indices {
				drawn++
				switch {
				case k == 0 && preds[0][j] == b.Labels[j]:
					right = append(right, entry)
				case k == 0:
					wrong = append(wrong, entry)
				case preds[0][j] != preds[1][j]:
					kept = append(kept, entry)
				}
			}
		}
		if k == 0 && len(wrong) >= cfg.Patterns/2 || k == 1 && len(kept) >= cfg.Patterns {
			break
		}
	}
	if k == 0 {
		// Half right, half wrong, as the paper's filter: when the pool
		// holds fewer than Patterns/2 patterns net 1 gets wrong, the set
		// is smaller, not less balanced.
		w := min(len(wrong), len(right), cfg.Patterns/2)
		kept = append(wrong[:w:w], right[:w]...)
		rep.Wrong = w
	}
	kept = kept[:min(len(kept), cfg.Patterns)]
	rep.Drawn[k], rep.Kept[k] = drawn, len(kept)
	if len(kept) < 2*cfg.Batch {
		return nil, fmt.Errorf("boosting: filter %d kept %d of %d pool patterns, too few to train on: raise -boost-pool", k+1, len(kept), drawn)
	}
	return &trainingPool{entries: kept, distort: d}, nil
}

// chooseConfidence picks the committee's threshold on the validation
// split: the fewest validation errors, and of those the lowest cost.
func chooseConfidence(committee *Model, cfg Config, m *data.MNIST, valIdx []int, rep *BoostReport) error {
	for k, c := range boostConfidences {
		committee.Meta[modelfile.KeyBoostConfidence] = strconv.FormatFloat(c, 'g', -1, 64)
		e := NewEvaluator(committee, DefaultEvalBatch, cfg.Workers)
		r, err := e.Evaluate(m.Train, valIdx)
		e.Close()
		if err != nil {
			return err
		}
		cost := float64(r.Consulted) / float64(r.Images)
		if k == 0 || r.Errors < rep.ValidationErrors || r.Errors == rep.ValidationErrors && cost < rep.ValidationCost {
			rep.Confidence, rep.ValidationErrors, rep.ValidationCost = c, r.Errors, cost
		}
	}
	committee.Meta[modelfile.KeyBoostConfidence] = strconv.FormatFloat(rep.Confidence, 'g', -1, 64)
	return nil
}

// recordTest evaluates the committee on the test set (up to TestLimit)
// and records the result in its metadata, as a trainer does.
func recordTest(committee *Model, m *data.MNIST, cfg Config) error {
	test := m.Test
	if cfg.TestLimit > 0 {
		var err error
		if test, err = m.Test.Slice(0, min(cfg.TestLimit, m.Test.Len())); err != nil {
			return err
		}
	}
	e := NewEvaluator(committee, DefaultEvalBatch, cfg.Workers)
	defer e.Close()
	r, err := e.Evaluate(test, nil)
	if err != nil {
		return err
	}
	meta := map[string]string{
		modelfile.KeyTestError:  strconv.FormatFloat(r.ErrorRate(), 'g', -1, 64),
		modelfile.KeyTestErrors: strconv.Itoa(r.Errors),
		modelfile.KeyTestImages: strconv.Itoa(r.Images),
		modelfile.KeyBoostCost:  strconv.FormatFloat(float64(r.Consulted)/float64(r.Images), 'g', 4, 64),
	}
	maps.Copy(committee.Meta, meta)
	return nil
}
