package graph

import (
	"errors"
	"fmt"
	"math"
)

// Predictions returns the predicted class of each image of the last run:
// the smallest distance for the RBF head, the largest logit for softmax.
func (n *Net) Predictions() ([]int, error) {
	out, err := n.Outputs()
	if err != nil {
		return nil, err
	}
	return PredictK(n.Head, out, n.Output.Shape()[1]), nil
}

// Probabilities returns, for each image of the last run, the class
// probabilities: softmax(-distances) for the RBF head, softmax(logits)
// for the softmax head; row-major N x classes (10 for the paper's nets).
func (n *Net) Probabilities() ([]float64, error) {
	out, err := n.Outputs()
	if err != nil {
		return nil, err
	}
	return ProbabilitiesK(n.Head, out, n.Output.Shape()[1]), nil
}

// Outputs returns the output node's values of the last run as float64,
// N x 10 row-major (RBF distances or logits); Predict and Probabilities
// turn them into digits and probabilities.
func (n *Net) Outputs() ([]float64, error) {
	if n.Output == nil {
		return nil, errors.New("graph: a network without a head has no output: read F6")
	}
	if n.Output.Value() == nil {
		return nil, errors.New("graph: the output has no value yet: run the graph first")
	}
	return nodeData(n.Output), nil
}

// Predict returns the predicted class of each row of outputs (N x 10,
// row-major): the smallest RBF distance or the largest logit. PredictK
// takes rows of another width.
func Predict(h Head, outputs []float64) []int { return PredictK(h, outputs, Classes) }

// PredictK is Predict for rows of k classes.
func PredictK(h Head, outputs []float64, k int) []int {
	preds := make([]int, len(outputs)/k)
	for s := range preds {
		row := outputs[s*k : (s+1)*k]
		best := 0
		for k, v := range row {
			if (h == RBF && v < row[best]) || (h != RBF && v > row[best]) {
				best = k
			}
		}
		preds[s] = best
	}
	return preds
}

// Margins returns the confidence of each row of outputs (N x 10,
// row-major): the margin between the best and the second-best score, the
// second-smallest RBF distance minus the smallest, or the largest logit
// minus the second-largest (docs/spec.md §13). It is never negative; a
// small margin is a doubtful answer. MarginsK takes rows of another width.
func Margins(h Head, outputs []float64) []float64 { return MarginsK(h, outputs, Classes) }

// MarginsK is Margins for rows of k classes.
func MarginsK(h Head, outputs []float64, k int) []float64 {
	margins := make([]float64, len(outputs)/k)
	for s := range margins {
		best, second := math.Inf(1), math.Inf(1)
		for _, v := range outputs[s*k : (s+1)*k] {
			if h != RBF {
				v = -v
			}
			if v < best {
				best, second = v, best
			} else if v < second {
				second = v
			}
		}
		margins[s] = second - best
	}
	return margins
}

// Probabilities turns outputs (N x 10) into class probabilities: the
// softmax of the negated distances (RBF) or of the logits.
// ProbabilitiesK takes rows of another width.
func Probabilities(h Head, outputs []float64) []float64 { return ProbabilitiesK(h, outputs, Classes) }

// ProbabilitiesK is Probabilities for rows of k classes.
func ProbabilitiesK(h Head, outputs []float64, k int) []float64 {
	probs := make([]float64, len(outputs))
	sign := 1.0
	if h == RBF {
		sign = -1
	}
	for s := 0; s < len(outputs)/k; s++ {
		row, p := outputs[s*k:(s+1)*k], probs[s*k:(s+1)*k]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, sign*v)
		}
		var total float64
		for k, v := range row {
			p[k] = math.Exp(sign*v - m)
			total += p[k]
		}
		for k := range p {
			p[k] /= total
		}
	}
	return probs
}

// RubbishProbabilities turns RBF distances (N x 10, row-major) into the
// MAP criterion's eleven probabilities (N x 11): the ten digits' and, last
// (column Rubbish), the rubbish class's, whose distance is the constant j:
//
//	p_k = exp(-y_k) / (exp(-j) + sum_i exp(-y_i)),   p_Rubbish = exp(-j) / (exp(-j) + sum_i exp(-y_i))
//
// Probabilities leaves the rubbish term out (its ten sum to 1); these are
// the posteriors the MAP loss trains. p_Rubbish is a score for rejecting
// what is not a digit; the largest of the ten p_k is another.
func RubbishProbabilities(outputs []float64, j float64) []float64 {
	n := len(outputs) / Classes
	probs := make([]float64, n*(Classes+1))
	for s := range n {
		row, p := outputs[s*Classes:(s+1)*Classes], probs[s*(Classes+1):(s+1)*(Classes+1)]
		m := j // shift by the smallest distance, j included, as the loss does
		for _, v := range row {
			m = math.Min(m, v)
		}
		p[Rubbish] = math.Exp(m - j)
		total := p[Rubbish]
		for k, v := range row {
			p[k] = math.Exp(m - v)
			total += p[k]
		}
		for k := range p {
			p[k] /= total
		}
	}
	return probs
}

// StageValues returns, for image k of the last run, the output of every
// stage keyed by its name (input, C1, S2, C3, S4, C5, F6, output), each
// row-major as in the node.
func (n *Net) StageValues(k int) (map[string][]float64, error) {
	out := map[string][]float64{}
	for _, l := range n.layers {
		if l.Out.Value() == nil {
			return nil, errors.New("graph: the network has no values yet: run the graph first")
		}
		all := nodeData(l.Out)
		per := len(all) / l.Out.Shape()[0]
		if k < 0 || k >= l.Out.Shape()[0] {
			return nil, fmt.Errorf("graph: image %d of a batch of %d", k, l.Out.Shape()[0])
		}
		out[l.Name] = all[k*per : (k+1)*per]
	}
	return out, nil
}
