// Command sdlm-curvature measures SDLM's curvature estimate h and the
// effective rates eta/(mu+h) it gives, layer by layer, under the readings
// of the paper that docs/sdlm.md compares:
//
//	go run ./scripts/sdlm-curvature [-model FILE] [-epoch N] [-eta 0.0005] [-mu 0.02]
//
// Without -model it measures the initial weights of seed -seed. The
// patterns are the first -patterns of pass -epoch's order, as the trainer
// takes them (whole training set, no distortions).
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/train"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func main() {
	model := flag.String("model", "", "model file whose weights to measure (default: the initial weights)")
	seed := flag.Uint64("seed", 1, "seed of the initial weights and of the data order")
	epoch := flag.Int("epoch", 0, "0-based pass whose first patterns are used")
	patterns := flag.Int("patterns", train.DefaultCurvaturePatterns, "patterns averaged over")
	eta := flag.Float64("eta", train.PaperBase, "global rate eta")
	mu := flag.Float64("mu", train.PaperMu, "mu (default: the paper's, so that the rates compare with its reported range)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "sdlm-curvature: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	if err := run(*model, *seed, *epoch, *patterns, *eta, *mu); err != nil {
		fmt.Fprintln(os.Stderr, "sdlm-curvature:", err)
		os.Exit(1)
	}
}

// connections is how many connections of one pattern share each value of
// a parameter (the sums the spec's estimate adds up).
var connections = map[string]int{
	"c1.weight": 28 * 28, "c1.bias": 28 * 28, "s2.coef": 14 * 14 * 4, "s2.bias": 14 * 14,
	"c3.weight": 10 * 10, "c3.bias": 10 * 10, "s4.coef": 5 * 5 * 4, "s4.bias": 5 * 5,
	"c5.weight": 1, "c5.bias": 1, "f6.weight": 1, "f6.bias": 1,
}

func run(modelPath string, seed uint64, epoch, patterns int, eta, mu float64) error {
	mnist, err := data.Load("")
	if err != nil {
		return err
	}
	const batch = 100
	if n := mnist.Train.Len(); patterns < batch || patterns > n {
		return fmt.Errorf("-patterns %d: want %d to %d (whole batches of %d of the training images)", patterns, batch, n, batch)
	}
	if epoch < 0 {
		return fmt.Errorf("-epoch %d: must not be negative", epoch)
	}
	g := G.NewGraph()
	net, err := graph.New(graph.NewInput(g, tensor.Float32, batch), graph.WithSeed(seed), graph.WithWorkers(1))
	if err != nil {
		return err
	}
	if modelPath != "" {
		m, err := modelfile.Read(modelPath)
		if err != nil {
			return err
		}
		if err := net.SetWeights(m.Weights); err != nil {
			return err
		}
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	order := data.Shuffled(data.Range(mnist.Train.Len()), seed, epoch)[:patterns/batch*batch]
	est := map[graph.OutputSeed][]graph.Tensor{}
	for _, s := range []graph.OutputSeed{graph.SeedCorrectClass, graph.SeedMAP} {
		gn, err := graph.NewGaussNewton(net)
		if err != nil {
			return err
		}
		gn.SetOutputSeed(s)
		batches, err := data.NewDistortedBatches(mnist.Train, order, batch, data.Distorted{Seed: seed, Epoch: epoch})
		if err != nil {
			return err
		}
		for b := batches.Next(); b != nil; b = batches.Next() {
			if err := G.Let(net.Input, b.Tensor()); err != nil {
				return err
			}
			vm.Reset()
			if err := vm.RunAll(); err != nil {
				return err
			}
			if err := gn.Accumulate(); err != nil {
				return err
			}
		}
		if est[s], err = gn.Diagonal(); err != nil {
			return err
		}
	}
	names := make([]string, len(net.Learnables()))
	for i, p := range net.Learnables() {
		names[i] = p.Name()
	}
	n := float64(len(order))
	readings := []struct {
		name string
		seed graph.OutputSeed
		f    func(name string, h float64) float64
	}{
		{"spec (seed 2, sums over connections, mean over patterns)", graph.SeedCorrectClass, func(_ string, h float64) float64 { return h }},
		{"(a) seed 1 (E halved)", graph.SeedCorrectClass, func(_ string, h float64) float64 { return h / 2 }},
		{"(a) seed 4 (E doubled)", graph.SeedCorrectClass, func(_ string, h float64) float64 { return 2 * h }},
		{"(a) both MAP terms", graph.SeedMAP, func(_ string, h float64) float64 { return h }},
		{"(b) mean over connections", graph.SeedCorrectClass, func(p string, h float64) float64 { return h / float64(connections[p]) }},
		{"(b) sum over patterns", graph.SeedCorrectClass, func(_ string, h float64) float64 { return h * n }},
		{"(b) sum over patterns, mean over connections", graph.SeedCorrectClass, func(p string, h float64) float64 { return h * n / float64(connections[p]) }},
	}
	what := "initial weights (seed " + fmt.Sprint(seed) + ")"
	if modelPath != "" {
		what = modelPath
	}
	fmt.Printf("%s, %d patterns of pass %d, eta %g, mu %g; paper: first pass 7e-05..0.016\n\n", what, len(order), epoch+1, eta, mu)
	for _, r := range readings {
		fmt.Printf("%s\n  %-10s %-28s %s\n", r.name, "param", "h min / median / max", "rates eta/(mu+h)")
		lo, hi := math.Inf(1), 0.0
		var all []float64
		for i, t := range est[r.seed] {
			h := make([]float64, len(t.Data))
			for k, v := range t.Data {
				h[k] = r.f(names[i], v)
			}
			slices.Sort(h)
			for _, v := range h {
				all = append(all, eta/(mu+v))
			}
			rlo, rhi := eta/(mu+h[len(h)-1]), eta/(mu+h[0])
			lo, hi = math.Min(lo, rlo), math.Max(hi, rhi)
			fmt.Printf("  %-10s %-28s %.2g..%.2g\n", names[i], fmt.Sprintf("%.2g / %.2g / %.2g", h[0], h[len(h)/2], h[len(h)-1]), rlo, rhi)
		}
		slices.Sort(all)
		above := len(all) - sort.SearchFloat64s(all, 0.016)
		fmt.Printf("  all: rates %.2g..%.2g; 1st..99th percentile %.2g..%.2g; %.1f%% of the %d parameters above the paper's 0.016\n%s\n",
			lo, hi, all[len(all)/100], all[len(all)*99/100], 100*float64(above)/float64(len(all)), len(all), strings.Repeat("-", 60))
	}
	return nil
}
