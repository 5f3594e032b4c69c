package onnx

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/internal/atomicfile"
	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/onnx/internal/onnxpb"
	"google.golang.org/protobuf/proto"
)

// The versions the exported file declares: IR version 7 and the default
// operator set 13, which ONNX Runtime since 1.6, onnxruntime-web and the
// ONNX checker of onnx 1.8 and later accept. Opset 13 is the first whose
// Softmax normalizes along one axis and whose ReduceSum takes its axes
// as an input.
const (
	IRVersion = 7
	Opset     = 13
)

// Names of the graph's input and outputs.
const (
	InputName         = "input"
	DistancesName     = "distances"
	LogitsName        = "logits"
	ProbabilitiesName = "probabilities"
)

// BatchDim is the name of the dynamic batch dimension.
const BatchDim = "N"

// Option changes the exported graph.
type Option func(*graphBuilder)

// ForOnnxGo writes the graph with operators that
// github.com/owulveryck/onnx-go (v0.5.0), which imports ONNX models into
// Gorgonia graphs, runs as ONNX defines them. Its Conv ignores the group
// attribute, so S2 and S4 become ordinary 2 x 2 convolutions whose kernels
// are zero between different maps; it has no ReduceSum, so the RBF sum
// becomes a MatMul with a vector of ones; and a node reading one value
// twice loses an input, so the square is Mul(d, Identity(d)). The outputs
// are the same up to float32 rounding, but the graph does more work (S2
// and S4 multiply by the zeros): give other runtimes the default graph.
// onnx-go v0.5.0 runs the result one image at a time, in a freshly
// imported graph per run (see docs/onnx.md).
func ForOnnxGo() Option { return func(g *graphBuilder) { g.onnxGo = true } }

// Write writes the model as ONNX to w.
func Write(w io.Writer, m *modelfile.Model, opts ...Option) error {
	b, err := Marshal(m, opts...)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// WriteFile writes the model as ONNX to path atomically (a temporary file
// in the same folder, synced and renamed); on error path is left as it was,
// and an error names it (a path that is a folder, a missing folder).
func WriteFile(path string, m *modelfile.Model, opts ...Option) error {
	b, err := Marshal(m, opts...)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// Marshal returns the ONNX encoding of the model.
func Marshal(m *modelfile.Model, opts ...Option) ([]byte, error) {
	mp, err := build(m, opts)
	if err != nil {
		return nil, err
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(mp)
	if err != nil {
		return nil, fmt.Errorf("onnx: encoding: %w", err)
	}
	return b, nil
}

// build assembles the ModelProto.
func build(m *modelfile.Model, opts []Option) (*onnxpb.ModelProto, error) {
	if m == nil {
		return nil, fmt.Errorf("onnx: nil model")
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	g := &graphBuilder{w: m.Weights}
	for _, o := range opts {
		o(g)
	}
	g.input()
	x := g.squash("C1", g.conv("C1", InputName, "c1.weight", "c1.bias"))
	x = g.squash("S2", g.subsample("S2", x, "s2"))
	x = g.squash("C3", g.conv("C3", x, "c3.weight", "c3.bias"))
	x = g.squash("S4", g.subsample("S4", x, "s4"))
	x = g.squash("C5", g.conv("C5", x, "c5.weight", "c5.bias"))
	x = g.node("C5/flatten", "Flatten", []string{x}, "C5.flat", intAttr("axis", 1))
	x = g.squash("F6", g.gemm("F6", x, "f6.weight", "f6.bias"))
	switch m.Head {
	case graph.RBF:
		g.rbf(x)
	case graph.Softmax:
		g.softmax(x)
	default:
		return nil, fmt.Errorf("onnx: unknown head %v", m.Head)
	}
	return &onnxpb.ModelProto{
		IrVersion:     proto.Int64(IRVersion),
		OpsetImport:   []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(Opset)}},
		ProducerName:  proto.String("github.com/lenet5-go/lenet5"),
		DocString:     proto.String(docString(m.Head)),
		Graph:         g.proto(m.Head),
		MetadataProps: metadataProps(m),
	}, nil
}

// docString describes the model in one paragraph.
func docString(h graph.Head) string {
	outs := "distances (the RBF units' squared Euclidean distances to the ten digit codes; the smallest wins)"
	if h == graph.Softmax {
		outs = "logits (the largest wins)"
	}
	return "LeNet-5 (LeCun, Bottou, Bengio, Haffner, 1998), " + h.String() + " head, exported by github.com/lenet5-go/lenet5. " +
		"Input: N x 1 x 32 x 32 float32, " + PreprocessingDoc + " Outputs: " + outs +
		" and probabilities (their softmax), N x 10."
}

// PreprocessingDoc spells out the preprocessing the exported model expects.
const PreprocessingDoc = "one 28 x 28 MNIST-style digit (white ink on black, pixel p in 0..255, 0 = background) " +
	"mapped to -0.1 + 1.275*p/255 (background -0.1, full ink 1.175) and centred in a 32 x 32 field " +
	"padded with -0.1 (2 pixels on each side), row-major."

// metadataProps returns the model file's metadata and our preprocessing,
// sorted by key.
func metadataProps(m *modelfile.Model) []*onnxpb.StringStringEntryProto {
	meta := m.Metadata()
	meta["preprocessing"] = PreprocessingDoc
	meta["preprocessing.background"] = strconv.FormatFloat(data.Background, 'g', -1, 64)
	meta["preprocessing.ink"] = strconv.FormatFloat(data.Ink, 'g', -1, 64)
	meta["preprocessing.padding"] = strconv.Itoa(data.Pad)
	var out []*onnxpb.StringStringEntryProto
	for _, k := range slices.Sorted(maps.Keys(meta)) {
		out = append(out, &onnxpb.StringStringEntryProto{Key: proto.String(k), Value: proto.String(meta[k])})
	}
	return out
}
