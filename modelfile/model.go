package modelfile

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"strconv"

	"github.com/lenet5-go/lenet5/graph"
	G "gorgonia.org/gorgonia"
)

// SolverPrefix starts the names of a checkpoint's solver-state tensors and
// metadata, which the model reader skips.
const SolverPrefix = "solver."

// Model is a trained network as stored in a model file: the head, the MAP
// constant j, the learnables in the file's layout (graph.Params.Weights)
// and the metadata (see the Key constants).
type Model struct {
	// Net names the network (graph.ArchNamed), metadata key "net": a file
	// without it is LeNet-5's. A boosted committee, "boosted-" and its
	// members' network, holds its members' tensors under "1/", "2/", ...
	// (Members).
	Net     string
	Head    graph.Head
	J       float64
	Weights map[string]graph.Tensor
	Meta    map[string]string
	// File names the model in errors: the path it was read from, or
	// what the caller set.
	File string

	memberPrefix string // a committee member's tensor prefix, for errors
}

// FromNet captures a network's current weights with extra metadata.
func FromNet(net *graph.Net, meta map[string]string) *Model {
	return FromParams(net.Params, meta)
}

// FromParams captures a parameter set's current weights with extra
// metadata. A body-only set (graph.NoHead) gives no model: Validate
// refuses it.
func FromParams(p *graph.Params, meta map[string]string) *Model {
	m := &Model{Net: p.Arch().Name, Head: p.Head, J: p.J, Weights: p.Weights(), Meta: map[string]string{}}
	maps.Copy(m.Meta, meta)
	return m
}

// name returns the model's name for errors.
func (m *Model) name() string {
	if m.File == "" {
		return "model"
	}
	return m.File
}

// Validate checks the model as Read checks a file: a head of rbf or
// softmax, a finite j, metadata that does not contradict them, no
// checkpoint entries, and every tensor's name, shape and values (through
// graph.CheckWeights, SetWeights' checks, including the C3 zeros), without
// building a graph. Write refuses a model that fails it.
func (m *Model) Validate() error {
	file := m.name()
	if m.Head != graph.RBF && m.Head != graph.Softmax {
		return formatErr(file, "head %v; a model file holds rbf or softmax", m.Head)
	}
	if math.IsNaN(m.J) || math.IsInf(m.J, 0) || m.J < 0 {
		return formatErr(file, "j is %v, not a non-negative number", m.J)
	}
	if h, ok := m.Meta[KeyHead]; ok && h != m.Head.String() {
		return formatErr(file, "metadata head %q contradicts the model's head %v", h, m.Head)
	}
	if n, ok := m.Meta[KeyNet]; ok && n != m.net() {
		return formatErr(file, "metadata net %q contradicts the model's network %q", n, m.net())
	}
	for k := range m.Weights {
		if isCheckpointTensor(k) {
			return formatErr(file, "tensor %s is a checkpoint's solver state, not part of a model", k)
		}
	}
	members, err := m.Members()
	if err != nil {
		return err
	}
	for _, mm := range members {
		a, err := mm.Arch()
		if err != nil {
			return formatErr(file, "%v", err)
		}
		if err := a.CheckWeights(mm.Weights); err != nil {
			return formatErr(file, "%s%v", mm.memberPrefix, err)
		}
	}
	return nil
}

// net returns Net, or "lenet5" when it is empty.
func (m *Model) net() string {
	if m.Net == "" {
		return "lenet5"
	}
	return m.Net
}

// Arch returns the model's network with its head. A boosted committee has
// none of its own: ask its Members.
func (m *Model) Arch() (graph.Arch, error) {
	if IsCommittee(m.net()) {
		return graph.Arch{}, fmt.Errorf("modelfile: %s: %s is a committee; its members are networks", m.name(), m.net())
	}
	a, err := graph.ArchNamed(m.net())
	if err != nil {
		return a, err
	}
	return a.WithHead(m.Head)
}

// Metadata returns the file metadata of the model: the model's own facts,
// then the format marks, head and j.
func (m *Model) Metadata() map[string]string {
	meta := map[string]string{}
	maps.Copy(meta, m.Meta)
	meta[KeyFormat] = FormatName
	meta[KeyVersion] = FormatVersion
	meta[KeyHead] = m.Head.String()
	meta[KeyNet] = m.net()
	if m.Head == graph.RBF {
		meta[KeyJ] = strconv.FormatFloat(m.J, 'g', -1, 64)
	} else {
		delete(meta, KeyJ)
	}
	return meta
}

// Load loads the model's weights into a parameter set of the same head,
// or the body of either head into a body-only set (graph.NoHead); another
// head is a *MismatchError.
func (m *Model) Load(p *graph.Params) error {
	if p.Head != graph.NoHead && p.Head != m.Head {
		return &MismatchError{File: m.name(), Holds: m.Head, Asked: p.Head}
	}
	if err := p.SetWeights(m.Weights); err != nil {
		return fmt.Errorf("modelfile: %s: %w", m.name(), err)
	}
	return nil
}

// Params adds a parameter set of the model's head and j to g, with the
// options (a prefix, the dtype, ...), and loads the weights into it. A
// graph.WithHead option of another head is a *MismatchError, except
// graph.NoHead, which takes the model's body.
func (m *Model) Params(g *G.ExprGraph, opts ...graph.Option) (*graph.Params, error) {
	a, err := m.Arch()
	if err != nil {
		return nil, err
	}
	opts = append([]graph.Option{graph.WithArch(a), graph.WithHead(m.Head), graph.WithJ(m.J), graph.WithZeroWeights()}, opts...)
	p, err := graph.NewParams(g, opts...)
	if err != nil {
		return nil, err
	}
	if err := m.Load(p); err != nil {
		return nil, err
	}
	return p, nil
}

// Build adds the model's network to x's graph with its weights loaded:
// graph.New with the model's head and j, then the options, then Load.
func (m *Model) Build(x *G.Node, opts ...graph.Option) (*graph.Net, error) {
	if x == nil {
		return nil, errors.New("modelfile: nil input node")
	}
	a, err := m.Arch()
	if err != nil {
		return nil, err
	}
	opts = append([]graph.Option{graph.WithArch(a), graph.WithHead(m.Head), graph.WithJ(m.J), graph.WithZeroWeights()}, opts...)
	net, err := graph.New(x, opts...)
	if err != nil {
		return nil, err
	}
	if err := m.Load(net.Params); err != nil {
		return nil, err
	}
	return net, nil
}
