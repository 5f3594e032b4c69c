package train

import (
	"io"

	"github.com/lenet5-go/lenet5/internal/atomicfile"
)

// WriteFileAtomic writes a file so that a crash or kill at any moment
// leaves either the old file or the complete new one: it writes a
// temporary file in the same folder, syncs it to disk, renames it over
// path and syncs the folder.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.Write(path, write)
}
