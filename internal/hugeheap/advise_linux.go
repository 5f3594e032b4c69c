package hugeheap

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// thpControl is where Linux says when it gives transparent huge pages.
const thpControl = "/sys/kernel/mm/transparent_hugepage/enabled"

// ErrUnavailable is returned by Advise where the kernel gives no
// transparent huge pages.
var ErrUnavailable = errors.New("hugeheap: the kernel has no transparent huge pages")

// Advise makes the Go heap hold at least reserve bytes of mapped (not yet
// touched) memory, by allocating them once and dropping them, and advises
// the kernel that the mapping holding them may be backed by huge pages
// (MADV_HUGEPAGE). It returns that mapping. Call it first thing in main:
// the heap allocated before it stays in small pages.
func Advise(reserve int) (Mapping, error) {
	mode, err := os.ReadFile(thpControl)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return Mapping{}, ErrUnavailable
	case err != nil:
		return Mapping{}, fmt.Errorf("hugeheap: %w", err)
	case strings.Contains(string(mode), "[never]"):
		return Mapping{}, ErrUnavailable
	}
	if reserve < 1 {
		return Mapping{}, fmt.Errorf("hugeheap: reserve %d bytes, want at least 1", reserve)
	}
	m, err := mappingOfNewHeap(reserve)
	if err != nil {
		return Mapping{}, err
	}
	if m.Perms != "rw-p" {
		return Mapping{}, fmt.Errorf("hugeheap: the heap's mapping %#x-%#x is %s, not private read-write memory", m.Start, m.End, m.Perms)
	}
	if _, _, e := unix.Syscall(unix.SYS_MADVISE, m.Start, m.End-m.Start, unix.MADV_HUGEPAGE); e != 0 {
		return Mapping{}, fmt.Errorf("hugeheap: madvise %#x-%#x: %w", m.Start, m.End, e)
	}
	return m, nil
}

// mappingOfNewHeap allocates reserve bytes, finds the mapping in
// /proc/self/maps that holds them, and frees them again with one
// collection, so that what is allocated next reuses their pages (never
// touched, so not yet backed) instead of growing the heap past that
// mapping.
func mappingOfNewHeap(reserve int) (Mapping, error) {
	buf := make([]byte, reserve)
	defer runtime.GC()
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return Mapping{}, fmt.Errorf("hugeheap: %w", err)
	}
	defer f.Close()
	m, err := findMapping(f, uintptr(unsafe.Pointer(&buf[0])))
	runtime.KeepAlive(buf)
	if err != nil {
		return Mapping{}, fmt.Errorf("hugeheap: /proc/self/maps: %w", err)
	}
	return m, nil
}
