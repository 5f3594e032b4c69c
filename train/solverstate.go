package train

import (
	"fmt"
	"reflect"
	"strconv"
	"unsafe"

	"github.com/lenet5-go/lenet5/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Gorgonia's solvers (v0.9.18) keep their learning rate and their state
// (the per-parameter caches of momentum, RMSProp, AdaGrad and Adam, and
// Adam's step count) in unexported fields, with no way to read them or to
// change the rate after construction (WithLearnRate skips AdaGrad). A
// resumable checkpoint and a learning-rate schedule need both, so this
// file reaches the fields by reflection. It is tied to the pinned
// Gorgonia version; TestCheckpointRoundTrip and TestResumeEqualsUninterrupted
// fail if a new version moves the fields.

// field returns a settable view of s's unexported field name, or false.
func field(s G.Solver, name string) (reflect.Value, bool) {
	return structField(reflect.ValueOf(s), name)
}

// structField returns a settable view of the field name of the struct ptr
// points to, exported or not, or false.
func structField(ptr reflect.Value, name string) (reflect.Value, bool) {
	if ptr.Kind() != reflect.Pointer || ptr.IsNil() || ptr.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	f := ptr.Elem().FieldByName(name)
	if !f.IsValid() {
		return reflect.Value{}, false
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem(), true
}

// setLearnRate changes a solver's learning rate, keeping its state.
func setLearnRate(s G.Solver, lr float64) error {
	if lr <= 0 {
		return fmt.Errorf("learning rate %g must be positive", lr)
	}
	if setter, ok := s.(interface{ SetLearnRate(float64) }); ok {
		setter.SetLearnRate(lr)
		return nil
	}
	f, ok := field(s, "eta")
	if !ok || f.Kind() != reflect.Float64 {
		return fmt.Errorf("cannot set the learning rate of %T", s)
	}
	f.SetFloat(lr)
	return nil
}

// SolverState is what a solver carries from step to step: named tensors
// (per-parameter caches) and scalars (step counts).
type SolverState struct {
	Tensors map[string]graph.Tensor
	Scalars map[string]string
}

// Stateful is implemented by solvers that expose their own state (our
// SDLM will); Gorgonia's are read by reflection.
type Stateful interface {
	SolverState(params G.Nodes) (SolverState, error)
	SetSolverState(params G.Nodes, st SolverState) error
}

// solverState reads a solver's state for the given learnables (the order
// the solver's Step saw them in).
func solverState(s G.Solver, params G.Nodes) (SolverState, error) {
	if st, ok := s.(Stateful); ok {
		return st.SolverState(params)
	}
	out := SolverState{Tensors: map[string]graph.Tensor{}, Scalars: map[string]string{}}
	if f, ok := field(s, "iter"); ok && f.Kind() == reflect.Int {
		out.Scalars["iter"] = strconv.FormatInt(f.Int(), 10)
	}
	cache, ok := field(s, "cache")
	if !ok || cache.IsNil() {
		return out, nil // stateless (sgd) or not stepped yet
	}
	if cache.Len() != len(params) {
		return out, fmt.Errorf("solver holds state for %d parameters, the network has %d", cache.Len(), len(params))
	}
	for i := range cache.Len() {
		dv := cache.Index(i)
		if dv.IsNil() {
			continue
		}
		for slot, fname := range map[string]string{"value": "Value", "deriv": "d"} {
			f, ok := structField(dv, fname)
			if !ok {
				return out, fmt.Errorf("solver %T: its cache has no field %s (not Gorgonia v0.9.18?)", s, fname)
			}
			if f.IsNil() {
				continue
			}
			val, ok := f.Interface().(G.Value)
			if !ok {
				return out, fmt.Errorf("solver state of %s is a %T", params[i].Name(), f.Interface())
			}
			out.Tensors[solverPrefix+params[i].Name()+"."+slot] = valueTensor(val)
		}
	}
	return out, nil
}

// setSolverState restores a state read by solverState into a fresh solver
// of the same kind.
func setSolverState(s G.Solver, params G.Nodes, st SolverState) error {
	if sf, ok := s.(Stateful); ok {
		return sf.SetSolverState(params, st)
	}
	if v, ok := st.Scalars["iter"]; ok {
		f, ok := field(s, "iter")
		if !ok {
			return fmt.Errorf("checkpoint has a step count, but solver %T keeps none", s)
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("solver step count %q is not a count", v)
		}
		f.SetInt(n)
	}
	if len(st.Tensors) == 0 {
		return nil
	}
	cache, ok := field(s, "cache")
	if !ok {
		return fmt.Errorf("checkpoint has solver state, but solver %T keeps none", s)
	}
	slice := reflect.MakeSlice(cache.Type(), len(params), len(params))
	dvType := cache.Type().Elem().Elem()
	used := 0
	for i, p := range params {
		val, okV := st.Tensors[solverPrefix+p.Name()+".value"]
		der, okD := st.Tensors[solverPrefix+p.Name()+".deriv"]
		if !okV && !okD {
			continue
		}
		if !okV || !okD {
			return fmt.Errorf("solver state of %s is incomplete", p.Name())
		}
		dv := reflect.New(dvType)
		for fname, t := range map[string]graph.Tensor{"Value": val, "d": der} {
			v, err := tensorValue(t, p)
			if err != nil {
				return fmt.Errorf("solver state of %s: %w", p.Name(), err)
			}
			f, ok := structField(dv, fname)
			if !ok {
				return fmt.Errorf("solver %T: its cache has no field %s (not Gorgonia v0.9.18?)", s, fname)
			}
			f.Set(reflect.ValueOf(v))
		}
		slice.Index(i).Set(dv)
		used += 2
	}
	if used != len(st.Tensors) {
		return fmt.Errorf("checkpoint holds solver state for parameters the network does not have")
	}
	cache.Set(slice)
	return nil
}

// valueTensor copies a Gorgonia value into a Tensor.
func valueTensor(v G.Value) graph.Tensor {
	t := graph.Tensor{Shape: append([]int(nil), v.Shape()...)}
	switch d := v.Data().(type) {
	case []float32:
		t.Data = make([]float64, len(d))
		for i, x := range d {
			t.Data[i] = float64(x)
		}
	case []float64:
		t.Data = append([]float64(nil), d...)
	}
	return t
}

// tensorValue makes a dense tensor shaped and typed like parameter p.
func tensorValue(t graph.Tensor, p *G.Node) (*tensor.Dense, error) {
	if !tensor.Shape(t.Shape).Eq(p.Shape()) {
		return nil, fmt.Errorf("shape %v, want %v", t.Shape, p.Shape())
	}
	if p.Dtype() == tensor.Float32 {
		d := make([]float32, len(t.Data))
		for i, x := range t.Data {
			d[i] = float32(x)
		}
		return tensor.New(tensor.WithShape(t.Shape...), tensor.WithBacking(d)), nil
	}
	return tensor.New(tensor.WithShape(t.Shape...), tensor.WithBacking(append([]float64(nil), t.Data...))), nil
}
