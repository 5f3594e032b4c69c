package main

import (
	"context"
	"fmt"
	"io"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/train"
)

// boostAndSave trains a boosted committee (-net boosted-NAME) and writes it.
func boostAndSave(ctx context.Context, o options, mnist *data.MNIST, stdout, stderr io.Writer, terminal bool) error {
	cfg := train.BoostConfig{Config: o.cfg, Pool: o.boostPool, Patterns: o.boostPatterns}
	progress := newProgress(stdout, stderr, terminal)
	m, rep, err := train.Boost(ctx, cfg, mnist, func(k int, t *train.Trainer) {
		fmt.Fprintf(stdout, "net %d of %d\n", k+1, modelfile.BoostedMembers)
		t.OnBatch = progress.batch
		t.OnEpoch = progress.epoch
	})
	if err != nil {
		return err
	}
	if err := modelfile.Write(o.out, m); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "filter 1 drew %d pool patterns and kept %d (%d that net 1 gets wrong); filter 2 drew %d and kept %d (nets 1 and 2 disagree)\n",
		rep.Drawn[0], rep.Kept[0], rep.Wrong, rep.Drawn[1], rep.Kept[1])
	fmt.Fprintf(stdout, "confidence threshold %g (validation: %d errors, %.3f networks per image)\n", rep.Confidence, rep.ValidationErrors, rep.ValidationCost)
	fmt.Fprintf(stdout, "model written to %s\n", o.out)
	fmt.Fprintf(stdout, "test error %s%% (%s/%s), %s networks per image\n", percent(m.Meta[modelfile.KeyTestError]),
		m.Meta[modelfile.KeyTestErrors], m.Meta[modelfile.KeyTestImages], m.Meta[modelfile.KeyBoostCost])
	return nil
}

// percent formats a rate recorded in metadata as a percentage.
func percent(rate string) string {
	var r float64
	if _, err := fmt.Sscan(rate, &r); err != nil {
		return "?"
	}
	return fmt.Sprintf("%.2f", 100*r)
}
