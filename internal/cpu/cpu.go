// Package cpu chooses, once per process, which kernels the module runs:
// the AVX-512 ones, the AVX2+FMA ones or the generic Go ones. It detects
// the CPU's features with golang.org/x/sys/cpu and takes the best path
// the CPU has, unless the environment variable LENET5_CPU asks for a
// lower one (avx512, avx2 or generic).
//
// Asking for a path the CPU lacks, or for an unknown one, is an error:
// Err reports it, and the kernels run on the best available path
// meanwhile, so library users keep working. Commands check Err first and
// exit with it.
//
// The variable is read once, as the process starts: before Go's test
// cache watches the environment, so a run of go test that changes it
// needs -count=1 to run the tests again.
package cpu

import (
	"fmt"
	"os"
	"strings"
)

// Path is a set of kernels.
type Path int

// The paths, from the slowest; a CPU that has a path has every lower one.
const (
	Generic Path = iota // pure Go, every architecture
	AVX2                // amd64 with AVX2 and FMA
	AVX512              // amd64 with AVX-512 F, DQ, BW and VL
)

// EnvVar is the environment variable that forces a lower path.
const EnvVar = "LENET5_CPU"

var names = [...]string{Generic: "generic", AVX2: "avx2", AVX512: "avx512"}

// String returns the path's name, as LENET5_CPU spells it.
func (p Path) String() string {
	if p < 0 || int(p) >= len(names) {
		return fmt.Sprintf("Path(%d)", int(p))
	}
	return names[p]
}

// ParsePath returns the path named s.
func ParsePath(s string) (Path, error) {
	for p, n := range names {
		if s == n {
			return Path(p), nil
		}
	}
	return Generic, fmt.Errorf("unknown path %q (want %s)", s, strings.Join(names[:], ", "))
}

var (
	best    = detect()
	current Path
	envErr  error
)

func init() { current, envErr = choose(os.Getenv(EnvVar), best) }

// choose returns the path env asks for, or best when env is empty; when
// env asks for a path the CPU lacks, it returns best and the error.
func choose(env string, best Path) (Path, error) {
	if env == "" {
		return best, nil
	}
	p, err := ParsePath(env)
	if err != nil {
		return best, fmt.Errorf("%s=%s: %w", EnvVar, env, err)
	}
	if p > best {
		return best, fmt.Errorf("%s=%s: this CPU has no %s (best path: %s)", EnvVar, env, p, best)
	}
	return p, nil
}

// Best returns the best path this CPU has.
func Best() Path { return best }

// Current returns the path the kernels run.
func Current() Path { return current }

// Err returns the error of LENET5_CPU (an unknown path, or one this CPU
// lacks), or nil. When it is not nil the kernels run on Best.
func Err() error { return envErr }

// Available lists the paths this CPU has, from the slowest.
func Available() []Path {
	ps := make([]Path, 0, best+1)
	for p := Generic; p <= best; p++ {
		ps = append(ps, p)
	}
	return ps
}

// SetForTesting makes the kernels run p until the returned function is
// called; it panics if the CPU lacks p. Only tests call it, never in
// parallel with kernels: the kernels read the path on every call, but
// structures built for one path (the graph's fan kernels) keep it.
func SetForTesting(p Path) (restore func()) {
	if p < Generic || p > best {
		panic(fmt.Sprintf("cpu: this CPU has no %s", p))
	}
	old := current
	current = p
	return func() { current = old }
}
