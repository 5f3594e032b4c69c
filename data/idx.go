package data

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
)

// MaxIDXBytes bounds the payload of one IDX file (256 MiB, more than five
// times MNIST's largest file). A header claiming more is refused before
// anything is allocated for it.
const MaxIDXBytes = 256 << 20

// maxIDXDims bounds the number of dimensions an IDX header may declare; the
// format allows 255, MNIST uses 1 (labels) and 3 (images).
const maxIDXDims = 8

// IDX element type codes (the third byte of the magic number).
const (
	idxUint8   = 0x08
	idxInt8    = 0x09
	idxInt16   = 0x0B
	idxInt32   = 0x0C
	idxFloat32 = 0x0D
	idxFloat64 = 0x0E
)

// idxTypeName names an IDX element type code for error messages.
func idxTypeName(code byte) string {
	switch code {
	case idxUint8:
		return "unsigned byte"
	case idxInt8:
		return "signed byte"
	case idxInt16:
		return "int16"
	case idxInt32:
		return "int32"
	case idxFloat32:
		return "float32"
	case idxFloat64:
		return "float64"
	}
	return "unknown"
}

// IDX is the content of an IDX file of unsigned bytes: its dimensions and
// its data, row-major.
type IDX struct {
	Dims []int
	Data []uint8
}

// gzipMagic starts every gzip stream (RFC 1952).
var gzipMagic = []byte{0x1f, 0x8b}

// maxDeflateRatio bounds how many bytes deflate can expand one compressed
// byte into (258-byte matches coded in about two bits: 1032 to 1).
const maxDeflateRatio = 1032

// ReadIDX reads an IDX file of unsigned bytes from r, gzipped or raw
// (told apart by the first bytes, not by the name). name is used in errors.
// It checks the magic number, the element type, the number and size of the
// dimensions, that the payload fits MaxIDXBytes and that the file holds
// exactly the bytes its header promises. When r's size is known (a file,
// or a reader with a Len method such as bytes.Reader), the data is
// allocated once, after the header has been checked against that size (for
// gzip, against the most that deflate can expand it to); otherwise memory
// grows with the bytes really read. Either way a lying header cannot make
// it allocate much more than the file holds.
func ReadIDX(r io.Reader, name string) (*IDX, error) {
	size := remainingBytes(r)
	br := bufio.NewReader(r)
	head, err := br.Peek(2)
	if err != nil && len(head) == 0 {
		return nil, formatErrorf(name, "empty file")
	}
	var src io.Reader = br
	compressed := len(head) == 2 && head[0] == gzipMagic[0] && head[1] == gzipMagic[1]
	if compressed {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, formatErrorf(name, "broken gzip header: %v", err)
		}
		defer zr.Close()
		// One member only: bytes after the first gzip stream are not IDX.
		zr.Multistream(false)
		src = zr
		if size >= 0 {
			size = min(size, math.MaxInt64/maxDeflateRatio) * maxDeflateRatio
		}
	}
	return readIDXPayload(src, name, size)
}

// remainingBytes returns how many bytes are left to read from r, or -1 when
// that is not known.
func remainingBytes(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len())
	case *os.File:
		st, err := v.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return -1
		}
		off, err := v.Seek(0, io.SeekCurrent)
		if err != nil || off > st.Size() {
			return -1
		}
		return st.Size() - off
	}
	return -1
}

// readIDXPayload reads the header and data of an uncompressed IDX stream
// that holds at most size bytes (-1: unknown).
func readIDXPayload(r io.Reader, name string, size int64) (*IDX, error) {
	magic, err := readHeader(r, name, 4, func(ends string, got int) string {
		return fmt.Sprintf("%s after %d bytes, inside the 4-byte IDX magic number", ends, got)
	})
	if err != nil {
		return nil, err
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, formatErrorf(name, "not an IDX file: magic number %02x%02x%02x%02x does not start with two zero bytes", magic[0], magic[1], magic[2], magic[3])
	}
	if magic[2] != idxUint8 {
		return nil, formatErrorf(name, "IDX element type 0x%02x (%s) is not supported: MNIST files hold unsigned bytes (0x08)", magic[2], idxTypeName(magic[2]))
	}
	ndims := int(magic[3])
	if ndims == 0 || ndims > maxIDXDims {
		return nil, formatErrorf(name, "IDX header declares %d dimensions; expected 1 to %d", ndims, maxIDXDims)
	}
	raw, err := readHeader(r, name, 4*ndims, func(ends string, got int) string {
		return fmt.Sprintf("%s inside the IDX header: %d dimensions need %d bytes, found %d", ends, ndims, 4*ndims, got)
	})
	if err != nil {
		return nil, err
	}
	dims := make([]int, ndims)
	total := uint64(1)
	for i := range dims {
		d := binary.BigEndian.Uint32(raw[4*i:])
		dims[i] = int(d)
		// Saturate instead of overflowing: any product above the limit is refused anyway.
		if d != 0 && total > math.MaxUint64/uint64(d) {
			total = math.MaxUint64
		} else {
			total *= uint64(d)
		}
	}
	if total > MaxIDXBytes {
		held, err := countBytes(r, MaxIDXBytes+1)
		if err != nil {
			return nil, wrapReadError(name, err, "reading data")
		}
		holds := fmt.Sprintf("%d bytes", held)
		if held > MaxIDXBytes {
			holds = fmt.Sprintf("more than %d bytes", MaxIDXBytes)
		}
		return nil, formatErrorf(name, "header says %s but file holds %s (limit %d bytes)", describeDims(dims), holds, MaxIDXBytes)
	}
	limit := int64(-1)
	if size >= 0 {
		limit = max(size-int64(4+4*ndims), 0)
	}
	data, err := readExactly(r, int(total), limit)
	if err != nil {
		var short *shortReadError
		if errors.As(err, &short) {
			cut := ""
			if short.cut {
				cut = " before its compressed stream breaks off"
			}
			return nil, formatErrorf(name, "header says %s (%d bytes) but file holds %d bytes%s", describeDims(dims), total, short.got, cut)
		}
		return nil, wrapReadError(name, err, "reading data")
	}
	// Reading to the end also makes gzip verify its checksum and length.
	extra, err := countBytes(r, MaxIDXBytes)
	if err != nil {
		return nil, wrapReadError(name, err, "compressed stream breaks off after the data, before its end")
	}
	if extra > 0 {
		return nil, formatErrorf(name, "header says %s (%d bytes) but file holds %d more bytes after them", describeDims(dims), total, extra)
	}
	return &IDX{Dims: dims, Data: data}, nil
}

// readHeader reads n bytes of the IDX header. When the stream is shorter,
// the error is short(ends, bytes read): ends is "file ends", or
// "compressed stream breaks off" for a gzip stream cut short (a truncated
// download), whose file holds more bytes than were read from it.
func readHeader(r io.Reader, name string, n int, short func(ends string, got int) string) ([]byte, error) {
	b, err := readExactly(r, n, -1)
	var s *shortReadError
	if errors.As(err, &s) {
		ends := "file ends"
		if s.cut {
			ends = "compressed stream breaks off"
		}
		return nil, formatErrorf(name, "%s", short(ends, s.got))
	}
	if err != nil {
		return nil, wrapReadError(name, err, "reading the IDX header")
	}
	return b, nil
}

// describeDims says what a header declares in MNIST's words where it can:
// "4294967295 images of 28x28", "60000 labels", else "dimensions 2x3x4".
func describeDims(dims []int) string {
	switch len(dims) {
	case 1:
		return fmt.Sprintf("%d labels", dims[0])
	case 3:
		return fmt.Sprintf("%d images of %dx%d", dims[0], dims[1], dims[2])
	}
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = fmt.Sprint(d)
	}
	return "dimensions " + strings.Join(parts, "x")
}

// shortReadError reports a stream that ended before n bytes; cut says it
// broke off (a truncated compressed stream) rather than ending cleanly.
type shortReadError struct {
	got int
	cut bool
}

func (e *shortReadError) Error() string { return fmt.Sprintf("stream ends after %d bytes", e.got) }

// readExactly reads n bytes from a stream that holds at most limit bytes.
// With a known limit (>= 0) it refuses an n above the limit without
// allocating, counting what the stream really holds, and otherwise
// allocates n bytes once. With limit -1 it grows its buffer as data
// arrives, so that memory follows what the stream really holds, not what a
// header claims.
func readExactly(r io.Reader, n int, limit int64) ([]byte, error) {
	if limit >= 0 && int64(n) > limit {
		held, err := countBytes(r, int64(n))
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, err
		}
		return nil, &shortReadError{got: int(held), cut: err != nil}
	}
	const first = 1 << 20
	var buf []byte
	if limit >= 0 {
		buf = make([]byte, 0, n)
	} else {
		buf = make([]byte, 0, min(n, first))
	}
	for len(buf) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(n, 2*cap(buf)))
			copy(grown, buf)
			buf = grown
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			if len(buf) < n {
				return nil, &shortReadError{got: len(buf), cut: err == io.ErrUnexpectedEOF}
			}
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// countBytes reads and discards up to limit bytes and says how many there were.
func countBytes(r io.Reader, limit int64) (int64, error) {
	return io.Copy(io.Discard, io.LimitReader(r, limit))
}

// wrapReadError turns an I/O error into a file error: an early end of the
// stream becomes msg, a broken gzip stream says so.
func wrapReadError(name string, err error, msg string) error {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return formatErrorf(name, "%s", msg)
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
		return formatErrorf(name, "corrupt gzip stream: %v", err)
	}
	var corrupt flate.CorruptInputError
	if errors.As(err, &corrupt) {
		return formatErrorf(name, "corrupt gzip stream: %v", err)
	}
	var ferr *FormatError
	if errors.As(err, &ferr) {
		return err
	}
	return fmt.Errorf("%s: %s: %w", name, msg, err)
}
