package testenv

import (
	"fmt"
	"strings"
	"testing"
)

// recorder is a T that records what LookPath asked of it.
type recorder struct{ skipped, failed string }

func (r *recorder) Helper()                      {}
func (r *recorder) Skipf(f string, args ...any)  { r.skipped = fmt.Sprintf(f, args...) }
func (r *recorder) Fatalf(f string, args ...any) { r.failed = fmt.Sprintf(f, args...) }

func TestLookPath(t *testing.T) {
	const missing = "lenet5-no-such-program"
	tests := []struct {
		ci             string
		skip, fail     bool
		wantPathResult bool
		names          []string
	}{
		{ci: "", names: []string{missing}, skip: true},
		{ci: "false", names: []string{missing}, skip: true},
		{ci: "0", names: []string{missing}, skip: true},
		{ci: "1", names: []string{missing}, fail: true},
		{ci: "true", names: []string{missing, missing + "2"}, fail: true},
		{ci: "1", names: []string{missing, "go"}, wantPathResult: true},
		{ci: "", names: []string{"go"}, wantPathResult: true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("CI=%q/%s", tc.ci, strings.Join(tc.names, ",")), func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			var r recorder
			p := LookPath(&r, "The program", "apt-get install -y "+missing, tc.names...)
			if (r.skipped != "") != tc.skip || (r.failed != "") != tc.fail {
				t.Fatalf("skipped %q, failed %q; want skip %v, fail %v", r.skipped, r.failed, tc.skip, tc.fail)
			}
			if (p != "") != tc.wantPathResult {
				t.Fatalf("path %q, want found: %v", p, tc.wantPathResult)
			}
			for _, msg := range []string{r.skipped, r.failed} {
				if msg != "" && (!strings.Contains(msg, "apt-get install -y "+missing) || strings.Contains(msg, "\n")) {
					t.Errorf("message %q: want one line naming the install command", msg)
				}
			}
		})
	}
}

func TestMissing(t *testing.T) {
	for _, tc := range []struct{ ci, skipped, failed string }{
		{"", "python3 cannot import onnx: install it with `apt-get install -y python3-onnx` to run this test", ""},
		{"1", "", "python3 cannot import onnx: install it with `apt-get install -y python3-onnx`; CI is set, so this test must run"},
	} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			var r recorder
			Missing(&r, "python3 cannot import onnx", "apt-get install -y python3-onnx")
			if r.skipped != tc.skipped || r.failed != tc.failed {
				t.Errorf("skipped %q, failed %q; want %q, %q", r.skipped, r.failed, tc.skipped, tc.failed)
			}
		})
	}
}
