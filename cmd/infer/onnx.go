package main

import (
	"fmt"
	"io"

	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/onnx"
)

// exportONNX writes the model as ONNX and says what it wrote.
func exportONNX(path string, m *modelfile.Model, stdout io.Writer) error {
	if err := onnx.WriteFile(path, m); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (ONNX IR %d, opset %d, %v head: input %s N x 1 x 32 x 32 float32)\n",
		path, onnx.IRVersion, onnx.Opset, m.Head, onnx.InputName)
	return nil
}
