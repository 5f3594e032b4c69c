package onnx_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/lenet5-go/lenet5/models"
	"github.com/lenet5-go/lenet5/onnx"
)

// Export the shipped model; any model file works the same way through
// modelfile.Read.
func ExampleWriteFile() {
	m, err := models.Default()
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "onnx-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "lenet5.onnx")
	if err := onnx.WriteFile(path, m); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote", filepath.Base(path), "with input", onnx.InputName, "and outputs", onnx.DistancesName, "and", onnx.ProbabilitiesName)
	// Output: wrote lenet5.onnx with input input and outputs distances and probabilities
}
