package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestBrowserDemoWithoutChromium runs TestBrowserDemo in a child process (this
// test binary, -test.run) whose PATH holds no Chromium: without CI it must
// skip with one line naming the package to install, with CI=1 it must fail.
func TestBrowserDemoWithoutChromium(t *testing.T) {
	if os.Getenv("LENET5_BROWSER_CHILD") != "" {
		t.Skip("child process")
	}
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, ci string
		wantFail bool
	}{
		{"without CI", "", false},
		{"CI=1", "1", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, "-test.run=^TestBrowserDemo$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), "PATH="+t.TempDir(), "CI="+tc.ci, "LENET5_BROWSER_CHILD=1")
			out, err := cmd.CombinedOutput()
			failed := err != nil
			if _, ok := err.(*exec.ExitError); err != nil && !ok {
				t.Fatalf("running %s: %v", bin, err)
			}
			if failed != tc.wantFail {
				t.Fatalf("failed: %v, want %v; output:\n%s", failed, tc.wantFail, out)
			}
			var note []string
			for _, line := range strings.Split(string(out), "\n") {
				if strings.Contains(line, "apt-get install -y chromium") {
					note = append(note, line)
				}
			}
			if len(note) != 1 {
				t.Fatalf("want exactly one line naming `apt-get install -y chromium`, got %d; output:\n%s", len(note), out)
			}
			want := "--- SKIP: TestBrowserDemo"
			if tc.wantFail {
				want = "--- FAIL: TestBrowserDemo"
			}
			if !strings.Contains(string(out), want) {
				t.Fatalf("output lacks %q:\n%s", want, out)
			}
			t.Logf("%s: %s", tc.name, strings.TrimSpace(note[0]))
		})
	}
}
