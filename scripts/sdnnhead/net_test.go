package main

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/read"
)

func randomInput(rng *rand.Rand, T int) [][graph.Classes]float64 {
	x := make([][graph.Classes]float64, T)
	for t := range x {
		for d := range graph.Classes {
			x[t][d] = 2 + rng.NormFloat64()
		}
	}
	return x
}

func testNet(rng *rand.Rand, hidden int) *net {
	var mean, scale [graph.Classes]float64
	for d := range graph.Classes {
		mean[d], scale[d] = 2, 1.5
	}
	return newNet(hidden, []int{7, 5}, mean, scale, rng)
}

// The gradients of the CTC loss are its finite differences, for every
// layer's weights and biases.
func TestGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	n := testNet(rng, 6)
	x := randomInput(rng, 12)
	for _, text := range []string{"3113", "7", "", "90"} {
		loss := func() float64 {
			acts := n.run(x)
			l, _, ok := ctc(logSoftmax(acts[len(acts)-1]), len(x), text)
			if !ok {
				t.Fatalf("%q does not fit in %d windows", text, len(x))
			}
			return l
		}
		// The analytic gradients, as step computes them, without the update.
		acts := n.run(x)
		_, d, _ := ctc(logSoftmax(acts[len(acts)-1]), len(x), text)
		for k := len(n.layers) - 1; k >= 0; k-- {
			if k < len(n.layers)-1 {
				for i, y := range acts[k+1] {
					if y <= 0 {
						d[i] = 0
					}
				}
			}
			l := n.layers[k]
			d = l.Backward(acts[k], d, len(x), l.gw, l.gb)
		}
		const h = 1e-6
		for k, l := range n.layers {
			for _, p := range []struct {
				name    string
				v, g    []float64
				indexes []int
			}{
				{"w", l.W, l.gw, []int{0, len(l.W) / 2, len(l.W) - 1}},
				{"b", l.B, l.gb, []int{0, len(l.B) - 1}},
			} {
				for _, i := range p.indexes {
					old := p.v[i]
					p.v[i] = old + h
					up := loss()
					p.v[i] = old - h
					down := loss()
					p.v[i] = old
					if num := (up - down) / (2 * h); math.Abs(num-p.g[i]) > 1e-5*math.Max(1, math.Abs(num)) {
						t.Errorf("%q: layer %d %s[%d]: finite difference %v, gradient %v", text, k, p.name, i, num, p.g[i])
					}
				}
			}
			clear(l.gw)
			clear(l.gb)
		}
	}
}

// collapse reads a path of labels as the character model does.
func collapse(path []int) (string, bool) {
	var text []byte
	prev := -1
	for _, k := range path {
		if k != prev && k != blank {
			text = append(text, byte('0'+k))
		}
		prev = k
	}
	return string(text), true
}

// P(text) is the sum over every path of labels that reads text, counted
// path by path.
func TestCTCByEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	const T = 4
	lp := make([]float64, T*classes)
	for i := range lp {
		lp[i] = rng.NormFloat64()
	}
	lp = logSoftmax(lp)
	for _, text := range []string{"", "5", "55", "12", "121", "1212", "3333"} {
		want := 0.0
		path := make([]int, T)
		var walk func(t int, logp float64)
		walk = func(t int, logp float64) {
			if t == T {
				if got, _ := collapse(path); got == text {
					want += math.Exp(logp)
				}
				return
			}
			for k := range classes {
				path[t] = k
				walk(t+1, logp+lp[t*classes+k])
			}
		}
		walk(0, 0)
		loss, _, ok := ctc(lp, T, text)
		if want == 0 {
			if ok {
				t.Errorf("%q: loss %v, want no path", text, loss)
			}
			continue
		}
		if !ok || math.Abs(math.Exp(-loss)-want) > 1e-12 {
			t.Errorf("%q: P %v (ok %v), want %v", text, math.Exp(-loss), ok, want)
		}
	}
}

// read computes the logits the trained head computes, after the head's
// trip through its JSON.
func TestSameAsReader(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	n := testNet(rng, 9)
	b, err := json.Marshal(n.head(1, 2, "test"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := read.ParseContext(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, T := range []int{1, 3, 40} {
		x := randomInput(rng, T)
		acts := n.run(x)
		want := acts[len(acts)-1]
		got := h.Logits(x)
		for tt := range T {
			for k := range classes {
				// The file holds float32s.
				if d := math.Abs(got[tt][k] - want[tt*classes+k]); d > 1e-4*math.Max(1, math.Abs(want[tt*classes+k])) {
					t.Fatalf("T %d window %d class %d: read %v, trained %v", T, tt, k, got[tt][k], want[tt*classes+k])
				}
			}
		}
	}
}

// Training lowers the loss of what it trains on.
func TestStepLearns(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	n := testNet(rng, 8)
	e := example{x: randomInput(rng, 20), text: "4711"}
	first, ok := n.step(e, 1e-2)
	if !ok {
		t.Fatal("no path")
	}
	last := first
	for range 50 {
		last, _ = n.step(e, 1e-2)
	}
	if !(last < first/2) {
		t.Errorf("loss %v after 50 steps, from %v", last, first)
	}
	if got := n.greedy(e.x); got != e.text {
		t.Errorf("read %q after training on it, want %q", got, e.text)
	}
}
