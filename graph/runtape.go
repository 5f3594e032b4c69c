package graph

import (
	"reflect"
	"unsafe"

	G "gorgonia.org/gorgonia"
)

// Gorgonia's TapeMachine.RunAll (v0.9.18) locks the calling goroutine to
// its thread and runs the program on a new goroutine, then waits for it on
// channels: two hand-offs between OS threads on every run. For one image
// they cost as much as the network itself (40% of a batch-1 forward pass
// in the profile). RunTape runs the same program on the calling goroutine.
// It calls the machine's unexported runall through go:linkname, so it is
// tied to the pinned Gorgonia version; every test of the trainer and of
// cmd/infer goes through it.

//go:linkname tapeRunAll gorgonia.org/gorgonia.(*tapeMachine).runall
func tapeRunAll(m unsafe.Pointer, errChan chan error, doneChan chan struct{})

// isTapeMachine reports whether t is *gorgonia.tapeMachine, the type
// G.NewTapeMachine returns, with the closureQueue field RunTape reads.
func isTapeMachine(t reflect.Type) bool {
	if t.Kind() != reflect.Pointer || t.Elem().Name() != "tapeMachine" || t.Elem().PkgPath() != "gorgonia.org/gorgonia" {
		return false
	}
	f, ok := t.Elem().FieldByName("closureQueue")
	return ok && f.Type == reflect.TypeOf([]func() error(nil))
}

// RunTape runs the whole program of vm, as vm.RunAll does, on the calling
// goroutine when vm is a TapeMachine (and through RunAll otherwise).
func RunTape(vm G.VM) error {
	v := reflect.ValueOf(vm)
	if !isTapeMachine(v.Type()) {
		return vm.RunAll()
	}
	errc := make(chan error, 1)
	done := make(chan struct{}, 1)
	tapeRunAll(v.UnsafePointer(), errc, done)
	select {
	case err := <-errc:
		return err
	default:
	}
	// RunAll then runs the closures that gradients of identity nodes queue.
	q := v.Elem().FieldByName("closureQueue")
	closures := *(*[]func() error)(unsafe.Pointer(q.UnsafeAddr()))
	for _, c := range closures {
		if err := c(); err != nil {
			return err
		}
	}
	return nil
}
