package train

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"strconv"

	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
	"gorgonia.org/tensor"
)

// A boosted committee (Section III.C.9 of the paper; boost.go trains one)
// answers with its first network alone when that network is confident:
// its top class probability is at least the model's boost_confidence
// (modelfile.KeyBoostConfidence). Otherwise it runs the other two on the
// image too and adds the three networks' probabilities. Its score of a
// class is 3 p1 when the first answers alone and p1 + p2 + p3 otherwise,
// so that both lie in [0, 3]; the margin (for rejection) is the gap
// between the two best scores.

// isCommittee reports whether the model is a committee, preparing its
// members' evaluators on first use.
func (e *Evaluator) isCommittee() (bool, error) {
	if e.members != nil {
		return true, nil
	}
	if !modelfile.IsBoosted(e.model.Net) {
		return false, nil
	}
	members, err := e.model.Members()
	if err != nil {
		return false, err
	}
	c, err := strconv.ParseFloat(e.model.Meta[modelfile.KeyBoostConfidence], 64)
	if err != nil || !(c >= 0 && c <= 1.01) {
		return false, fmt.Errorf("train: %s: committee metadata %s is %q, not a probability (or 1.01: always consult all three)", cmp.Or(e.model.File, "model"), modelfile.KeyBoostConfidence, e.model.Meta[modelfile.KeyBoostConfidence])
	}
	for _, m := range members {
		e.members = append(e.members, NewEvaluator(m, e.batch, e.workers))
	}
	e.confidence = c
	return true, nil
}

// committeeScores returns the committee's scores (N x 10, each in [0, 3])
// of a batch and how many network runs of an image it took.
func (e *Evaluator) committeeScores(x *tensor.Dense) ([]float64, int, error) {
	n := x.Shape()[0]
	first, err := e.members[0].outputs(x)
	if err != nil {
		return nil, 0, err
	}
	p1 := graph.Probabilities(e.model.Head, first)
	scores := slices.Clone(p1)
	var doubtful []int
	for i := range n {
		row := scores[i*graph.Classes : (i+1)*graph.Classes]
		if slices.Max(row) < e.confidence {
			doubtful = append(doubtful, i)
		}
		for k := range row {
			row[k] *= 3
		}
	}
	if len(doubtful) == 0 {
		return scores, n, nil
	}
	// The doubtful images go to the other members in a batch of their own,
	// padded to a power of two so that each member keeps few graphs.
	size := x.Shape().TotalSize() / n
	pad := 1 << bits.Len(uint(len(doubtful)-1))
	sub := make([]float32, pad*size)
	src := x.Data().([]float32)
	for j, i := range doubtful {
		copy(sub[j*size:(j+1)*size], src[i*size:(i+1)*size])
	}
	shape := append([]int{pad}, x.Shape()[1:]...)
	xs := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(sub))
	probs := [][]float64{p1}
	for _, m := range e.members[1:] {
		out, err := m.outputs(xs)
		if err != nil {
			return nil, 0, err
		}
		probs = append(probs, graph.Probabilities(e.model.Head, out))
	}
	for j, i := range doubtful {
		for k := range graph.Classes {
			c := i*graph.Classes + k
			scores[c] = probs[0][c] + probs[1][j*graph.Classes+k] + probs[2][j*graph.Classes+k]
		}
	}
	return scores, n + 2*len(doubtful), nil
}

// committeePredict is predict for a committee.
func (e *Evaluator) committeePredict(x *tensor.Dense) ([]int, []float64, int, error) {
	scores, consulted, err := e.committeeScores(x)
	if err != nil {
		return nil, nil, 0, err
	}
	return graph.Predict(graph.Softmax, scores), graph.Margins(graph.Softmax, scores), consulted, nil
}

// committeeClassify is Classify for a committee: its scores over 3.
func (e *Evaluator) committeeClassify(x *tensor.Dense) ([]int, []float64, error) {
	scores, _, err := e.committeeScores(x)
	if err != nil {
		return nil, nil, err
	}
	probs := make([]float64, len(scores))
	for i, s := range scores {
		probs[i] = s / 3
	}
	return graph.Predict(graph.Softmax, scores), probs, nil
}
