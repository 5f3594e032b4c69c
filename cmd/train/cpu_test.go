package main

import (
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/internal/testenv"
)

// TestCPUPathError runs the command with LENET5_CPU naming a path no CPU
// has: it must print the error and exit with status 2, not panic.
func TestCPUPathError(t *testing.T) {
	out, status := testenv.RunMain(t, main, []string{"train", "-h"}, "LENET5_CPU=avx1024")
	if status != exitUsage {
		t.Fatalf("exit status %d, want %d; output:\n%s", status, exitUsage, out)
	}
	want := `train: LENET5_CPU=avx1024: unknown path "avx1024" (want generic, avx2, avx512)`
	if got := strings.TrimSpace(out); got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}
