package modelfile

import (
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/lenet5-go/lenet5/graph"
)

// BoostedPrefix starts the name of a boosted committee of networks, as
// "boosted-lenet4": the paper's boosting by filtering (Section III.C.9).
const BoostedPrefix = "boosted-"

// BoostedMembers is how many networks a boosted committee holds.
const BoostedMembers = 3

// KeyBoostConfidence is the metadata key of a committee's confidence
// threshold: the first member answers alone when its top class
// probability is at least this, and the members' probabilities are added
// otherwise.
const KeyBoostConfidence = "boost_confidence"

// Other metadata of a committee: the distorted copies per training image
// its filters drew from, the size of nets 2's and 3's training sets, and
// the average number of networks run per test image.
const (
	KeyBoostPool     = "boost_pool"
	KeyBoostPatterns = "boost_patterns"
	KeyBoostCost     = "boost_cost"
)

// IsBoosted reports whether a network name is a boosted committee's.
func IsBoosted(net string) bool { return strings.HasPrefix(net, BoostedPrefix) }

// Members returns the models a committee holds, in order, each with its
// tensors under their own names; a single network is its own one member.
// A boosted member's Meta is the committee's, an ensemble member's its
// own (ensemble.go).
func (m *Model) Members() ([]*Model, error) {
	if IsEnsemble(m.net()) {
		return m.ensembleMembers()
	}
	if !IsBoosted(m.net()) {
		return []*Model{m}, nil
	}
	base := strings.TrimPrefix(m.net(), BoostedPrefix)
	out := make([]*Model, BoostedMembers)
	for k := range out {
		out[k] = &Model{Net: base, Head: m.Head, J: m.J, Weights: map[string]graph.Tensor{}, Meta: map[string]string{},
			File: m.File, memberPrefix: memberPrefix(k)}
		maps.Copy(out[k].Meta, m.Meta)
		delete(out[k].Meta, KeyNet)
	}
	for name, t := range m.Weights {
		k, rest, ok := strings.Cut(name, "/")
		i, err := strconv.Atoi(k)
		if !ok || err != nil || i < 1 || i > BoostedMembers {
			return nil, formatErr(m.name(), "tensor %s of a %s committee is not under a member's prefix 1/ to %d/", name, m.net(), BoostedMembers)
		}
		out[i-1].Weights[rest] = t
	}
	return out, nil
}

// memberPrefix is the prefix of member k's tensors (k from 0).
func memberPrefix(k int) string { return fmt.Sprintf("%d/", k+1) }

// Boosted assembles a committee from its members' models (of one network
// and head), with the committee's metadata.
func Boosted(members []*Model, meta map[string]string) (*Model, error) {
	if len(members) != BoostedMembers {
		return nil, fmt.Errorf("modelfile: a committee has %d members, got %d", BoostedMembers, len(members))
	}
	first := members[0]
	m := &Model{Net: BoostedPrefix + first.net(), Head: first.Head, J: first.J, Weights: map[string]graph.Tensor{}, Meta: map[string]string{}}
	maps.Copy(m.Meta, meta)
	m.Meta[KeyNet] = m.Net
	for k, mm := range members {
		if mm.net() != first.net() || mm.Head != first.Head {
			return nil, fmt.Errorf("modelfile: committee member %d is %s (%v head), member 1 %s (%v head)", k+1, mm.net(), mm.Head, first.net(), first.Head)
		}
		for name, t := range mm.Weights {
			m.Weights[memberPrefix(k)+name] = t
		}
	}
	return m, m.Validate()
}
