package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestCPUPathError runs the command with LENET5_CPU naming a path no CPU
// has: it must print the error and exit with status 2, not panic.
func TestCPUPathError(t *testing.T) {
	if os.Getenv("LENET5_TEST_RUN_MAIN") == "1" {
		os.Args = []string{"infer", "-h"}
		main()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCPUPathError$")
	cmd.Env = append(os.Environ(), "LENET5_TEST_RUN_MAIN=1", "LENET5_CPU=avx1024")
	out, err := cmd.CombinedOutput()
	exit, ok := err.(*exec.ExitError)
	if !ok || exit.ExitCode() != exitUsage {
		t.Fatalf("exit: %v, want status %d; output:\n%s", err, exitUsage, out)
	}
	want := `infer: LENET5_CPU=avx1024: unknown path "avx1024" (want generic, avx2, avx512)`
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}
