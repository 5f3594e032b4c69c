package train

import (
	"io"

	"github.com/lenet5-go/lenet5/internal/atomicfile"
)

// WriteFileAtomic is internal/atomicfile's Write, for programs outside
// this module: it writes a file so that a crash or kill at any moment
// leaves either the old file or the complete new one, and refuses a path
// that is a folder or whose folder is missing before writing anything.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.Write(path, write)
}
