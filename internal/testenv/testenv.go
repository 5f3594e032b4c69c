// Package testenv lets a test use a program from outside Go's module proxy
// (a browser, an interpreter) the same way everywhere: on a developer's
// machine without the program the test skips with one line saying what to
// install; in CI (the environment variable CI set and not "false" or "0")
// it fails instead, so a missing program never hides a test there. RunMain
// runs a command's main function in a child process, to test its exit
// status and output.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// T is the part of testing.TB that LookPath and Missing use.
type T interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// InCI reports whether the environment variable CI asks for a CI run: set,
// and neither empty, "0" nor "false".
func InCI() bool {
	v := strings.ToLower(strings.TrimSpace(os.Getenv("CI")))
	return v != "" && v != "0" && v != "false"
}

// LookPath returns the path of the first of names found on PATH. When none
// is, it skips t, or fails it under CI, with one line naming the program
// (what, e.g. "Chromium") and the command that installs it (install, e.g.
// "apt-get install -y chromium").
func LookPath(t T, what, install string, names ...string) string {
	t.Helper()
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	Missing(t, fmt.Sprintf("%s not on PATH (looked for %s)", what, strings.Join(names, ", ")), install)
	return ""
}

// Missing skips t, or fails it under CI, with one line saying what is
// missing (e.g. "python3 cannot import onnx") and the command that
// installs it.
func Missing(t T, what, install string) {
	t.Helper()
	msg := fmt.Sprintf("%s: install it with `%s`", what, install)
	if InCI() {
		t.Fatalf("%s; CI is set, so this test must run", msg)
	} else {
		t.Skipf("%s to run this test", msg)
	}
}
