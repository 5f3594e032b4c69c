package graph

import (
	"fmt"
	"strings"
)

// LayerSummary describes one stage of a built network, per image.
type LayerSummary struct {
	Name        string
	Shape       []int // output shape of one image
	Params      int   // trainable values
	Connections int   // the paper's count: each unit's inputs and bias
	MACs        int   // forward multiply-accumulates
}

// Summary is the per-layer table of a built network.
type Summary []LayerSummary

// Summary computes the table from the built graph: shapes from the nodes,
// parameters from the geometry table, connections and multiply-accumulates
// from each layer's op.
func (n *Net) Summary() Summary {
	var s Summary
	for _, l := range n.layers {
		shape := l.Out.Shape()
		row := LayerSummary{Name: l.Name, Shape: append([]int(nil), shape[1:]...)}
		for _, p := range n.Params.specs {
			if p.Layer == l.Name {
				row.Params += p.Size()
			}
		}
		if l.op != nil {
			row.Connections, row.MACs = l.op.counts(shape)
		}
		s = append(s, row)
	}
	return s
}

// Total returns the sums of the parameters, connections and multiply-accumulates.
func (s Summary) Total() LayerSummary {
	t := LayerSummary{Name: "total"}
	for _, r := range s {
		t.Params += r.Params
		t.Connections += r.Connections
		t.MACs += r.MACs
	}
	return t
}

// String formats the table with a total row.
func (s Summary) String() string {
	var b strings.Builder
	const row = "%-7s %9s %11s %12s %10s\n"
	fmt.Fprintf(&b, row, "stage", "output", "parameters", "connections", "MACs")
	for _, r := range append(s, s.Total()) {
		shape := ""
		if r.Shape != nil {
			parts := make([]string, len(r.Shape))
			for i, d := range r.Shape {
				parts[i] = fmt.Sprint(d)
			}
			shape = strings.Join(parts, "x")
		}
		fmt.Fprintf(&b, row, r.Name, shape, thousands(r.Params), thousands(r.Connections), thousands(r.MACs))
	}
	return b.String()
}

// thousands formats n with comma separators, as the paper's tables.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
