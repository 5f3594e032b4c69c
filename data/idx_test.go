package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// idxBytes builds an IDX file: element type code, dimensions, payload.
func idxBytes(typ byte, dims []uint32, payload []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, typ, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(payload)
	return b.Bytes()
}

// gzipped compresses b as one gzip member.
func gzipped(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// digitsPayload returns n 28x28 images with a distinct byte pattern.
func digitsPayload(n int) []byte {
	p := make([]byte, n*ImageSize)
	for i := range p {
		p[i] = byte(i * 7)
	}
	return p
}

func TestReadIDXValid(t *testing.T) {
	images := idxBytes(idxUint8, []uint32{3, 28, 28}, digitsPayload(3))
	labels := idxBytes(idxUint8, []uint32{4}, []byte{0, 9, 3, 1})
	tests := []struct {
		name string
		file []byte
		dims []int
	}{
		{"raw images", images, []int{3, 28, 28}},
		{"gzipped images", gzipped(images), []int{3, 28, 28}},
		{"raw labels", labels, []int{4}},
		{"gzipped labels", gzipped(labels), []int{4}},
		{"zero images", idxBytes(idxUint8, []uint32{0, 28, 28}, nil), []int{0, 28, 28}},
	}
	for _, tc := range tests {
		for _, rd := range readerKinds {
			t.Run(tc.name+"/"+rd.name, func(t *testing.T) {
				idx, err := ReadIDX(rd.open(tc.file), tc.name)
				if err != nil {
					t.Fatalf("ReadIDX: %v", err)
				}
				if len(idx.Dims) != len(tc.dims) {
					t.Fatalf("dims %v, want %v", idx.Dims, tc.dims)
				}
				want := 1
				for i, d := range tc.dims {
					if idx.Dims[i] != d {
						t.Fatalf("dims %v, want %v", idx.Dims, tc.dims)
					}
					want *= d
				}
				if len(idx.Data) != want || cap(idx.Data) != want {
					t.Fatalf("data len %d cap %d, want %d", len(idx.Data), cap(idx.Data), want)
				}
				raw := tc.file
				if raw[0] == 0x1f {
					zr, _ := gzip.NewReader(bytes.NewReader(raw))
					var b bytes.Buffer
					b.ReadFrom(zr)
					raw = b.Bytes()
				}
				if !bytes.Equal(idx.Data, raw[4+4*len(tc.dims):]) {
					t.Fatal("data differs from the file's payload")
				}
			})
		}
	}
}

// readerKinds are the two ways ReadIDX reads: from a reader whose size it
// knows (allocating once) and from a plain stream (growing its buffer).
var readerKinds = []struct {
	name string
	open func([]byte) io.Reader
}{
	{"sized", func(b []byte) io.Reader { return bytes.NewReader(b) }},
	{"stream", func(b []byte) io.Reader { return struct{ io.Reader }{bytes.NewReader(b)} }},
}

func TestReadIDXBroken(t *testing.T) {
	const name = "t10k-images-idx3-ubyte.gz"
	images := idxBytes(idxUint8, []uint32{10, 28, 28}, digitsPayload(10))
	zimages := gzipped(images)
	zheader := gzipped(images[:10]) // the magic and 6 bytes of dimensions; without its 8-byte trailer below
	corrupt := append([]byte(nil), zimages...)
	corrupt[len(corrupt)/2] ^= 0xff
	badCRC := append([]byte(nil), zimages...)
	badCRC[len(badCRC)-6] ^= 0xff // inside the CRC-32 of the trailer
	tests := []struct {
		name string
		file []byte
		want string // a piece of the message
	}{
		{"empty", nil, "empty file"},
		{"wrong magic", append([]byte("PK\x03\x04"), images[4:]...), "not an IDX file"},
		{"float elements", idxBytes(idxFloat32, []uint32{1, 28, 28}, make([]byte, 4*ImageSize)), "0x0d (float32) is not supported"},
		{"no dimensions", idxBytes(idxUint8, nil, nil), "declares 0 dimensions"},
		{"too many dimensions", idxBytes(idxUint8, make([]uint32, 9), nil), "declares 9 dimensions"},
		{"short magic", []byte{0, 0}, "inside the 4-byte IDX magic"},
		{"truncated header", images[:10], "file ends inside the IDX header"},
		{"truncated data", images[:len(images)-100], "header says 10 images of 28x28 (7840 bytes) but file holds 7740 bytes"},
		{"truncated gzip", zimages[:len(zimages)/2], "breaks off"},
		{"gzip cut in the magic", zimages[:10], "compressed stream breaks off after 0 bytes, inside the 4-byte IDX magic"},
		{"gzip cut in the header", zheader[:len(zheader)-8], "compressed stream breaks off inside the IDX header: 3 dimensions need 12 bytes, found 6"},
		{"truncated gzip trailer", zimages[:len(zimages)-4], "breaks off"},
		{"corrupt gzip", corrupt, "corrupt gzip stream"},
		{"gzip checksum", badCRC, "corrupt gzip stream"},
		{"broken gzip header", []byte{0x1f, 0x8b, 1, 2, 3}, "broken gzip header"},
		{"trailing bytes", append(append([]byte(nil), images...), 1, 2, 3), "3 more bytes after them"},
		{"billions of images", idxBytes(idxUint8, []uint32{4294967295, 28, 28}, digitsPayload(10000)),
			"header says 4294967295 images of 28x28 but file holds 7840000 bytes"},
		{"billions of images gzipped", gzipped(idxBytes(idxUint8, []uint32{4294967295, 28, 28}, digitsPayload(10))),
			"header says 4294967295 images of 28x28 but file holds 7840 bytes"},
		{"overflowing product", idxBytes(idxUint8, []uint32{0xffffffff, 0xffffffff, 0xffffffff}, nil), "but file holds 0 bytes"},
	}
	for _, tc := range tests {
		for _, rd := range readerKinds {
			t.Run(tc.name+"/"+rd.name, func(t *testing.T) {
				idx, err := ReadIDX(rd.open(tc.file), name)
				if err == nil {
					t.Fatalf("no error; got dims %v", idx.Dims)
				}
				if !strings.HasPrefix(err.Error(), name+": ") {
					t.Errorf("error %q does not start with the file name", err)
				}
				if !strings.Contains(err.Error(), tc.want) {
					t.Errorf("error %q does not say %q", err, tc.want)
				}
				var ferr *FormatError
				if !errors.As(err, &ferr) {
					t.Errorf("error %q is not a *FormatError", err)
				}
			})
		}
	}
}

// A header that claims nearly the limit must not make the reader allocate
// it when the file holds a few bytes, raw or gzipped, sized or streamed.
func TestReadIDXLyingHeaderAllocatesLittle(t *testing.T) {
	file := idxBytes(idxUint8, []uint32{300000, 28, 28}, digitsPayload(1)) // claims 235 MB
	for _, f := range []struct {
		name string
		file []byte
	}{{"raw", file}, {"gzipped", gzipped(file)}} {
		for _, rd := range readerKinds {
			t.Run(f.name+"/"+rd.name, func(t *testing.T) {
				got, err := allocated(func() error { _, err := ReadIDX(rd.open(f.file), "lying.idx"); return err })
				if err == nil || !strings.Contains(err.Error(), "but file holds 784 bytes") {
					t.Fatalf("error %v, want a short-file error", err)
				}
				if got > 4<<20 {
					t.Fatalf("allocated %d bytes for a %d-byte file", got, len(f.file))
				}
			})
		}
	}
}

// A file of known size is read into one allocation of its payload: no
// buffer grown step by step (which allocates about twice the payload).
func TestReadIDXAllocatesOnce(t *testing.T) {
	payload := digitsPayload(3000) // 2.35 MB
	file := idxBytes(idxUint8, []uint32{3000, 28, 28}, payload)
	for _, f := range []struct {
		name string
		file []byte
	}{{"raw", file}, {"gzipped", gzipped(file)}} {
		t.Run(f.name, func(t *testing.T) {
			var idx *IDX
			got, err := allocated(func() (err error) { idx, err = ReadIDX(bytes.NewReader(f.file), "once.idx"); return err })
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(idx.Data, payload) {
				t.Fatal("data differs from the payload")
			}
			// The payload, plus the gzip and bufio readers' own state.
			if limit := uint64(len(payload)) + 256<<10; got > limit {
				t.Fatalf("allocated %d bytes for a %d-byte payload, want at most %d", got, len(payload), limit)
			}
		})
	}
}

// allocated returns the bytes allocated while f runs, and f's error.
func allocated(f func() error) (uint64, error) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, err
}
