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
	// Kernel names the float32 kernels of a convolution on this CPU's path
	// (KernelPath): "fan" for a generated fan kernel of its connection
	// structure, "per-map" for the general ones, which every geometry has
	// but which run slower (docs/performance.md); "" for other layers.
	Kernel string
}

// Summary is the per-layer table of a built network.
type Summary []LayerSummary

// Summary returns the per-stage table of the network (Arch.Summary).
func (n *Net) Summary() Summary {
	s, err := n.Params.arch.Summary()
	if err != nil {
		return nil // the Arch validated when the set was made
	}
	return s
}

// kernelOf names the forward kernels a layer runs (LayerSummary.Kernel).
func kernelOf(l LayerSpec, in []int) string {
	c, ok := l.(Conv)
	if !ok {
		return ""
	}
	if fanFor(newConvGeom(c.Table, c.Kernel, c.Kernel).forwardDests()) != nil {
		return "fan"
	}
	return "per-map"
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

// Kernels names the kernels of each convolution on this CPU's path, e.g.
// "C1 fan, C3 per-map"; "" without convolutions. The table leaves them
// out, as they depend on the machine.
func (s Summary) Kernels() string {
	var parts []string
	for _, r := range s {
		if r.Kernel != "" {
			parts = append(parts, r.Name+" "+r.Kernel)
		}
	}
	return strings.Join(parts, ", ")
}

// thousands formats n with comma separators, as the paper's tables.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
