package data

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// FuzzReadIDX feeds arbitrary bytes to ReadIDX: it must never panic, must
// name the file in every error, on success return exactly the data its
// dimensions describe, and give the same answer whether it knows the
// size (and allocates once) or reads a plain stream.
func FuzzReadIDX(f *testing.F) {
	images := idxBytes(idxUint8, []uint32{2, 28, 28}, digitsPayload(2))
	f.Add(images)
	f.Add(gzipped(images))
	f.Add(idxBytes(idxUint8, []uint32{5}, []byte{1, 2, 3, 4, 5}))
	f.Add(gzipped(idxBytes(idxUint8, []uint32{5}, []byte{1, 2, 3, 4, 5})))
	f.Add(idxBytes(idxUint8, []uint32{4294967295, 28, 28}, digitsPayload(1)))
	f.Add(idxBytes(idxFloat64, []uint32{1}, make([]byte, 8)))
	f.Add(images[:100])
	f.Add(gzipped(images)[:40])
	f.Add([]byte{})
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, file []byte) {
		idx, err := ReadIDX(bytes.NewReader(file), "fuzz.idx")
		sidx, serr := ReadIDX(struct{ io.Reader }{bytes.NewReader(file)}, "fuzz.idx")
		if (err == nil) != (serr == nil) || (err != nil && err.Error() != serr.Error()) {
			t.Fatalf("sized read: %v; stream read: %v", err, serr)
		}
		if err == nil && !bytes.Equal(idx.Data, sidx.Data) {
			t.Fatal("sized and stream reads differ")
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.idx: ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		n := 1
		for _, d := range idx.Dims {
			n *= d
		}
		if len(idx.Data) != n {
			t.Fatalf("dims %v but %d bytes of data", idx.Dims, len(idx.Data))
		}
	})
}
