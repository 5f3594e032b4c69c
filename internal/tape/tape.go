// Package tape runs the program of a Gorgonia TapeMachine on the calling
// goroutine.
//
// Gorgonia's TapeMachine.RunAll (v0.9.18, vm_tape.go) locks the calling
// goroutine to its thread, runs the program on a new goroutine and waits
// for it on channels: two hand-offs between OS threads on every run. For
// one image they cost as much as the network itself (40% of a batch-1
// forward pass in the profile). Run runs the same program on the calling
// goroutine. It calls the machine's unexported runall (a go:linkname
// directive) and reads its unexported closureQueue field, so it is tied
// to the Gorgonia version it was written against, PinnedGorgonia; this
// package is internal so that no public package of the module holds
// either. TestPinnedGorgonia fails when go.mod moves to another version.
package tape

import (
	"reflect"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"unsafe"

	G "gorgonia.org/gorgonia"
)

// PinnedGorgonia is the version of gorgonia.org/gorgonia whose internals
// Run relies on. In a binary whose build information lists another
// version (or a replaced Gorgonia), Run falls back to RunAll.
const PinnedGorgonia = "v0.9.18"

// gorgoniaPath is the module (and package) path of Gorgonia.
const gorgoniaPath = "gorgonia.org/gorgonia"

//go:linkname tapeRunAll gorgonia.org/gorgonia.(*tapeMachine).runall
func tapeRunAll(m unsafe.Pointer, errChan chan error, doneChan chan struct{})

// pinned reports, once, whether the running binary may hold
// PinnedGorgonia.
var pinned = sync.OnceValue(func() bool {
	info, ok := debug.ReadBuildInfo()
	return !ok || mayHoldPinned(info)
})

// mayHoldPinned reports whether info lists Gorgonia at PinnedGorgonia,
// not replaced by another module or folder, or lists no modules at all
// (test binaries do not; TestPinnedGorgonia checks go.mod for them).
func mayHoldPinned(info *debug.BuildInfo) bool {
	for _, d := range info.Deps {
		if d.Path == gorgoniaPath {
			return d.Version == PinnedGorgonia && d.Replace == nil
		}
	}
	return len(info.Deps) == 0
}

// isTapeMachine reports whether t is *gorgonia.tapeMachine, the type
// G.NewTapeMachine returns, with the closureQueue field Run reads, and
// returns that field's offset.
func isTapeMachine(t reflect.Type) (queue uintptr, ok bool) {
	if t.Kind() != reflect.Pointer || t.Elem().Name() != "tapeMachine" || t.Elem().PkgPath() != gorgoniaPath {
		return 0, false
	}
	f, ok := t.Elem().FieldByName("closureQueue")
	return f.Offset, ok && f.Type == reflect.TypeOf([]func() error(nil))
}

// machine is the *gorgonia.tapeMachine type and its closureQueue offset,
// stored by the first Run that meets one, so later runs compare a type
// instead of looking the field up by name.
type machine struct {
	typ   reflect.Type
	queue uintptr
}

var known atomic.Pointer[machine]

// queueOffset reports whether Run runs vm on the calling goroutine and,
// if so, the offset of its closureQueue.
func queueOffset(vm G.VM) (uintptr, bool) {
	t := reflect.TypeOf(vm)
	if m := known.Load(); m != nil {
		return m.queue, t == m.typ && pinned()
	}
	queue, ok := isTapeMachine(t)
	if !ok {
		return 0, false
	}
	known.Store(&machine{typ: t, queue: queue})
	return queue, pinned()
}

// Run runs the whole program of vm, as vm.RunAll does: on the calling
// goroutine when vm is a TapeMachine of PinnedGorgonia, through RunAll
// otherwise.
func Run(vm G.VM) error {
	queue, ok := queueOffset(vm)
	if !ok {
		return vm.RunAll()
	}
	m := reflect.ValueOf(vm).UnsafePointer()
	errc := make(chan error, 1)
	done := make(chan struct{}, 1)
	tapeRunAll(m, errc, done)
	select {
	case err := <-errc:
		return err
	default:
	}
	// RunAll then runs the closures that gradients of identity nodes queue.
	for _, c := range *(*[]func() error)(unsafe.Add(m, queue)) {
		if err := c(); err != nil {
			return err
		}
	}
	return nil
}
