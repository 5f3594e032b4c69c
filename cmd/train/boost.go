package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/lenet5-go/lenet5/cmd/train/internal/report"
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
		t.OnEpoch = func(m train.EpochMetrics) {
			progress.epoch(m)
			if o.metrics != "" {
				if err := report.WriteMetrics(memberFile(o.metrics, k), t.Metrics()); err != nil {
					fmt.Fprintln(stderr, "train:", err)
				}
			}
			if o.plot != "" {
				if err := report.WritePlot(memberFile(o.plot, k), t.Metrics()); err != nil {
					fmt.Fprintln(stderr, "train:", err)
				}
			}
		}
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

// memberFile names member k's file of path: "m.jsonl" gives "m.net1.jsonl".
func memberFile(path string, k int) string {
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s.net%d%s", strings.TrimSuffix(path, ext), k+1, ext)
}

// percent formats a rate recorded in metadata as a percentage.
func percent(rate string) string {
	var r float64
	if _, err := fmt.Sscan(rate, &r); err != nil {
		return "?"
	}
	return fmt.Sprintf("%.2f", 100*r)
}
