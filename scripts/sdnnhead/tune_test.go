package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/lenet5-go/lenet5/models"
	G "gorgonia.org/gorgonia"
)

// The gradients -tune gives C5's and F6's weights are the finite
// differences of the CTC loss through the upper graph, the features and
// the head: the loss's weights (the head's gradient with respect to the
// distances) are right.
func TestTuneGradient(t *testing.T) {
	m, err := models.SDNN()
	if err != nil {
		t.Fatal(err)
	}
	for _, stage := range []string{"S4", "S2"} {
		t.Run(stage, func(t *testing.T) {
			n, err := headNet(m)
			if err != nil {
				t.Fatal(err)
			}
			r, err := newMapsReader(m, stage)
			if err != nil {
				t.Fatal(err)
			}
			in := r.shape()
			r.vm.Close()
			u, err := newUpper(m, stage, in, 1e-4)
			if err != nil {
				t.Fatal(err)
			}
			defer u.Close()
			rng := rand.New(rand.NewPCG(3, 4))
			const T = 24
			e := &example{text: "37", t: T, maps: make([]uint16, T*u.per)}
			for i := range e.maps {
				e.maps[i] = toBF16(float32(1.7 * math.Tanh(rng.NormFloat64())))
			}
			batch := []*example{e}
			// loss runs the training graph, whose weights are perturbed.
			loss := func() float64 {
				clear(u.dBuf)
				y, err := u.train.run(batch, u.per, func() error { return G.Let(u.dloss, u.dT) })
				if err != nil {
					t.Fatal(err)
				}
				acts := n.run(features(y))
				l, _, ok := ctc(logSoftmax(acts[len(acts)-1]), T, e.text)
				if !ok {
					t.Fatal("the number does not fit")
				}
				return l
			}
			l0, count, err := tuneGrad(u, n, batch)
			if err != nil || count != 1 {
				t.Fatalf("tuneGrad: %d numbers, %v", count, err)
			}
			grads := make([][]float32, len(u.grads))
			for i, vg := range u.grads {
				g, err := vg.Grad()
				if err != nil {
					t.Fatal(err)
				}
				grads[i] = slices.Clone(g.Data().([]float32))
			}
			if got := loss(); math.Abs(got-l0) > 1e-9*math.Abs(l0) {
				t.Fatalf("the loss is %v, tuneGrad said %v", got, l0)
			}
			for i, node := range u.train.net.Learnables() {
				w, grad := node.Value().Data().([]float32), grads[i]
				// The three entries of largest gradient: float32 leaves the
				// small ones in rounding noise.
				idx := make([]int, len(grad))
				for k := range idx {
					idx[k] = k
				}
				slices.SortFunc(idx, func(a, b int) int { return cmpAbs(grad[b], grad[a]) })
				for _, k := range idx[:3] {
					const h = 2e-3
					old := w[k]
					w[k] = old + h
					up := loss()
					w[k] = old - h
					down := loss()
					w[k] = old
					fd := (up - down) / (2 * h)
					if math.Abs(fd-float64(grad[k])) > 0.05*math.Abs(fd)+1e-3 {
						t.Errorf("%s[%d]: gradient %v, finite difference %v", node.Name(), k, grad[k], fd)
					}
				}
			}
		})
	}
}

// bfloat16 keeps 7 bits of mantissa after the leading 1: rounded to
// nearest, within 2^-8 of the value, relatively.
func TestBF16(t *testing.T) {
	for _, v := range []float32{0, 1, -1, 1.7159, -0.3333, 1e-3, 1 + 1.0/256, 1 + 3.0/512, -1.7159} {
		got := fromBF16(toBF16(v))
		if d := math.Abs(float64(got - v)); d > math.Abs(float64(v))/256 {
			t.Errorf("%v -> %v: off by %v", v, got, d)
		}
	}
	if got := fromBF16(toBF16(1 + 3.0/512)); got != 1+1.0/128 {
		t.Errorf("1+3/512 rounds to %v, want 1+1/128 (to nearest)", got)
	}
}

func cmpAbs(a, b float32) int {
	switch x, y := math.Abs(float64(a)), math.Abs(float64(b)); {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}
