// Command wasmsize tells what a Go WebAssembly binary holds: the bytes of
// its sections, and the code of its functions summed by Go package (from
// the binary's name section, which go build keeps unless -ldflags=-s).
// docs/serving.md's size table comes from it:
//
//	GOOS=js GOARCH=wasm go build -trimpath -o /tmp/worker.wasm ./cmd/site/internal/worker
//	go run ./scripts/wasmsize -top 25 /tmp/worker.wasm
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

func main() {
	top := flag.Int("top", 20, "packages to list")
	depth := flag.Int("depth", 0, "keep only the first `N` elements of each import path (3: github.com/owner/repo); 0 keeps all")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: wasmsize [-top N] [-depth N] FILE.wasm")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *top, *depth); err != nil {
		fmt.Fprintln(os.Stderr, "wasmsize:", err)
		os.Exit(1)
	}
}

// reader reads the binary format's pieces, remembering the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uleb() uint64 {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		if len(r.b) == 0 {
			r.err = errors.New("truncated LEB128")
			return 0
		}
		c := r.b[0]
		r.b = r.b[1:]
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	r.err = errors.New("LEB128 too long")
	return 0
}

func (r *reader) bytes(n uint64) []byte {
	if r.err != nil || n > uint64(len(r.b)) {
		if r.err == nil {
			r.err = fmt.Errorf("%d bytes wanted, %d left", n, len(r.b))
		}
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

var sectionNames = map[byte]string{0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global", 7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "data count"}

func run(path string, top, depth int) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(b, []byte("\x00asm\x01\x00\x00\x00")) {
		return fmt.Errorf("%s: not a WebAssembly binary", path)
	}
	r := &reader{b: b[8:]}
	var imported uint64
	var bodies []int
	names := map[uint64]string{}
	fmt.Printf("%s: %d bytes\n\nsection        bytes\n", path, len(b))
	for len(r.b) > 0 && r.err == nil {
		id := r.bytes(1)
		if r.err != nil {
			break
		}
		content := &reader{b: r.bytes(r.uleb())}
		size := len(content.b)
		label := sectionNames[id[0]]
		switch id[0] {
		case 0:
			name := string(content.bytes(content.uleb()))
			label += " " + name
			if name == "name" {
				readNames(content, names)
			}
		case 2:
			for n := content.uleb(); n > 0 && content.err == nil; n-- {
				content.bytes(content.uleb()) // module
				content.bytes(content.uleb()) // field
				kind := content.bytes(1)
				if content.err != nil {
					break
				}
				switch kind[0] {
				case 0:
					imported++
					content.uleb()
				case 1:
					content.bytes(1)
					limits(content)
				case 2:
					limits(content)
				case 3:
					content.bytes(2)
				}
			}
		case 10:
			for n := content.uleb(); n > 0 && content.err == nil; n-- {
				size := content.uleb()
				content.bytes(size)
				bodies = append(bodies, int(size))
			}
		}
		fmt.Printf("%-14s %10d\n", label, size)
	}
	if r.err != nil {
		return fmt.Errorf("%s: %w", path, r.err)
	}
	if len(names) == 0 {
		fmt.Println("\nno name section (built with -ldflags=-s?): no per-package figures")
		return nil
	}
	perPkg := map[string]int{}
	total := 0
	for i, size := range bodies {
		perPkg[pkgOf(names[imported+uint64(i)], depth)] += size
		total += size
	}
	pkgs := make([]string, 0, len(perPkg))
	for p := range perPkg {
		pkgs = append(pkgs, p)
	}
	sort.Slice(pkgs, func(i, j int) bool { return perPkg[pkgs[i]] > perPkg[pkgs[j]] })
	fmt.Printf("\ncode by package (%d functions, %d bytes)\n", len(bodies), total)
	for i, p := range pkgs {
		if i == top {
			break
		}
		fmt.Printf("%10d  %5.1f%%  %s\n", perPkg[p], 100*float64(perPkg[p])/float64(total), p)
	}
	return nil
}

func limits(r *reader) {
	flags := r.bytes(1)
	r.uleb()
	if len(flags) == 1 && flags[0]&1 != 0 {
		r.uleb()
	}
}

// readNames reads the function names subsection of the name section.
func readNames(r *reader, names map[uint64]string) {
	for len(r.b) > 0 && r.err == nil {
		id := r.bytes(1)
		sub := &reader{b: r.bytes(r.uleb())}
		if r.err != nil || id[0] != 1 {
			continue
		}
		for n := sub.uleb(); n > 0 && sub.err == nil; n-- {
			idx := sub.uleb()
			names[idx] = string(sub.bytes(sub.uleb()))
		}
	}
}

// pkgOf returns the Go package of a function's name in the name section,
// where the linker writes the import path's slashes as underscores:
// gorgonia.org_tensor_internal_storage.(*Header).GetU8 is in
// gorgonia.org/tensor/internal/storage. With depth > 0 only the first depth
// elements of the path are kept (3 for github.com/owner/repo). Hyphens
// are underscores in the name section too, so a path with one is split
// there: github.com/lenet5-go/lenet5 shows as github.com/lenet5/go.
func pkgOf(sym string, depth int) string {
	if sym == "" {
		return "(unnamed)"
	}
	if i := strings.IndexAny(sym, "[("); i >= 0 {
		sym = sym[:i] // generic instantiations and method receivers
	}
	end := strings.Index(sym, ".")
	if u := strings.Index(sym, "_"); u >= 0 && end >= 0 && end < u && isWord(sym[strings.LastIndex(sym[:u], ".")+1:u]) {
		// A path that starts with a domain (gorgonia.org_...): its first
		// dot is the domain's, the package ends at the next one.
		if e := strings.Index(sym[u:], "."); e >= 0 {
			end = u + e
		} else {
			end = len(sym)
		}
	}
	if end < 0 {
		end = len(sym)
	}
	path := strings.ReplaceAll(sym[:end], "_", "/")
	if depth > 0 {
		if parts := strings.Split(path, "/"); len(parts) > depth {
			path = strings.Join(parts[:depth], "/")
		}
	}
	return path
}

// isWord reports whether s is a non-empty run of letters and digits, as a
// domain's last label (org, com, io) is.
func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}
