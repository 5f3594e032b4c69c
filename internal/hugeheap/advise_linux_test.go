package hugeheap

import (
	"errors"
	"os"
	"strings"
	"testing"
	"unsafe"
)

// TestAdvise checks the fact Advise relies on: the heap allocated after
// it lies in the mapping it advised, and the kernel has recorded the
// advice there (the mapping's VmFlags in /proc/self/smaps hold "hg"). A
// runtime that put the heap somewhere else, or in many small mappings,
// fails it.
func TestAdvise(t *testing.T) {
	m, err := Advise(32 << 20)
	if errors.Is(err, ErrUnavailable) {
		t.Skipf("%v (%s)", err, thpControl)
	}
	if err != nil {
		t.Fatal(err)
	}
	if m.End-m.Start < 32<<20 {
		t.Errorf("advised %#x-%#x, %d bytes, less than the 32 MB reserved", m.Start, m.End, m.End-m.Start)
	}
	// What a command allocates next: many small blocks and a few large ones.
	var keep [][]byte
	for i := range 4000 {
		size := 1 << 10
		if i%1000 == 0 {
			size = 1 << 20
		}
		b := make([]byte, size)
		keep = append(keep, b)
		if p := uintptr(unsafe.Pointer(&b[0])); p < m.Start || p >= m.End {
			t.Fatalf("allocation %d at %#x, outside the advised mapping %#x-%#x", i, p, m.Start, m.End)
		}
	}
	flags := vmFlags(t, m.Start)
	if !strings.Contains(" "+flags+" ", " hg ") {
		if emulator := userModeEmulator(t); emulator != "" {
			t.Skipf("under the user-mode emulator %s, which passes no madvise advice on to the kernel (VmFlags %q)", emulator, flags)
		}
		t.Errorf("the advised mapping's VmFlags are %q, without hg (MADV_HUGEPAGE)", flags)
	}
	_ = keep
}

// userModeEmulator returns the file of a program mapped into this process
// that /proc/self/maps does not show, or "" when there is none. A
// user-mode emulator such as qemu-aarch64-static (CI's arm64 tests)
// answers /proc/self/maps for the program it runs but not
// /proc/self/smaps, which the kernel answers with the emulator's own
// mappings; and it passes no MADV_HUGEPAGE on.
func userModeEmulator(t *testing.T) string {
	t.Helper()
	files := func(name string) map[string]bool {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) == 6 && strings.Contains(f[0], "-") && strings.HasPrefix(f[5], "/") {
				seen[f[5]] = true
			}
		}
		return seen
	}
	shown := files("/proc/self/maps")
	for file := range files("/proc/self/smaps") {
		if !shown[file] {
			return file
		}
	}
	return ""
}

// vmFlags returns the VmFlags line of the mapping starting at start in
// /proc/self/smaps.
func vmFlags(t *testing.T, start uintptr) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			m, err := findMapping(strings.NewReader(line), start)
			in = err == nil && m.Start == start
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmFlags:"))
		}
	}
	t.Fatalf("no mapping starting at %#x in /proc/self/smaps", start)
	return ""
}

func TestAdviseRejectsNoReserve(t *testing.T) {
	_, err := Advise(0)
	if errors.Is(err, ErrUnavailable) {
		t.Skipf("%v", err)
	}
	if err == nil {
		t.Fatal("Advise(0) gave no error")
	}
}
