package main

import "testing"

func TestHasEqualNeighbours(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"", false},
		{"7", false},
		{"1998", true},
		{"1989", false},
		{"11", true},
		{"12345678", false},
		{"12345677", true},
	} {
		if got := hasEqualNeighbours(tc.text); got != tc.want {
			t.Errorf("hasEqualNeighbours(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}
