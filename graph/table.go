package graph

import (
	"fmt"
	"strings"
)

// Table is a connection table between the input maps and the output maps
// of a convolution: Inputs[o] lists, in increasing order, the input maps
// that feed output map o. Each connected pair (o, i) has its own kernel;
// the kernels are packed in pair order (by o, then by i) and unconnected
// pairs have neither parameters nor work.
type Table struct {
	In     int
	Inputs [][]int
}

// C3Table is LeNet-5's connection table between S2 and C3 (paper, Table I):
// 60 of the 96 pairs.
var C3Table = Table{In: 6, Inputs: [][]int{
	{0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 5}, {0, 4, 5}, {0, 1, 5},
	{0, 1, 2, 3}, {1, 2, 3, 4}, {2, 3, 4, 5}, {0, 3, 4, 5}, {0, 1, 4, 5}, {0, 1, 2, 5},
	{0, 1, 3, 4}, {1, 2, 4, 5}, {0, 2, 3, 5},
	{0, 1, 2, 3, 4, 5},
}}

// FullTable connects every one of in input maps to every one of out
// output maps: an ordinary convolution.
func FullTable(in, out int) Table {
	t := Table{In: in, Inputs: make([][]int, out)}
	for o := range t.Inputs {
		t.Inputs[o] = make([]int, in)
		for i := range in {
			t.Inputs[o][i] = i
		}
	}
	return t
}

// Out returns the number of output maps.
func (t Table) Out() int { return len(t.Inputs) }

// Pairs returns the number of connected (output, input) pairs.
func (t Table) Pairs() int {
	n := 0
	for _, in := range t.Inputs {
		n += len(in)
	}
	return n
}

// Connected reports whether input map i feeds output map o.
func (t Table) Connected(o, i int) bool {
	for _, j := range t.Inputs[o] {
		if j == i {
			return true
		}
	}
	return false
}

// Validate checks that the table is usable: maps in range, listed once
// each in increasing order, every output fed.
func (t Table) Validate() error {
	if t.In <= 0 || t.Out() == 0 {
		return fmt.Errorf("graph: connection table needs at least one input and one output map, has %d and %d", t.In, t.Out())
	}
	for o, in := range t.Inputs {
		if len(in) == 0 {
			return fmt.Errorf("graph: connection table: output map %d has no inputs", o)
		}
		for k, i := range in {
			if i < 0 || i >= t.In {
				return fmt.Errorf("graph: connection table: output map %d lists input map %d, outside 0..%d", o, i, t.In-1)
			}
			if k > 0 && i <= in[k-1] {
				return fmt.Errorf("graph: connection table: inputs of output map %d are not strictly increasing", o)
			}
		}
	}
	return nil
}

// pairList flattens the table: pair p connects output pairOut[p] and input pairIn[p].
func (t Table) pairList() (pairOut, pairIn []int) {
	for o, in := range t.Inputs {
		for _, i := range in {
			pairOut = append(pairOut, o)
			pairIn = append(pairIn, i)
		}
	}
	return pairOut, pairIn
}

// key is a compact text form of the table, for op hashes and names.
func (t Table) key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d:", t.In)
	for _, in := range t.Inputs {
		for _, i := range in {
			fmt.Fprint(&b, i)
		}
		b.WriteByte('/')
	}
	return b.String()
}
