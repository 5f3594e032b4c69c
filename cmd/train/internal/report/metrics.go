package report

import (
	"encoding/json"
	"io"

	"github.com/lenet5-go/lenet5/internal/atomicfile"
	"github.com/lenet5-go/lenet5/train"
)

// WriteMetrics writes metrics as JSON lines, atomically.
func WriteMetrics(path string, metrics []train.EpochMetrics) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		for _, m := range metrics {
			if err := enc.Encode(m); err != nil {
				return err
			}
		}
		return nil
	})
}
