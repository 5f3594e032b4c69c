#!/bin/sh
# Regenerates onnx.pb.go from onnx.proto, ONNX's own schema as released in
# ONNX v1.12.0 (onnx/onnx.proto of that tag, unchanged): Debian's protoc
# (apt-get install protobuf-compiler) with the protoc-gen-go of the
# google.golang.org/protobuf version that go.mod requires. CI runs it and
# fails if the checked-in file differs.
#
# The schema is compiled as protobuf package lenet5.onnx from the path
# lenet5/onnx.proto, not as package onnx from onnx.proto: Go's protobuf
# registry refuses two registrations of one name, and other Go ONNX
# packages (onnx-go's, for one) register onnx.ModelProto and onnx.proto.
# The package name is not part of the wire format: the bytes are the same.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/protoc-gen-go" google.golang.org/protobuf/cmd/protoc-gen-go
mkdir "$tmp/lenet5"
sed 's/^package onnx;$/package lenet5.onnx;/' onnx.proto > "$tmp/lenet5/onnx.proto"
grep -q '^package lenet5.onnx;$' "$tmp/lenet5/onnx.proto"
PATH="$tmp:$PATH" protoc -I "$tmp" --go_out="$tmp" --go_opt=paths=source_relative \
  --go_opt=Mlenet5/onnx.proto=github.com/lenet5-go/lenet5/onnx/internal/onnxpb lenet5/onnx.proto
mv "$tmp/lenet5/onnx.pb.go" onnx.pb.go
