// Package onnxgotest imports the exported LeNet-5 back into Gorgonia with
// github.com/owulveryck/onnx-go and checks it against our own graph. It is
// a module of its own, so that onnx-go and its dependencies stay out of
// the lenet5 module; run it with
//
//	cd onnx/internal/onnxgotest && go test ./...
package onnxgotest
