// Command nondigitbench measures how well a model rejects what is not a
// digit (issue 22), besides how it reads digits:
//
//   - the error on the digits (the 10,000 MNIST test images, or with -set
//     validation the 10,000 training images `cmd/train -validation 10000`
//     holds out at seed 1);
//   - the paper's Fig. 10: the share of the digits to reject, least
//     confident first (the margin between the two smallest RBF
//     distances), for 0.5% error on the rest;
//   - the share of non-digits rejected at the threshold that rejects at
//     most 1% of the digits (-digit-reject), for two scores of the MAP
//     criterion's posteriors (graph.RubbishProbabilities): P(rubbish) =
//     e^-j / (e^-j + sum_i e^-y_i), rejected when high, and the top digit's
//     probability with the rubbish term in the sum, rejected when low.
//
// The non-digits are internal/synth's, -n of them (the seven kinds in
// equal shares) with seed -seed, made from the digits of the set measured:
// MNIST test digits for -set test, the validation digits for -set
// validation, never digits a model was trained on (a model trained with
// cmd/train -nondigits uses other seeds, train.NonDigitSeed, and training
// digits only). Both scores are computed as log-odds, so that they do not
// saturate at probability 1.
//
//	go run ./scripts/nondigitbench                                   # the shipped model, test set
//	go run ./scripts/nondigitbench -model FILE -set validation       # to choose settings
package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/internal/synth"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
	"github.com/lenet5-go/lenet5/train"
)

// The seeds of the non-digits measured; the training ones come from
// train.NonDigitSeed and are other numbers.
const (
	testSeed       = 22_0001
	validationSeed = 22_0002
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "nondigitbench:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// options are the command's flags.
type options struct {
	model       string
	set         string
	n           int
	seed        uint64
	j           float64
	digitReject float64
	workers     int
}

func run(args []string, stdout io.Writer) error {
	var o options
	fs := flag.NewFlagSet("nondigitbench", flag.ContinueOnError)
	fs.StringVar(&o.model, "model", "", "model file (default: the shipped model, "+models.DefaultName+")")
	fs.StringVar(&o.set, "set", "test", "digits and the source of the non-digits: test (MNIST test set) or validation (cmd/train -validation 10000 -seed 1)")
	fs.IntVar(&o.n, "n", 7000, "non-digits to make")
	fs.Uint64Var(&o.seed, "seed", 0, fmt.Sprintf("seed of the non-digits (default %d for test, %d for validation)", testSeed, validationSeed))
	fs.Float64Var(&o.j, "j", math.NaN(), "the MAP constant j of the scores (default: the model's)")
	fs.Float64Var(&o.digitReject, "digit-reject", 0.01, "the share of the digits the threshold may reject at most")
	fs.IntVar(&o.workers, "workers", 0, "CPU threads (0 = all cores)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 || (o.set != "test" && o.set != "validation") || o.n < 1 || !(o.digitReject >= 0 && o.digitReject < 1) {
		fs.Usage()
		return errUsage
	}
	if o.seed == 0 {
		o.seed = map[string]uint64{"test": testSeed, "validation": validationSeed}[o.set]
	}
	return bench(o, stdout)
}

// bench measures and prints.
func bench(o options, w io.Writer) error {
	var m *modelfile.Model
	var err error
	name := o.model
	if name == "" {
		name = models.DefaultName
		m, err = models.Default()
	} else {
		m, err = modelfile.Read(name)
	}
	if err != nil {
		return err
	}
	if m.Head != graph.RBF {
		return fmt.Errorf("%s: the %v head has no rubbish class; the scores need the RBF head", name, m.Head)
	}
	j := m.J
	if !math.IsNaN(o.j) {
		j = o.j
	}
	mnist, err := data.Load("")
	if err != nil {
		return err
	}
	_, valDigits, testDigits, err := synth.Split(mnist)
	if err != nil {
		return err
	}
	digitSet, src, what := mnist.Test, testDigits, "MNIST test"
	var indices []int
	if o.set == "validation" {
		_, indices, err = data.SplitValidation(mnist.Train.Len(), synth.ValidationCount, synth.ValidationSeed)
		if err != nil {
			return err
		}
		digitSet, src, what = mnist.Train, valDigits, "validation (cmd/train -validation 10000 -seed 1)"
	}
	nds, err := synth.NonDigits(src, o.n, o.seed)
	if err != nil {
		return err
	}
	ndSet := &data.Set{Images: make([]uint8, len(nds)*data.ImageSize), Labels: make([]uint8, len(nds))}
	for i, nd := range nds {
		copy(ndSet.Image(i), nd.Pixels)
	}
	ev := train.NewEvaluator(m, train.DefaultEvalBatch, o.workers)
	defer ev.Close()
	digitOut, labels, err := outputs(ev, digitSet, indices)
	if err != nil {
		return err
	}
	ndOut, _, err := outputs(ev, ndSet, nil)
	if err != nil {
		return err
	}

	preds := graph.Predict(graph.RBF, digitOut)
	correct := make([]bool, len(preds))
	errs := 0
	for i, p := range preds {
		correct[i] = p == labels[i]
		if !correct[i] {
			errs++
		}
	}
	rej, err := train.NewRejection(graph.Margins(graph.RBF, digitOut), correct)
	if err != nil {
		return err
	}
	frac, thr := rej.RejectFor(0.005)
	fmt.Fprintf(w, "model %s (j = %g; scores with j = %g)\n", name, m.J, j)
	fmt.Fprintf(w, "digits: %s, %d images: error %.2f%% (%d)\n", what, len(preds), 100*float64(errs)/float64(len(preds)), errs)
	fmt.Fprintf(w, "Fig. 10: rejecting %.2f%% of the digits (margin below %.4g) leaves %.2f%% error (target 0.5%%)\n",
		100*frac, thr, 100*rej.ErrorAt(thr))
	fmt.Fprintf(w, "non-digits: %d (%s, seed %d) from the %s digits; threshold: at most %.2g%% of the digits rejected\n",
		len(nds), train.NonDigitGenerator, o.seed, strings.SplitN(what, " (", 2)[0], 100*o.digitReject)
	fmt.Fprintf(w, "%-27s %12s %9s %9s", "score", "threshold", "digits", "non-dig.")
	for _, k := range synth.Kinds {
		fmt.Fprintf(w, " %8s", k)
	}
	fmt.Fprintln(w)
	for _, s := range scores {
		d, n := s.of(digitOut, j), s.of(ndOut, j)
		cut := threshold(d, o.digitReject)
		fmt.Fprintf(w, "%-27s %12s %8.2f%% %8.2f%%", s.name, s.format(cut), 100*above(d, cut), 100*above(n, cut))
		for _, k := range synth.Kinds {
			var of []float64
			for i, nd := range nds {
				if nd.Kind == k {
					of = append(of, n[i])
				}
			}
			fmt.Fprintf(w, " %7.1f%%", 100*above(of, cut))
		}
		fmt.Fprintln(w)
	}
	return nil
}

// outputs runs the images of set at indices (all when nil) and returns
// the outputs (N x 10) and the labels.
func outputs(ev *train.Evaluator, set *data.Set, indices []int) ([]float64, []int, error) {
	if indices == nil {
		indices = data.Range(set.Len())
	}
	it, err := data.NewBatches(set, indices, 500)
	if err != nil {
		return nil, nil, err
	}
	var out []float64
	var labels []int
	for b := it.Next(); b != nil; b = it.Next() {
		o, err := ev.Outputs(b.Tensor())
		if err != nil {
			return nil, nil, err
		}
		out = append(out, o...)
		labels = append(labels, b.Labels...)
	}
	return out, labels, nil
}

// A score is larger for what is more likely not a digit.
type score struct {
	name   string
	of     func(out []float64, j float64) []float64
	format func(cut float64) string
}

var scores = []score{
	{
		// log P(rubbish) / (1 - P(rubbish)) = -j - log sum_i e^-y_i.
		name: "P(rubbish) high",
		of: func(out []float64, j float64) []float64 {
			s := make([]float64, len(out)/graph.Classes)
			for i := range s {
				s[i] = -j + softmin(out[i*graph.Classes:(i+1)*graph.Classes])
			}
			return s
		},
		format: func(cut float64) string { return fmt.Sprintf("1-P<%.3g", logistic(-cut)) },
	},
	{
		// -log p_top = y_min + log(e^-j + sum_i e^-y_i), p_top's negated
		// log-probability.
		name: "top P (rubbish in sum) low",
		of: func(out []float64, j float64) []float64 {
			s := make([]float64, len(out)/graph.Classes)
			for i := range s {
				row := out[i*graph.Classes : (i+1)*graph.Classes]
				low := slices.Min(row)
				s[i] = low - softmin(append(slices.Clone(row), j))
			}
			return s
		},
		format: func(cut float64) string { return fmt.Sprintf("P<%.4g", math.Exp(-cut)) },
	},
}

// softmin returns -log sum_i e^-v_i, computed around the smallest v.
func softmin(v []float64) float64 {
	low := slices.Min(v)
	var sum float64
	for _, x := range v {
		sum += math.Exp(low - x)
	}
	return low - math.Log(sum)
}

// logistic is 1 / (1 + e^-x).
func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// threshold returns the cut above which at most the share most of the
// scores lie (reject when the score is above the cut).
func threshold(scores []float64, most float64) float64 {
	s := slices.SortedFunc(slices.Values(scores), func(a, b float64) int { return cmp.Compare(b, a) })
	k := int(most * float64(len(s))) // at most k rejected
	if k >= len(s) {
		return math.Inf(-1)
	}
	return s[k] // s[0..k-1] are >= s[k]; those strictly above are at most k
}

// above returns the share of scores strictly above cut.
func above(scores []float64, cut float64) float64 {
	if len(scores) == 0 {
		return 0
	}
	n := 0
	for _, s := range scores {
		if s > cut {
			n++
		}
	}
	return float64(n) / float64(len(scores))
}
