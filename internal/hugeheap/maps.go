package hugeheap

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxMapsLine bounds a line of /proc/self/maps: an address range,
// permissions, offset, device, inode and a path of at most PATH_MAX.
const maxMapsLine = 8 << 10

// Mapping is one line of /proc/self/maps: the addresses [Start, End).
type Mapping struct {
	Start, End uintptr
	// Perms is the permissions column, for example "rw-p".
	Perms string
}

// findMapping returns the mapping of the maps listing r (the format of
// /proc/self/maps) that holds address p.
func findMapping(r io.Reader, p uintptr) (Mapping, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 512), maxMapsLine)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			return Mapping{}, fmt.Errorf("maps line %d: %d fields, want at least 2", line, len(fields))
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			return Mapping{}, fmt.Errorf("maps line %d: address range %q has no '-'", line, fields[0])
		}
		start, err := strconv.ParseUint(lo, 16, 64)
		if err != nil {
			return Mapping{}, fmt.Errorf("maps line %d: %w", line, err)
		}
		end, err := strconv.ParseUint(hi, 16, 64)
		if err != nil {
			return Mapping{}, fmt.Errorf("maps line %d: %w", line, err)
		}
		if end <= start {
			return Mapping{}, fmt.Errorf("maps line %d: empty range %s", line, fields[0])
		}
		if uint64(p) >= start && uint64(p) < end {
			return Mapping{Start: uintptr(start), End: uintptr(end), Perms: fields[1]}, nil
		}
	}
	if err := sc.Err(); err != nil {
		return Mapping{}, fmt.Errorf("maps: %w", err)
	}
	return Mapping{}, fmt.Errorf("maps: no mapping holds %#x", p)
}
