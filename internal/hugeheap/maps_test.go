package hugeheap

import (
	"strings"
	"testing"
)

const sampleMaps = `00400000-004ac000 r-xp 00000000 fe:00 9978781                            /tmp/exe
004ac000-0058f000 r--p 000ac000 fe:00 9978781                            /tmp/exe
2da89c000000-2da89e400000 ---p 00000000 00:00 0 
2da89e400000-2da89e800000 rw-p 00000000 00:00 0 
7fef38f60000-7fef39100000 rw-p 00000000 00:00 0 
7ffd1c3e2000-7ffd1c403000 rw-p 00000000 00:00 0                          [stack]
`

func TestFindMapping(t *testing.T) {
	tests := []struct {
		name  string
		maps  string
		p     uintptr
		want  Mapping
		error string
	}{
		{"heap", sampleMaps, 0x2da89e5a6070, Mapping{0x2da89e400000, 0x2da89e800000, "rw-p"}, ""},
		{"first byte", sampleMaps, 0x00400000, Mapping{0x00400000, 0x004ac000, "r-xp"}, ""},
		{"end is outside", sampleMaps, 0x2da89e800000, Mapping{}, "no mapping holds"},
		{"reserved, no access", sampleMaps, 0x2da89c000001, Mapping{0x2da89c000000, 0x2da89e400000, "---p"}, ""},
		{"nothing", sampleMaps, 0x1000, Mapping{}, "no mapping holds"},
		{"empty", "", 0x1000, Mapping{}, "no mapping holds"},
		{"one field", "00400000-004ac000\n", 0x400000, Mapping{}, "1 fields"},
		{"no dash", "00400000 r-xp\n", 0x400000, Mapping{}, "has no '-'"},
		{"not hex", "0040000g-004ac000 r-xp\n", 0x400000, Mapping{}, "invalid syntax"},
		{"empty range", "004ac000-00400000 r-xp\n", 0x400000, Mapping{}, "empty range"},
		{"long line", "00400000-004ac000 r-xp " + strings.Repeat("x", maxMapsLine), 0x400000, Mapping{}, "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := findMapping(strings.NewReader(tt.maps), tt.p)
			if tt.error != "" {
				if err == nil || !strings.Contains(err.Error(), tt.error) {
					t.Fatalf("error %v, want one with %q", err, tt.error)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func FuzzFindMapping(f *testing.F) {
	f.Add(sampleMaps, uint64(0x2da89e5a6070))
	f.Add("0-1 rw-p\n", uint64(0))
	f.Fuzz(func(t *testing.T, maps string, p uint64) {
		m, err := findMapping(strings.NewReader(maps), uintptr(p))
		if err == nil && (uintptr(p) < m.Start || uintptr(p) >= m.End) {
			t.Fatalf("mapping %+v does not hold %#x", m, p)
		}
	})
}
