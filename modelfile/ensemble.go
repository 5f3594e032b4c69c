package modelfile

import (
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/lenet5-go/lenet5/graph"
	G "gorgonia.org/gorgonia"
)

// EnsemblePrefix starts the name of an ensemble: networks of one kind run
// on the same input, whose outputs (RBF distances or logits) are averaged,
// as "ensemble-lenet5". Its members' tensors are under "1/", "2/", ... and
// member k's own metadata under "k/KEY" (k from 1), so the file says how
// each was trained.
const EnsemblePrefix = "ensemble-"

// MaxEnsembleMembers bounds the members of an ensemble.
const MaxEnsembleMembers = 8

// IsEnsemble reports whether a network name is an ensemble's.
func IsEnsemble(net string) bool { return strings.HasPrefix(net, EnsemblePrefix) }

// IsCommittee reports whether a network name is a committee's: a boosted
// committee or an ensemble, which have no network of their own but
// Members.
func IsCommittee(net string) bool { return IsBoosted(net) || IsEnsemble(net) }

// ensembleMembers splits an ensemble into its members.
func (m *Model) ensembleMembers() ([]*Model, error) {
	base := strings.TrimPrefix(m.net(), EnsemblePrefix)
	if IsCommittee(base) || base == "" {
		return nil, formatErr(m.name(), "network %q: an ensemble's members are networks", m.net())
	}
	byIndex := map[int]*Model{}
	member := func(i int) *Model {
		if byIndex[i] == nil {
			byIndex[i] = &Model{Net: base, Head: m.Head, J: m.J, Weights: map[string]graph.Tensor{}, Meta: map[string]string{},
				File: m.File, memberPrefix: memberPrefix(i - 1)}
		}
		return byIndex[i]
	}
	index := func(s string) (int, string, bool) {
		k, rest, ok := strings.Cut(s, "/")
		i, err := strconv.Atoi(k)
		return i, rest, ok && err == nil && i >= 1 && i <= MaxEnsembleMembers && k == strconv.Itoa(i)
	}
	for name, t := range m.Weights {
		i, rest, ok := index(name)
		if !ok {
			return nil, formatErr(m.name(), "tensor %s of an ensemble is not under a member's prefix 1/ to %d/", name, MaxEnsembleMembers)
		}
		member(i).Weights[rest] = t
	}
	n := len(byIndex)
	if n < 2 {
		return nil, formatErr(m.name(), "an ensemble of %d members; it needs 2 to %d", n, MaxEnsembleMembers)
	}
	out := make([]*Model, n)
	for i := range out {
		if out[i] = byIndex[i+1]; out[i] == nil {
			return nil, formatErr(m.name(), "ensemble member %d has no tensors, but member %d has", i+1, n)
		}
	}
	for key, v := range m.Meta {
		if i, rest, ok := index(key); ok && i <= n {
			out[i-1].Meta[rest] = v
		}
	}
	return out, nil
}

// Ensemble assembles an ensemble from its members' models (2 to
// MaxEnsembleMembers, of one network, head and j), with the ensemble's
// metadata; each member's metadata goes under its prefix.
func Ensemble(members []*Model, meta map[string]string) (*Model, error) {
	if len(members) < 2 || len(members) > MaxEnsembleMembers {
		return nil, fmt.Errorf("modelfile: an ensemble has 2 to %d members, got %d", MaxEnsembleMembers, len(members))
	}
	first := members[0]
	if IsCommittee(first.net()) {
		return nil, errors.New("modelfile: an ensemble's members are networks, not committees")
	}
	m := &Model{Net: EnsemblePrefix + first.net(), Head: first.Head, J: first.J, Weights: map[string]graph.Tensor{}, Meta: map[string]string{}}
	maps.Copy(m.Meta, meta)
	m.Meta[KeyNet] = m.Net
	for k, mm := range members {
		if mm.net() != first.net() || mm.Head != first.Head || mm.J != first.J {
			return nil, fmt.Errorf("modelfile: ensemble member %d is %s (%v head, j %g), member 1 %s (%v head, j %g)", k+1, mm.net(), mm.Head, mm.J, first.net(), first.Head, first.J)
		}
		for name, t := range mm.Weights {
			m.Weights[memberPrefix(k)+name] = t
		}
		for key, v := range mm.Meta {
			m.Meta[memberPrefix(k)+key] = v
		}
	}
	return m, m.Validate()
}

// BuildAll adds the model's networks to x's graph with their weights
// loaded: the network itself, or every member of an ensemble (each under
// its own name prefix), whose outputs the caller averages (AverageOutputs).
// A boosted committee, whose members answer in turn, is an error.
func (m *Model) BuildAll(x *G.Node, opts ...graph.Option) ([]*graph.Net, error) {
	if !IsEnsemble(m.net()) {
		net, err := m.Build(x, opts...)
		if err != nil {
			return nil, err
		}
		return []*graph.Net{net}, nil
	}
	members, err := m.Members()
	if err != nil {
		return nil, err
	}
	nets := make([]*graph.Net, len(members))
	for k, mm := range members {
		o := append([]graph.Option{graph.WithPrefix(fmt.Sprintf("member%d/", k+1))}, opts...)
		if nets[k], err = mm.Build(x, o...); err != nil {
			return nil, fmt.Errorf("ensemble member %d: %w", k+1, err)
		}
	}
	return nets, nil
}

// AverageOutputs returns the mean of the networks' outputs after a run
// (graph.Net.Outputs): an ensemble's outputs.
func AverageOutputs(nets []*graph.Net) ([]float64, error) {
	var sum []float64
	for _, n := range nets {
		y, err := n.Outputs()
		if err != nil {
			return nil, err
		}
		if sum == nil {
			sum = y
			continue
		}
		for i := range sum {
			sum[i] += y[i]
		}
	}
	for i := range sum {
		sum[i] /= float64(len(nets))
	}
	return sum, nil
}
