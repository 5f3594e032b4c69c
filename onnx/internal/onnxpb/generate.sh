#!/bin/sh
# Regenerates onnx.pb.go from onnx.proto, ONNX's own schema as released in
# ONNX v1.12.0 (onnx/onnx.proto of that tag, unchanged): Debian's protoc
# (apt-get install protobuf-compiler) with the protoc-gen-go of the
# google.golang.org/protobuf version that go.mod requires. CI runs it and
# fails if the checked-in file differs.
set -eu
cd "$(dirname "$0")"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/protoc-gen-go" google.golang.org/protobuf/cmd/protoc-gen-go
PATH="$bin:$PATH" protoc --go_out=. --go_opt=paths=source_relative \
  --go_opt=Monnx.proto=github.com/lenet5-go/lenet5/onnx/internal/onnxpb onnx.proto
