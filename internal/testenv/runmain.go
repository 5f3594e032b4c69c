package testenv

import (
	"errors"
	"os"
	"os/exec"
	"testing"
)

// childEnv marks the copy of a test binary that RunMain starts.
const childEnv = "LENET5_TEST_RUN_MAIN"

// RunMain runs a command's main function as a child process of the test
// binary, the way a user's shell would: with args as os.Args and env added
// to the environment. It returns the child's combined output and its exit
// status. Call it first in the test: in the child it runs main and exits,
// so a main that exits non-zero is seen as a real exit status, not as a
// failed test.
func RunMain(t *testing.T, main func(), args []string, env ...string) (output string, status int) {
	t.Helper()
	if os.Getenv(childEnv) == "1" {
		os.Args = args
		main()
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$")
	cmd.Env = append(append(os.Environ(), childEnv+"=1"), env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	}
	t.Fatalf("running %s as a child process: %v", args[0], err)
	return "", -1
}
