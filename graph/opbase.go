package graph

import (
	"fmt"
	"hash"
	"hash/fnv"
	"runtime"
	"sync"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// float is the element type of every kernel: float32 for training and
// inference, float64 for gradient checks and golden comparisons.
type float interface{ ~float32 | ~float64 }

// tensorType returns the Gorgonia type of a tensor of dims dimensions
// whose element type is the type variable a.
func tensorType(dims int) hm.Type {
	if dims == 0 {
		return hm.TypeVariable('a')
	}
	return G.TensorType{Dims: dims, Of: hm.TypeVariable('a')}
}

// fnType builds an op's type from its argument and result dimensions.
func fnType(dims ...int) hm.Type {
	ts := make([]hm.Type, len(dims))
	for i, d := range dims {
		ts[i] = tensorType(d)
	}
	return hm.NewFnType(ts...)
}

// shapeOf reads input k's shape in InferShape.
func shapeOf(ds []G.DimSizer, k int) (tensor.Shape, error) {
	if k >= len(ds) {
		return nil, fmt.Errorf("graph: op expects at least %d inputs, got %d", k+1, len(ds))
	}
	s, ok := ds[k].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("graph: input %d has no shape (%T)", k, ds[k])
	}
	return s, nil
}

// hashOp gives an op's hash from its String, which every op makes unique
// to its parameters and to its instance (see opID).
func hashOp(h hash.Hash, op fmt.Stringer) { fmt.Fprint(h, op.String()) }

// hashcode is the Hashcode of an op from its String.
func hashcode(op fmt.Stringer) uint32 {
	h := fnv.New32a()
	hashOp(h, op)
	return h.Sum32()
}

// opIDs numbers op instances. Ops hold scratch buffers, so two nodes must
// never be merged into one op by Gorgonia's common-subexpression pass
// unless they are the very same instance; the id in the hash sees to it.
var (
	opIDMu sync.Mutex
	opIDs  uint64
)

func nextOpID() uint64 {
	opIDMu.Lock()
	defer opIDMu.Unlock()
	opIDs++
	return opIDs
}

// dense returns v as a dense tensor, materialising views, and checks its dtype.
func dense(v G.Value, what string) (*tensor.Dense, error) {
	t, ok := v.(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("graph: %s is a %T, want a dense tensor", what, v)
	}
	if t.IsView() || !t.IsNativelyAccessible() {
		m := t.Materialize()
		if t, ok = m.(*tensor.Dense); !ok {
			return nil, fmt.Errorf("graph: %s could not be materialised", what)
		}
	}
	return t, nil
}

// data returns the backing slice of a dense tensor as []T.
func data[T float](t *tensor.Dense) []T {
	switch d := t.Data().(type) {
	case []T:
		return d
	case T:
		return []T{d}
	}
	return nil
}

// scalarValue reads a scalar Value (the upstream gradient of a loss) as T.
func scalarValue[T float](v G.Value) (T, error) {
	switch s := v.(type) {
	case *G.F32:
		return T(float32(*s)), nil
	case *G.F64:
		return T(float64(*s)), nil
	case *tensor.Dense:
		if s.Size() == 1 {
			switch d := s.Data().(type) {
			case float32:
				return T(d), nil
			case float64:
				return T(d), nil
			case []float32:
				return T(d[0]), nil
			case []float64:
				return T(d[0]), nil
			}
		}
	}
	return 0, fmt.Errorf("graph: expected a scalar, got %T", v)
}

// newScalar wraps x as a Gorgonia scalar value of T's dtype.
func newScalar[T float](x T) G.Value {
	if _, ok := any(x).(float32); ok {
		return G.NewF32(float32(x))
	}
	return G.NewF64(float64(x))
}

// dtypeOf returns the tensor dtype of T.
func dtypeOf[T float]() tensor.Dtype {
	var z T
	if _, ok := any(z).(float32); ok {
		return tensor.Float32
	}
	return tensor.Float64
}

// buffer is an output or scratch buffer an op keeps across steps, so a
// training step does not allocate its intermediates again. Each op node
// owns its buffers; a node runs once per step, so its output is not
// overwritten before the step's consumers have read it.
type buffer struct {
	f32 []float32
	f64 []float64
	t   *tensor.Dense
}

// slice returns the buffer as n values of T, growing it when needed.
func bufferSlice[T float](b *buffer, n int) []T {
	var z T
	if _, ok := any(z).(float32); ok {
		if cap(b.f32) < n {
			b.f32 = make([]float32, n)
		}
		b.f32 = b.f32[:n]
		return any(b.f32).([]T)
	}
	if cap(b.f64) < n {
		b.f64 = make([]float64, n)
	}
	b.f64 = b.f64[:n]
	return any(b.f64).([]T)
}

// bufferTensor returns a tensor of the given shape backed by the buffer.
// The tensor header is reused when the shape and dtype are unchanged.
func bufferTensor[T float](b *buffer, shape ...int) (*tensor.Dense, []T) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	s := bufferSlice[T](b, n)
	if b.t != nil && b.t.Dtype() == dtypeOf[T]() && b.t.Shape().Eq(tensor.Shape(shape)) && len(data[T](b.t)) == n && &data[T](b.t)[0] == &s[0] {
		return b.t, s
	}
	b.t = tensor.New(tensor.WithShape(shape...), tensor.WithBacking(s))
	return b.t, s
}

// parallelFor runs fn over [0, n) split into at most workers contiguous
// chunks, one goroutine each, and waits. Worker w gets chunk w.
func parallelFor(n, workers int, fn func(w, lo, hi int)) {
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		if n > 0 {
			fn(0, 0, n)
		}
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(w, lo, hi)
		}()
	}
	wg.Wait()
}

// minParallelWork is the smallest job, in values or multiply-adds, worth
// splitting over goroutines: below it, starting and joining them costs
// about what they save (one image's C1 squash, 4,704 values, ran slower
// on two goroutines than on one).
const minParallelWork = 1 << 15

// workersFor returns workers, or 1 for a job smaller than minParallelWork.
func workersFor(work, workers int) int {
	if work < minParallelWork {
		return 1
	}
	return workers
}

// defaultWorkers is the number of goroutines an op splits a batch over.
func defaultWorkers() int { return runtime.GOMAXPROCS(0) }

// runOp is the Do of a layer op: it reads the first n inputs as dense
// tensors of one dtype and runs the float32 or float64 instance of the
// op's kernel wrapper on them.
func runOp[O any](vs []G.Value, n int, what string, op O, f32, f64 func(O, []*tensor.Dense) G.Value) (G.Value, error) {
	if len(vs) < n {
		return nil, fmt.Errorf("graph: %s takes %d inputs, got %d", what, n, len(vs))
	}
	in := make([]*tensor.Dense, n)
	for k := range in {
		d, err := dense(vs[k], fmt.Sprintf("%s input %d", what, k))
		if err != nil {
			return nil, err
		}
		if k > 0 && d.Dtype() != in[0].Dtype() {
			return nil, fmt.Errorf("graph: %s mixes dtypes %v and %v", what, in[0].Dtype(), d.Dtype())
		}
		in[k] = d
	}
	switch in[0].Dtype() {
	case tensor.Float32:
		return f32(op, in), nil
	case tensor.Float64:
		return f64(op, in), nil
	}
	return nil, fmt.Errorf("graph: %s of %v is not supported", what, in[0].Dtype())
}
