package demo

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/internal/activations"
	"github.com/lenet5-go/lenet5/modelfile"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// RoundedJSON writes values with at most 3 decimals, as valid JSON.
func TestRoundedJSON(t *testing.T) {
	tests := []struct {
		in   []float64
		want string
	}{
		{nil, "[]"},
		{[]float64{0, math.Copysign(0, -1), 1, -1.7159, 0.1, 1.175, -0.0004, 0.0005, -0.0005, 0.02, 123.4567, 1e-9, -1e6, 1e300},
			"[0,0,1,-1.716,0.1,1.175,0,0.001,-0.001,0.02,123.457,0,-1000000,1e+300]"},
	}
	for _, tc := range tests {
		b, err := RoundedJSON(tc.in).MarshalJSON()
		if err != nil || string(b) != tc.want {
			t.Errorf("%v: %s (%v), want %s", tc.in, b, err, tc.want)
		}
		var back []float64
		if err := json.Unmarshal(b, &back); err != nil || len(back) != len(tc.in) {
			t.Errorf("%s is not a JSON list of %d numbers: %v", b, len(tc.in), err)
		}
		for k, v := range back {
			if math.Abs(v-tc.in[k]) > 5e-4*max(1, math.Abs(tc.in[k])*1e-12) && math.Abs(v-tc.in[k]) > 5e-4 {
				t.Errorf("%v written as %v", tc.in[k], v)
			}
		}
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1)} {
		if _, err := (RoundedJSON{1, bad}).MarshalJSON(); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

// The answer written in one pass is byte for byte what encoding/json
// writes for the same struct.
func TestAnswerJSONAsEncodingJSON(t *testing.T) {
	f := loadShipped(t)
	mod, m := f.digits, f.mnist
	g := G.NewGraph()
	softmax, err := graph.New(graph.NewInput(g, tensor.Float32, 1), graph.WithHead(graph.Softmax), graph.WithSeed(3))
	if err != nil {
		t.Fatal(err)
	}
	for _, mod := range []*modelfile.Model{mod, modelfile.FromNet(softmax, nil)} {
		t.Run(mod.Head.String(), func(t *testing.T) {
			net, err := activations.New(mod)
			if err != nil {
				t.Fatal(err)
			}
			defer net.Close()
			act, err := net.Run(m.Test.Image(5))
			if err != nil {
				t.Fatal(err)
			}
			p := NewPrediction(act)
			fast, err := p.AppendJSON(nil)
			if err != nil {
				t.Fatal(err)
			}
			slow, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(fast, slow) {
				t.Fatalf("AppendJSON and encoding/json differ:\n%.300s\n%.300s", fast, slow)
			}
		})
	}
}
