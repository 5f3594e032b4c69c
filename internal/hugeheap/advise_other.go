//go:build !linux

package hugeheap

import "errors"

// ErrUnavailable is returned by Advise where the kernel gives no
// transparent huge pages: on every platform but Linux.
var ErrUnavailable = errors.New("hugeheap: no transparent huge pages on this platform")

// Advise does nothing but return ErrUnavailable: transparent huge pages
// are Linux's.
func Advise(reserve int) (Mapping, error) { return Mapping{}, ErrUnavailable }
