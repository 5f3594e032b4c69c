package train

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/lenet5-go/lenet5/graph"
	G "gorgonia.org/gorgonia"
)

// SolverState is what a solver carries from step to step, as a
// checkpoint stores it: named tensors (per-parameter state) and scalars
// (step counts, the format). Tensor names start with "solver.", scalar
// names do not (the checkpoint adds the prefix to their metadata keys).
type SolverState struct {
	Tensors map[string]graph.Tensor
	Scalars map[string]string
}

// The state formats of sgd, momentum, adam, rmsprop and adagrad (SDLM
// keeps its own, see sdlm.go):
//
//   - Format 1, written by lenet5 while it trained with Gorgonia's own
//     solvers (no "format" scalar): the fields of Gorgonia's per-parameter
//     cache, "solver.<parameter>.value" and "solver.<parameter>.deriv",
//     and Adam's step count "iter". It is read, and mapped onto ours:
//     value is momentum's velocity, RMSProp's mean square, AdaGrad's sum
//     of squares and Adam's first moment; deriv is Adam's second moment
//     (the other solvers never used it: it holds zeros and is dropped).
//   - Format 2, written now: "solver.<slot>.<parameter>" for each of the
//     solver's slots (stateSlot), Adam's step count "steps", and
//     "format" = "2".
const (
	stateFormatKey = "format"
	stateFormat    = "2"
)

// stateSlot is one per-parameter state vector of a solver.
type stateSlot struct {
	name string // format 2: solver.<name>.<parameter>
	old  string // format 1: solver.<parameter>.<old>
	vecs *[]Vec
}

// saveState returns the state of a solver with these slots and, when
// steps is not nil, a step count.
func saveState(solver string, slots []stateSlot, steps *int, params G.Nodes) (SolverState, error) {
	st := SolverState{Tensors: map[string]graph.Tensor{}, Scalars: map[string]string{stateFormatKey: stateFormat}}
	if steps != nil {
		st.Scalars["steps"] = strconv.Itoa(*steps)
	}
	for _, s := range slots {
		vecs := *s.vecs
		if vecs == nil {
			continue // not stepped yet
		}
		if len(vecs) != len(params) {
			return st, fmt.Errorf("%s: state for %d parameters, the network has %d", solver, len(vecs), len(params))
		}
		for i, p := range params {
			v := vecs[i]
			if v.Len() != p.Shape().TotalSize() {
				return st, fmt.Errorf("%s: state %s of %s has %d values, want %d", solver, s.name, p.Name(), v.Len(), p.Shape().TotalSize())
			}
			t := graph.Tensor{Shape: append([]int(nil), p.Shape()...), Data: make([]float64, v.Len())}
			for k, x := range v.F32 {
				t.Data[k] = float64(x)
			}
			copy(t.Data, v.F64)
			st.Tensors[solverPrefix+s.name+"."+p.Name()] = t
		}
	}
	return st, nil
}

// loadState restores into the slots (and steps) what saveState returned,
// or a format-1 state; it refuses a state it cannot read whole.
func loadState(solver string, slots []stateSlot, steps *int, params G.Nodes, st SolverState) error {
	format := st.Scalars[stateFormatKey]
	if format == "" && len(st.Tensors) == 0 && len(st.Scalars) == 0 {
		return nil // a solver that had not stepped (or sgd) under format 1
	}
	name := func(s stateSlot, p *G.Node) string { return solverPrefix + s.name + "." + p.Name() }
	stepsKey := "steps"
	var ignored []string // format-1 slots that held nothing
	switch format {
	case stateFormat:
	case "":
		format = "1"
		name = func(s stateSlot, p *G.Node) string { return solverPrefix + p.Name() + "." + s.old }
		stepsKey = "iter"
		ignored = slices.DeleteFunc([]string{"value", "deriv"}, func(o string) bool {
			return slices.ContainsFunc(slots, func(s stateSlot) bool { return s.old == o })
		})
	default:
		return fmt.Errorf("%s: solver state format %q is not one this lenet5 reads (formats 1 and %s): the checkpoint was written by another version; resume it with that version", solver, format, stateFormat)
	}
	if v, ok := st.Scalars[stepsKey]; ok {
		n, err := strconv.Atoi(v)
		if steps == nil || err != nil || n < 0 {
			return fmt.Errorf("%s: step count %s=%q in a format-%s checkpoint is not one this solver keeps", solver, stepsKey, v, format)
		}
		*steps = n
	} else if steps != nil && len(st.Tensors) > 0 {
		return fmt.Errorf("%s: the format-%s checkpoint has state but no step count %q", solver, format, stepsKey)
	}
	if extra := unread(st.Scalars, func(k string) bool { return k == stepsKey || (k == stateFormatKey && format == stateFormat) }); len(extra) > 0 {
		return fmt.Errorf("%s: the format-%s checkpoint holds solver scalars this solver does not keep: %s", solver, format, strings.Join(extra, ", "))
	}
	read := map[string]bool{}
	for _, s := range slots {
		var vecs []Vec
		for i, p := range params {
			t, ok := st.Tensors[name(s, p)]
			if !ok {
				if i == 0 {
					break // this slot is not in the checkpoint: not stepped yet
				}
				return fmt.Errorf("%s: the checkpoint has state %s for some parameters but not for %s", solver, s.name, p.Name())
			}
			if len(t.Data) != p.Shape().TotalSize() {
				return fmt.Errorf("%s: state %s of %s has %d values, want %d", solver, s.name, p.Name(), len(t.Data), p.Shape().TotalSize())
			}
			if vecs == nil {
				vecs = make([]Vec, len(params))
			}
			vecs[i] = vecOf(t.Data, p)
			read[name(s, p)] = true
		}
		*s.vecs = vecs
	}
	for _, p := range params {
		for _, o := range ignored {
			read[solverPrefix+p.Name()+"."+o] = true
		}
	}
	if extra := unread(st.Tensors, func(k string) bool { return read[k] }); len(extra) > 0 {
		return fmt.Errorf("%s: the format-%s checkpoint holds solver state this solver or network does not have: %s", solver, format, strings.Join(extra, ", "))
	}
	return nil
}

// unread returns the keys of m that read does not accept, sorted.
func unread[V any](m map[string]V, read func(string) bool) []string {
	var keys []string
	for k := range m {
		if !read(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// vecOf converts checkpoint values to p's precision.
func vecOf(d []float64, p *G.Node) Vec {
	if p.Dtype() == G.Float32 {
		v := make([]float32, len(d))
		for k, x := range d {
			v[k] = float32(x)
		}
		return Vec{F32: v}
	}
	return Vec{F64: append([]float64(nil), d...)}
}
