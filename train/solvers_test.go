package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// testParam is a parameter outside any graph: a weight tensor and its
// gradient, as a Solver sees them.
type testParam struct{ w, g *tensor.Dense }

func (p testParam) Value() G.Value         { return p.w }
func (p testParam) Grad() (G.Value, error) { return p.g, nil }
func (p testParam) weights() []float64     { return asFloat64(p.w.Data()) }
func (p testParam) setGrad(g []float64)    { setFloat64(p.g, g) }
func (p testParam) gradIsZero() bool {
	for _, v := range asFloat64(p.g.Data()) {
		if v != 0 {
			return false
		}
	}
	return true
}

func newTestParam(dt tensor.Dtype, shape ...int) testParam {
	return testParam{w: tensor.New(tensor.WithShape(shape...), tensor.Of(dt)), g: tensor.New(tensor.WithShape(shape...), tensor.Of(dt))}
}

func asFloat64(d any) []float64 {
	switch d := d.(type) {
	case []float32:
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(v)
		}
		return out
	case []float64:
		return append([]float64(nil), d...)
	}
	panic(fmt.Sprintf("data of %T", d))
}

func setFloat64(t *tensor.Dense, v []float64) {
	switch d := t.Data().(type) {
	case []float32:
		for i := range d {
			d[i] = float32(v[i])
		}
	case []float64:
		copy(d, v)
	}
}

// testShapes are the parameters the solvers step in these tests: a
// filter bank, a bias and a matrix, like LeNet-5's.
var testShapes = [][]int{{6, 1, 5, 5}, {6}, {84, 10}}

// newTestModel makes parameters of dtype dt with the weights of seed.
func newTestModel(dt tensor.Dtype, seed uint64) []testParam {
	r := rand.New(rand.NewPCG(seed, 1))
	ps := make([]testParam, len(testShapes))
	for i, sh := range testShapes {
		ps[i] = newTestParam(dt, sh...)
		w := make([]float64, ps[i].w.Size())
		for k := range w {
			w[k] = r.Float64()*2 - 1
		}
		setFloat64(ps[i].w, w)
	}
	return ps
}

func valueGrads(ps []testParam) []G.ValueGrad {
	out := make([]G.ValueGrad, len(ps))
	for i, p := range ps {
		out[i] = p
	}
	return out
}

// randomGrads draws one step's gradients: mostly in [-1, 1], some large,
// so a clip of 0.5 bites.
func randomGrads(r *rand.Rand) [][]float64 {
	out := make([][]float64, len(testShapes))
	for i, sh := range testShapes {
		n := 1
		for _, d := range sh {
			n *= d
		}
		out[i] = make([]float64, n)
		for k := range out[i] {
			out[i][k] = r.Float64()*2 - 1
			if r.IntN(10) == 0 {
				out[i][k] *= 5
			}
		}
	}
	return out
}

// runSteps steps s n times on a fresh model with the gradients of seed
// and returns the final weights.
func runSteps(t *testing.T, s G.Solver, dt tensor.Dtype, n int) [][]float64 {
	t.Helper()
	ps := newTestModel(dt, 7)
	r := rand.New(rand.NewPCG(8, 9))
	for range n {
		for i, g := range randomGrads(r) {
			ps[i].setGrad(g)
		}
		if err := s.Step(valueGrads(ps)); err != nil {
			t.Fatal(err)
		}
		for i, p := range ps {
			if !p.gradIsZero() {
				t.Fatalf("%T left parameter %d's gradient unzeroed", s, i)
			}
		}
	}
	out := make([][]float64, len(ps))
	for i, p := range ps {
		out[i] = p.weights()
	}
	return out
}

// assertClose fails unless every weight agrees within tol*(1+|want|).
func assertClose(t *testing.T, got, want [][]float64, tol float64) {
	t.Helper()
	worst := 0.0
	for i := range want {
		for k, w := range want[i] {
			d := math.Abs(got[i][k]-w) / (1 + math.Abs(w))
			if !(d <= tol) {
				t.Fatalf("parameter %d[%d] = %v, want %v (relative difference %.3g > %.3g)", i, k, got[i][k], w, d, tol)
			}
			worst = max(worst, d)
		}
	}
	t.Logf("largest relative difference %.3g", worst)
}

// solverSteps is how many steps the comparisons take.
const solverSteps = 40

// Our solvers take Gorgonia v0.9.18's steps on the same gradients, up to
// float rounding (ours fuse each update into one pass, Gorgonia's make a
// pass per operation), at float32 and float64, with and without L2 and
// clip where Gorgonia's solver applies them.
func TestSolversMatchGorgonia(t *testing.T) {
	const lr, l2, clip = 0.01, 0.05, 0.5
	tests := []struct {
		name   string
		ours   func() Solver
		theirs func() G.Solver
	}{
		{"sgd", func() Solver { return NewSGD(lr) },
			func() G.Solver { return G.NewVanillaSolver(G.WithLearnRate(lr)) }},
		{"sgd/l2+clip", func() Solver { return &SGD{Rate: lr, L2: l2, Clip: clip} },
			func() G.Solver { return G.NewVanillaSolver(G.WithLearnRate(lr), G.WithL2Reg(l2), G.WithClip(clip)) }},
		{"momentum", func() Solver { return NewMomentum(lr, 0.8) },
			func() G.Solver { return G.NewMomentum(G.WithLearnRate(lr), G.WithMomentum(0.8)) }},
		// Gorgonia's Momentum takes L2 of the velocity (see Momentum's
		// doc); TestSolversMatchFormulas covers ours with L2.
		{"momentum/clip", func() Solver { return &Momentum{Rate: lr, Momentum: 0.8, Clip: clip} },
			func() G.Solver { return G.NewMomentum(G.WithLearnRate(lr), G.WithMomentum(0.8), G.WithClip(clip)) }},
		{"adam", func() Solver { return NewAdam(lr) },
			func() G.Solver { return G.NewAdamSolver(G.WithLearnRate(lr)) }},
		{"adam/l2+clip+betas", func() Solver {
			s := NewAdam(lr)
			s.L2, s.Clip, s.Beta1, s.Beta2, s.Eps = l2, clip, 0.8, 0.99, 1e-6
			return s
		}, func() G.Solver {
			return G.NewAdamSolver(G.WithLearnRate(lr), G.WithL2Reg(l2), G.WithClip(clip), G.WithBeta1(0.8), G.WithBeta2(0.99), G.WithEps(1e-6))
		}},
		{"rmsprop", func() Solver { return NewRMSProp(lr) },
			func() G.Solver { return G.NewRMSPropSolver(G.WithLearnRate(lr)) }},
		{"rmsprop/l2+clip+rho", func() Solver {
			s := NewRMSProp(lr)
			s.L2, s.Clip, s.Rho, s.Eps = l2, clip, 0.9, 1e-6
			return s
		}, func() G.Solver {
			return G.NewRMSPropSolver(G.WithLearnRate(lr), G.WithL2Reg(l2), G.WithClip(clip), G.WithRho(0.9), G.WithEps(1e-6))
		}},
		// Gorgonia's AdaGrad takes neither L2 nor clip (nor a rate
		// through WithLearnRate: its default is 0.001).
		{"adagrad", func() Solver { return NewAdaGrad(0.001) },
			func() G.Solver { return G.NewAdaGradSolver() }},
	}
	for _, tc := range tests {
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			t.Run(tc.name+"/"+dt.String(), func(t *testing.T) {
				want := runSteps(t, tc.theirs(), dt, solverSteps)
				got := runSteps(t, tc.ours(), dt, solverSteps)
				tol := 1e-12
				if dt == tensor.Float32 {
					tol = 2e-5
				}
				assertClose(t, got, want, tol)
			})
		}
	}
}

// refSolver is a plain float64 statement of a solver's documented
// formulas, one parameter value at a time.
type refSolver struct {
	state [][2][]float64
	steps int
	step  func(w, g float64, st []float64, t int) float64 // returns the new w, updates st
}

func (r *refSolver) Step(model []G.ValueGrad) error {
	if r.state == nil {
		r.state = make([][2][]float64, len(model))
	}
	r.steps++
	for i, vg := range model {
		p := vg.(testParam)
		w, gv := p.weights(), asFloat64(p.g.Data())
		if r.state[i][0] == nil {
			r.state[i] = [2][]float64{make([]float64, len(w)), make([]float64, len(w))}
		}
		for k := range w {
			st := []float64{r.state[i][0][k], r.state[i][1][k]}
			w[k] = r.step(w[k], gv[k], st, r.steps)
			r.state[i][0][k], r.state[i][1][k] = st[0], st[1]
		}
		setFloat64(p.w, w)
		setFloat64(p.g, make([]float64, len(w)))
	}
	return nil
}

// Where Gorgonia's solvers do not apply an option (AdaGrad's L2 and clip,
// Momentum's L2 on the weights), ours follow their documented formulas.
func TestSolversMatchFormulas(t *testing.T) {
	const lr, l2, clip, mom, eps = 0.01, 0.05, 0.5, 0.8, 1e-6
	tests := []struct {
		name string
		ours func() Solver
		ref  func(w, g float64, st []float64, t int) float64
	}{
		{"momentum/l2+clip", func() Solver { return &Momentum{Rate: lr, Momentum: mom, L2: l2, Clip: clip} },
			func(w, g float64, st []float64, _ int) float64 {
				st[0] = mom*st[0] - lr*clamp64(g+l2*w, clip)
				return w + st[0]
			}},
		{"adagrad/l2+clip", func() Solver { return &AdaGrad{Rate: lr, Eps: eps, L2: l2, Clip: clip} },
			func(w, g float64, st []float64, _ int) float64 {
				st[0] += g * g
				return w - lr*clamp64(g, clip)/math.Sqrt(st[0]+eps) - l2*w
			}},
		{"adam/l2+clip", func() Solver {
			s := NewAdam(lr)
			s.L2, s.Clip = l2, clip
			return s
		}, func(w, g float64, st []float64, t int) float64 {
			g = clamp64(g+l2*w, clip)
			st[0] = 0.9*st[0] + 0.1*g
			st[1] = 0.999*st[1] + 0.001*g*g
			mh, vh := st[0]/(1-math.Pow(0.9, float64(t))), st[1]/(1-math.Pow(0.999, float64(t)))
			return w - lr*mh/(math.Sqrt(vh)+1e-8)
		}},
	}
	for _, tc := range tests {
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			t.Run(tc.name+"/"+dt.String(), func(t *testing.T) {
				want := runSteps(t, &refSolver{step: tc.ref}, tensor.Float64, solverSteps)
				got := runSteps(t, tc.ours(), dt, solverSteps)
				tol := 1e-12
				if dt == tensor.Float32 {
					tol = 2e-5
				}
				assertClose(t, got, want, tol)
			})
		}
	}
}
