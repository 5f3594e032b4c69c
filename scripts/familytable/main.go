// Command familytable measures the paper's networks as this project trains
// them (models/runs/NAME.safetensors, models/lenet5.safetensors) on the
// 10,000 MNIST test images and prints the comparison with the paper's
// Figs. 9-12 as a markdown table (docs/paper.md, the model card):
//
//	go run ./scripts/familytable [-runs models/runs] [-workers 2]
//
// Columns: test error (Fig. 9), the test images rejected, least confident
// first, for 0.5% error on the rest (Fig. 10), multiply-accumulates per
// recognition (Fig. 11; for the committee, the average over the test
// images of the networks it ran) and stored parameters (Fig. 12), ours
// beside the paper's, then our images per second (the evaluation alone,
// in-process, batches of 50).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/train"
)

// row is one network: its file and the paper's figures ("" = none we
// could confirm, docs/family.md).
type row struct {
	name, file                 string
	paperError, paperRejection string
	paperMACs, paperParams     string
}

func rows(runs string) []row {
	r := func(name string) string { return filepath.Join(runs, name+".safetensors") }
	return []row{
		{"linear", r("linear"), "12.0", "", "", ""},
		{"mlp-300-10", r("mlp-300-10"), "4.7", "", "", ""},
		{"mlp-1000-10", r("mlp-1000-10"), "4.5", "", "", ""},
		{"mlp-300-100-10", r("mlp-300-100-10"), "3.05", "", "", ""},
		{"mlp-500-150-10", r("mlp-500-150-10"), "2.95", "", "", ""},
		{"lenet1", r("lenet1"), "1.7", "3.7", "100k", "3k"},
		{"lenet4", r("lenet4"), "1.1", "1.8", "260k", "17k"},
		{"boosted-lenet4", r("boosted-lenet4"), "0.7", "0.5", "", ""},
		{"lenet5", filepath.Join(filepath.Dir(runs), "lenet5.safetensors"), "0.95 / 0.8", "", "", ""},
	}
}

func main() {
	runs := flag.String("runs", "models/runs", "folder of the trained networks")
	workers := flag.Int("workers", 2, "threads of the evaluation")
	flag.Parse()
	test, err := data.LoadTest("")
	if err != nil {
		fail(err)
	}
	fmt.Println("| network | test error, ours | paper (Fig. 9) | rejected for 0.5% error, ours | paper (Fig. 10) | multiply-adds, ours | paper (Fig. 11) | parameters, ours | paper (Fig. 12) | images/s, ours |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows(*runs) {
		m, err := modelfile.Read(r.file)
		if err != nil {
			fmt.Fprintf(os.Stderr, "familytable: %v (skipped)\n", err)
			continue
		}
		if err := measure(r, m, test, *workers); err != nil {
			fail(err)
		}
	}
}

// measure evaluates one model and prints its row.
func measure(r row, m *modelfile.Model, test *data.Set, workers int) error {
	members, err := m.Members()
	if err != nil {
		return err
	}
	a, err := members[0].Arch()
	if err != nil {
		return err
	}
	s, err := a.Summary()
	if err != nil {
		return err
	}
	per := s.Total()
	e := train.NewEvaluator(m, train.DefaultEvalBatch, workers)
	defer e.Close()
	if _, err := e.Evaluate(test, nil); err != nil { // warm: graphs built, pages touched
		return err
	}
	start := time.Now()
	res, err := e.Evaluate(test, nil)
	seconds := time.Since(start).Seconds()
	if err != nil {
		return err
	}
	rej, err := res.Rejection(test.Labels)
	if err != nil {
		return err
	}
	rejected, _ := rej.RejectFor(0.005)
	cost := float64(res.Consulted) / float64(res.Images)
	macs := int(cost * float64(per.MACs))
	params := per.Params * len(members)
	fmt.Printf("| %s | %.2f%% | %s | %.2f%% | %s | %s | %s | %s | %s | %.0f |\n", r.name, 100*res.ErrorRate(), pct(r.paperError),
		100*rejected, pct(r.paperRejection), thousands(macs), dash(r.paperMACs), thousands(params), dash(r.paperParams), float64(res.Images)/seconds)
	if len(members) > 1 {
		fmt.Fprintf(os.Stderr, "%s: %.3f networks per test image (the paper: about 1.75)\n", r.name, cost)
	}
	return nil
}

func pct(s string) string {
	if s == "" {
		return "-"
	}
	return s + "%"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// thousands formats n with comma separators.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "familytable:", err)
	os.Exit(1)
}
