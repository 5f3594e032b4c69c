package graph

import (
	"github.com/lenet5-go/lenet5/internal/tape"
	G "gorgonia.org/gorgonia"
)

// RunTape runs the whole program of vm, as vm.RunAll does, but on the
// calling goroutine when vm is a TapeMachine: Gorgonia v0.9.18's RunAll
// hands the program to another goroutine and waits for it, two thread
// hand-offs per run that cost 40% of a one-image forward pass. Results,
// gradients included, are those of RunAll (TestRunTapeEqualsRunAll).
//
// It needs Gorgonia's internals, which live in this module's internal
// package tape; graph itself holds no go:linkname. In a binary built with
// a Gorgonia other than v0.9.18 (tape.PinnedGorgonia) and for other VMs,
// RunTape is vm.RunAll.
func RunTape(vm G.VM) error { return tape.Run(vm) }
