package graph

import "testing"

func TestMargins(t *testing.T) {
	row := func(vals ...float64) []float64 { return append(vals, make([]float64, Classes-len(vals))...) }
	tests := []struct {
		name    string
		head    Head
		outputs []float64
		want    []float64
	}{
		// RBF: second-smallest minus smallest distance; a tie gives 0.
		{"rbf", RBF, []float64{5, 1, 9, 4, 7, 8, 9, 9, 9, 9, 3, 3, 9, 9, 9, 9, 9, 9, 9, 9}, []float64{3, 0}},
		{"softmax", Softmax, append(row(2, -1, 7.5), row(0.5)...), []float64{5.5, 0.5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Margins(tc.head, tc.outputs)
			if len(got) != len(tc.want) {
				t.Fatalf("%v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("margin %d = %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
}
