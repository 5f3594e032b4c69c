package cpu

import (
	"fmt"
	"strings"
	"testing"
)

func TestChoose(t *testing.T) {
	tests := []struct {
		env     string
		best    Path
		want    Path
		wantErr string
	}{
		{"", AVX512, AVX512, ""},
		{"", Generic, Generic, ""},
		{"avx512", AVX512, AVX512, ""},
		{"avx2", AVX512, AVX2, ""},
		{"generic", AVX512, Generic, ""},
		{"generic", Generic, Generic, ""},
		{"avx2", AVX2, AVX2, ""},
		{"avx512", AVX2, AVX2, "LENET5_CPU=avx512: this CPU has no avx512 (best path: avx2)"},
		{"avx2", Generic, Generic, "this CPU has no avx2"},
		{"sse", AVX512, AVX512, `LENET5_CPU=sse: unknown path "sse" (want generic, avx2, avx512)`},
		{"AVX2", AVX2, AVX2, "unknown path"},
	}
	for _, tt := range tests {
		got, err := choose(tt.env, tt.best)
		if got != tt.want {
			t.Errorf("choose(%q, %s) = %s, want %s", tt.env, tt.best, got, tt.want)
		}
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("choose(%q, %s): unexpected error %v", tt.env, tt.best, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("choose(%q, %s): error %v, want one containing %q", tt.env, tt.best, err, tt.wantErr)
		}
	}
}

func TestSetForTesting(t *testing.T) {
	old := Current()
	for _, p := range Available() {
		restore := SetForTesting(p)
		if Current() != p {
			t.Errorf("after SetForTesting(%s), Current() = %s", p, Current())
		}
		restore()
		if Current() != old {
			t.Errorf("after restore, Current() = %s, want %s", Current(), old)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("SetForTesting beyond Best did not panic")
		}
	}()
	SetForTesting(Best() + 1)
}

func TestParsePath(t *testing.T) {
	for _, p := range []Path{Generic, AVX2, AVX512} {
		got, err := ParsePath(p.String())
		if err != nil || got != p {
			t.Errorf("ParsePath(%q) = %s, %v", p.String(), got, err)
		}
	}
}

func ExampleAvailable() {
	// Every CPU has the generic path.
	fmt.Println(Available()[0])
	// Output: generic
}
