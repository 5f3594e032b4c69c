package f32

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// clamp64 is clamp in float64.
func clamp64(v, clip float64) float64 {
	if clip > 0 {
		v = math.Min(math.Max(v, -clip), clip)
	}
	return v
}

// solverCase is one update of every solver kernel on one vector length,
// with its float64 reference.
type solverCase struct {
	name string
	// run applies the kernel to w and the state vectors s.
	run func(w, g []float32, s [][]float32)
	// ref applies the reference to one value and its state.
	ref    func(w, g float64, s []float64) float64
	states int
}

func solverCases(lr, l2, clip float32) []solverCase {
	const mom, b1, b2, eps, rho = 0.9, 0.9, 0.999, 1e-6, 0.95
	c1, c2 := float32(1-math.Pow(b1, 3)), float32(1-math.Pow(b2, 3))
	lr64, l264, clip64 := float64(lr), float64(l2), float64(clip)
	return []solverCase{
		{"SGD", func(w, g []float32, _ [][]float32) { SGDStep(w, g, lr, l2, clip) },
			func(w, g float64, _ []float64) float64 { return w - lr64*clamp64(g+l264*w, clip64) }, 0},
		{"Momentum", func(w, g []float32, s [][]float32) { MomentumStep(w, g, s[0], lr, mom, l2, clip) },
			func(w, g float64, s []float64) float64 {
				s[0] = mom*s[0] - lr64*clamp64(g+l264*w, clip64)
				return w + s[0]
			}, 1},
		{"Adam", func(w, g []float32, s [][]float32) { AdamStep(w, g, s[0], s[1], lr, b1, b2, eps, c1, c2, l2, clip) },
			func(w, g float64, s []float64) float64 {
				gi := clamp64(g+l264*w, clip64)
				s[0] = b1*s[0] + (1-b1)*gi
				s[1] = b2*s[1] + (1-b2)*gi*gi
				return w - lr64*(s[0]/float64(c1))/(math.Sqrt(s[1]/float64(c2))+eps)
			}, 2},
		{"RMSProp", func(w, g []float32, s [][]float32) { RMSPropStep(w, g, s[0], lr, rho, eps, l2, clip) },
			func(w, g float64, s []float64) float64 {
				s[0] = rho*s[0] + (1-rho)*g*g
				return w - lr64*clamp64(g, clip64)/math.Sqrt(s[0]+eps) - l264*w
			}, 1},
		{"AdaGrad", func(w, g []float32, s [][]float32) { AdaGradStep(w, g, s[0], lr, eps, l2, clip) },
			func(w, g float64, s []float64) float64 {
				s[0] += g * g
				return w - lr64*clamp64(g, clip64)/math.Sqrt(s[0]+eps) - l264*w
			}, 1},
	}
}

func TestSolverSteps(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(9, 10))
		for _, hp := range []struct{ lr, l2, clip float32 }{{0.01, 0, 0}, {0.1, 1e-3, 0.5}, {0.5, 0.01, 0}} {
			for _, c := range solverCases(hp.lr, hp.l2, hp.clip) {
				for _, n := range lengths {
					name := fmt.Sprintf("%s lr=%g l2=%g clip=%g n=%d", c.name, hp.lr, hp.l2, hp.clip, n)
					w, g := randVec(r, n), randVec(r, n)
					states := make([][]float32, c.states)
					for i := range states {
						states[i] = randVec(r, n)
						if c.name != "Momentum" {
							for j := range states[i] {
								states[i][j] = float32(math.Abs(float64(states[i][j]))) // m may be negative, v and c not
							}
						}
					}
					if c.name == "Adam" {
						states[0] = randVec(r, n)
					}
					wantW := make([]float64, n)
					wantS := make([][]float64, c.states)
					for i := range wantS {
						wantS[i] = make([]float64, n)
					}
					gCopy := append([]float32(nil), g...)
					for j := range w {
						s := make([]float64, c.states)
						for i := range s {
							s[i] = float64(states[i][j])
						}
						wantW[j] = c.ref(float64(w[j]), float64(g[j]), s)
						for i := range s {
							wantS[i][j] = s[i]
						}
					}
					c.run(w, g, states)
					checkVec(t, name+": w", w, wantW, 1e-5)
					for i := range states {
						checkVec(t, fmt.Sprintf("%s: state %d", name, i), states[i], wantS[i], 1e-5)
					}
					for j := range g {
						if g[j] != gCopy[j] {
							t.Fatalf("%s: g[%d] changed from %v to %v", name, j, gCopy[j], g[j])
						}
					}
				}
			}
		}
	})
}

func ExampleSGDStep() {
	w := []float32{1, 2, 3}
	g := []float32{0.5, -4, 1}
	// lr 0.1, no L2 term, gradients clipped to [-1, 1].
	SGDStep(w, g, 0.1, 0, 1)
	fmt.Println(w)
	// Output: [0.95 2.1 2.9]
}
