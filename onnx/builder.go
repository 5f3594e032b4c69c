package onnx

import (
	"encoding/binary"
	"math"

	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/onnx/internal/onnxpb"
	"google.golang.org/protobuf/proto"
)

// graphBuilder collects the nodes and initializers of the exported graph.
type graphBuilder struct {
	w      map[string]graph.Tensor
	nodes  []*onnxpb.NodeProto
	inits  []*onnxpb.TensorProto
	inputs []*onnxpb.ValueInfoProto
	// fAdded is set once f's two constants are initializers.
	fAdded bool
	// onnxGo selects the operators onnx-go runs (ForOnnxGo).
	onnxGo bool
}

// input declares the graph input, N x 1 x 32 x 32 float32.
func (g *graphBuilder) input() {
	g.inputs = append(g.inputs, valueInfo(InputName, graph.InputMaps, graph.InputSide, graph.InputSide))
}

// node adds a node named name of operator op and returns its output.
func (g *graphBuilder) node(name, op string, inputs []string, output string, attrs ...*onnxpb.AttributeProto) string {
	g.nodes = append(g.nodes, &onnxpb.NodeProto{
		Name:      proto.String(name),
		OpType:    proto.String(op),
		Input:     inputs,
		Output:    []string{output},
		Attribute: attrs,
	})
	return output
}

// initializer adds a float32 constant of the given shape.
func (g *graphBuilder) initializer(name string, shape []int, vals []float64) string {
	raw := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(float32(v)))
	}
	g.inits = append(g.inits, &onnxpb.TensorProto{
		Name:     proto.String(name),
		DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)),
		Dims:     dims64(shape),
		RawData:  raw,
	})
	return name
}

// int64Initializer adds an int64 vector constant.
func (g *graphBuilder) int64Initializer(name string, vals ...int64) string {
	g.inits = append(g.inits, &onnxpb.TensorProto{
		Name:      proto.String(name),
		DataType:  proto.Int32(int32(onnxpb.TensorProto_INT64)),
		Dims:      []int64{int64(len(vals))},
		Int64Data: vals,
	})
	return name
}

// weight adds the model's tensor name as an initializer of the same name.
func (g *graphBuilder) weight(name string) string {
	t := g.w[name]
	return g.initializer(name, t.Shape, t.Data)
}

// conv adds a stage's convolution (C1, C3, C5): valid, stride 1.
func (g *graphBuilder) conv(stage, x, weight, bias string) string {
	w := g.w[weight]
	return g.node(stage, "Conv", []string{x, g.weight(weight), g.weight(bias)}, stage+".a",
		intsAttr("kernel_shape", w.Shape[2], w.Shape[3]))
}

// subsample adds S2 or S4: a depthwise 2 x 2 convolution, stride 2, whose
// kernel is the map's coefficient four times: coef*(x1+x2+x3+x4) + bias
// up to rounding. For onnx-go it is an ordinary convolution whose kernel
// is zero between different maps.
func (g *graphBuilder) subsample(stage, x, prefix string) string {
	coef := g.w[prefix+".coef"].Data
	maps := len(coef)
	shape, group := []int{maps, 1, 2, 2}, maps
	if g.onnxGo {
		shape, group = []int{maps, maps, 2, 2}, 1
	}
	kernel := make([]float64, maps*shape[1]*4)
	for c, v := range coef {
		from := c * shape[1] * 4
		if g.onnxGo {
			from += c * 4
		}
		for j := range 4 {
			kernel[from+j] = v
		}
	}
	k := g.initializer(prefix+".kernel", shape, kernel)
	return g.node(stage, "Conv", []string{x, k, g.weight(prefix + ".bias")}, stage+".a",
		intsAttr("kernel_shape", 2, 2),
		intsAttr("strides", 2, 2),
		intAttr("group", group))
}

// gemm adds a fully connected stage: x W^T + b.
func (g *graphBuilder) gemm(stage, x, weight, bias string) string {
	return g.node(stage, "Gemm", []string{x, g.weight(weight), g.weight(bias)}, stage+".a", intAttr("transB", 1))
}

// squash adds f(a) = A tanh(S a) after a stage; its output is named after
// the stage.
func (g *graphBuilder) squash(stage, a string) string {
	if !g.fAdded {
		g.initializer("f.S", nil, []float64{graph.SquashS})
		g.initializer("f.A", nil, []float64{graph.SquashA})
		g.fAdded = true
	}
	sa := g.node(stage+"/f/scale", "Mul", []string{a, "f.S"}, stage+".Sa")
	t := g.node(stage+"/f/tanh", "Tanh", []string{sa}, stage+".tanh")
	return g.node(stage+"/f/amplitude", "Mul", []string{t, "f.A"}, stage)
}

// rbf adds the RBF head: distances to the ten codes, and the softmax of
// their negation.
func (g *graphBuilder) rbf(f6 string) {
	codes := g.initializer("rbf.centers", []int{graph.Classes, graph.F6Units}, graph.RBFCodes())
	shape := g.int64Initializer("RBF.row_shape", -1, 1, graph.F6Units)
	row := g.node("RBF/row", "Reshape", []string{f6, shape}, "RBF.row")
	diff := g.node("RBF/diff", "Sub", []string{row, codes}, "RBF.diff")
	var d string
	if g.onnxGo {
		// onnx-go loses the second input of a node that reads one value
		// twice, and has no ReduceSum: square against a copy, and sum
		// with a product by ones.
		cp := g.node("RBF/copy", "Identity", []string{diff}, "RBF.copy")
		sq := g.node("RBF/square", "Mul", []string{diff, cp}, "RBF.square")
		flat := g.node("RBF/flat", "Reshape", []string{sq, g.int64Initializer("RBF.flat_shape", -1, graph.F6Units)}, "RBF.flat")
		ones := make([]float64, graph.F6Units)
		for i := range ones {
			ones[i] = 1
		}
		sum := g.node("RBF/sum", "MatMul", []string{flat, g.initializer("RBF.ones", []int{graph.F6Units, 1}, ones)}, "RBF.sum")
		d = g.node("RBF/distances", "Reshape", []string{sum, g.int64Initializer("RBF.out_shape", -1, graph.Classes)}, DistancesName)
	} else {
		sq := g.node("RBF/square", "Mul", []string{diff, diff}, "RBF.square")
		d = g.node("RBF/sum", "ReduceSum", []string{sq, g.int64Initializer("RBF.axes", 2)}, DistancesName, intAttr("keepdims", 0))
	}
	neg := g.node("output/negate", "Neg", []string{d}, "output.neg")
	g.node("output/softmax", "Softmax", []string{neg}, ProbabilitiesName, intAttr("axis", 1))
}

// softmax adds the softmax head: logits and their softmax.
func (g *graphBuilder) softmax(f6 string) {
	logits := g.node("output", "Gemm", []string{f6, g.weight("out.weight"), g.weight("out.bias")}, LogitsName, intAttr("transB", 1))
	g.node("output/softmax", "Softmax", []string{logits}, ProbabilitiesName, intAttr("axis", 1))
}

// proto returns the GraphProto.
func (g *graphBuilder) proto(h graph.Head) *onnxpb.GraphProto {
	first := DistancesName
	if h == graph.Softmax {
		first = LogitsName
	}
	return &onnxpb.GraphProto{
		Name:        proto.String("LeNet-5 " + h.String()),
		Node:        g.nodes,
		Initializer: g.inits,
		Input:       g.inputs,
		Output:      []*onnxpb.ValueInfoProto{valueInfo(first, graph.Classes), valueInfo(ProbabilitiesName, graph.Classes)},
	}
}

// valueInfo declares a float32 tensor of shape N x dims.
func valueInfo(name string, dims ...int) *onnxpb.ValueInfoProto {
	shape := []*onnxpb.TensorShapeProto_Dimension{{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: BatchDim}}}
	for _, d := range dims {
		shape = append(shape, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
	}
	return &onnxpb.ValueInfoProto{
		Name: proto.String(name),
		Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{
			ElemType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)),
			Shape:    &onnxpb.TensorShapeProto{Dim: shape},
		}}},
	}
}

// dims64 converts a shape (or any ints) to int64.
func dims64(shape []int) []int64 {
	out := make([]int64, len(shape))
	for i, d := range shape {
		out[i] = int64(d)
	}
	return out
}

// intAttr is an INT attribute.
func intAttr(name string, v int) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INT.Enum(), I: proto.Int64(int64(v))}
}

// intsAttr is an INTS attribute.
func intsAttr(name string, vs ...int) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INTS.Enum(), Ints: dims64(vs)}
}
