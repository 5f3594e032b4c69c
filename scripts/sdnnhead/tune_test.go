package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/lenet5-go/lenet5/models"
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
	n, err := headNet(m)
	if err != nil {
		t.Fatal(err)
	}
	r, err := newS4Reader(m)
	if err != nil {
		t.Fatal(err)
	}
	s4 := slices.Clone([]int(r.net.S4.Shape()[1:]))
	r.vm.Close()
	u, err := newUpper(m, s4, 1e-4)
	if err != nil {
		t.Fatal(err)
	}
	defer u.vm.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	const T = 24
	e := &example{text: "37", t: T, s4: make([]float32, T*u.per)}
	for i := range e.s4 {
		e.s4[i] = float32(1.7 * math.Tanh(rng.NormFloat64()))
	}
	batch := []*example{e}
	loss := func() float64 {
		clear(u.dBuf)
		y, err := u.run(batch)
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
	if got := loss(); math.Abs(got-l0) > 1e-9*math.Abs(l0) {
		t.Fatalf("the loss is %v, tuneGrad said %v", got, l0)
	}
	for i, vg := range u.grads {
		node := u.net.Learnables()[i]
		w := node.Value().Data().([]float32)
		g, err := vg.Grad()
		if err != nil {
			t.Fatal(err)
		}
		grad := slices.Clone(g.Data().([]float32))
		// The three entries of largest gradient: float32 leaves the small
		// ones in rounding noise.
		idx := make([]int, len(grad))
		for k := range idx {
			idx[k] = k
		}
		slices.SortFunc(idx, func(a, b int) int { return cmpAbs(grad[b], grad[a]) })
		for _, k := range idx[:3] {
			const h = 1e-2
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
