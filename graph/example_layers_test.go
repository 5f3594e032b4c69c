package graph_test

import (
	"fmt"
	"log"
	"math"
	"slices"

	"github.com/lenet5-go/lenet5/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A convolution through a connection table of one's own: of three output
// maps, the first reads input map 0, the second both, the third map 1.
// With every kernel value 1, a 3x3 kernel over a constant map v adds 9v,
// so each output is 9 x (the sum of its inputs' values) + its bias.
func ExampleConv() {
	a := graph.Arch{Name: "conv", Input: []int{2, 8, 8}, Layers: []graph.LayerSpec{
		graph.Conv{Name: "C1", Table: graph.Table{In: 2, Inputs: [][]int{{0}, {0, 1}, {1}}}, Kernel: 3},
	}}
	g := G.NewGraph()
	p, err := a.NewParams(g, graph.WithDtype(tensor.Float64))
	if err != nil {
		log.Fatal(err)
	}
	x := a.NewInput(g, tensor.Float64, 1)
	net, err := p.Apply(x)
	if err != nil {
		log.Fatal(err)
	}
	// The file's layout is dense, 3 x 2 x 3 x 3: zeros for the pairs the
	// table leaves out (output 0 from input 1, output 2 from input 0).
	w := make([]float64, 3*2*9)
	for o, ins := range [][]int{{0}, {0, 1}, {1}} {
		for _, i := range ins {
			for e := range 9 {
				w[(o*2+i)*9+e] = 1
			}
		}
	}
	if err := p.SetWeights(map[string]graph.Tensor{
		"c1.weight": {Shape: []int{3, 2, 3, 3}, Data: w},
		"c1.bias":   {Shape: []int{3}, Data: []float64{0.5, 0, -0.5}},
	}); err != nil {
		log.Fatal(err)
	}
	img := make([]float64, 2*8*8) // map 0 all 1, map 1 all 2
	for i := range img {
		img[i] = float64(1 + i/64)
	}
	if err := G.Let(x, tensor.New(tensor.WithShape(1, 2, 8, 8), tensor.WithBacking(img))); err != nil {
		log.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := graph.RunTape(vm); err != nil {
		log.Fatal(err)
	}
	// In the graph the weight is packed: one kernel per connected pair.
	for _, l := range p.Learnables() {
		fmt.Println(l.Name(), l.Shape())
	}
	out := net.Stage("C1")
	vals, err := net.StageValues(0)
	if err != nil {
		log.Fatal(err)
	}
	c1 := vals["C1"]
	fmt.Println("C1", out.Shape(), "at (0,0) of each map:", c1[0], c1[36], c1[72])
	// Output:
	// c1.weight (4, 3, 3)
	// c1.bias (3)
	// C1 (1, 3, 6, 6) at (0,0) of each map: 9.5 27 17.5
}

// The trainable sub-sampling: each 2x2 block's sum times the map's
// coefficient, plus its bias; over a constant map v that is coef*4*v +
// bias. With Copies 2 each input map feeds two output maps in a row, each
// with its own coefficient and bias (LeNet-4's S2).
func ExampleSubsample() {
	a := graph.Arch{Name: "subsample", Input: []int{2, 8, 8}, Layers: []graph.LayerSpec{
		graph.Subsample{Name: "S1", Copies: 2},
	}}
	g := G.NewGraph()
	p, err := a.NewParams(g, graph.WithDtype(tensor.Float64))
	if err != nil {
		log.Fatal(err)
	}
	x := a.NewInput(g, tensor.Float64, 1)
	net, err := p.Apply(x)
	if err != nil {
		log.Fatal(err)
	}
	coef, bias := []float64{0.5, 0.25, 0.1, -1}, []float64{0, 1, 0, 0.5}
	if err := p.SetWeights(map[string]graph.Tensor{
		"s1.coef": {Shape: []int{4}, Data: coef},
		"s1.bias": {Shape: []int{4}, Data: bias},
	}); err != nil {
		log.Fatal(err)
	}
	v := []float64{1, -2} // the constant value of each input map
	img := make([]float64, 2*8*8)
	for i := range img {
		img[i] = v[i/64]
	}
	if err := G.Let(x, tensor.New(tensor.WithShape(1, 2, 8, 8), tensor.WithBacking(img))); err != nil {
		log.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := graph.RunTape(vm); err != nil {
		log.Fatal(err)
	}
	vals, err := net.StageValues(0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("S1", net.Stage("S1").Shape())
	for k := range 4 {
		fmt.Printf("map %d: graph %.4f, by hand %.4f\n", k, vals["S1"][k*16], coef[k]*4*v[k/2]+bias[k])
	}
	// Output:
	// S1 (1, 4, 4, 4)
	// map 0: graph 2.0000, by hand 2.0000
	// map 1: graph 2.0000, by hand 2.0000
	// map 2: graph -0.8000, by hand -0.8000
	// map 3: graph 8.5000, by hand 8.5000
}

// A fully connected layer reads its input of any shape, here one 2x2
// map, as a vector: unit u is the dot product of its weight row with the
// four values, plus its bias.
func ExampleFull() {
	a := graph.Arch{Name: "full", Input: []int{1, 2, 2}, Layers: []graph.LayerSpec{
		graph.Full{Name: "F1", Units: 3},
	}}
	g := G.NewGraph()
	p, err := a.NewParams(g, graph.WithDtype(tensor.Float64))
	if err != nil {
		log.Fatal(err)
	}
	x := a.NewInput(g, tensor.Float64, 1)
	net, err := p.Apply(x)
	if err != nil {
		log.Fatal(err)
	}
	if err := p.SetWeights(map[string]graph.Tensor{
		"f1.weight": {Shape: []int{3, 1, 2, 2}, Data: []float64{
			1, 0, 0, 0, // the first value
			1, 1, 1, 1, // the sum
			0.5, -0.5, 0.25, -0.25,
		}},
		"f1.bias": {Shape: []int{3}, Data: []float64{0, 1, 0.5}},
	}); err != nil {
		log.Fatal(err)
	}
	if err := G.Let(x, tensor.New(tensor.WithShape(1, 1, 2, 2), tensor.WithBacking([]float64{1, 2, 3, 4}))); err != nil {
		log.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := graph.RunTape(vm); err != nil {
		log.Fatal(err)
	}
	s, _ := a.Summary()
	fmt.Println("parameters:", s.Total().Params)
	fmt.Println("F1", net.Stage("F1").Shape(), net.Stage("F1").Value().Data())
	// Output:
	// parameters: 15
	// F1 (1, 3) [1 11 -0.25]
}

// The squashing function f(a) = 1.7159 tanh(2a/3) follows a weighted
// layer and becomes that stage's output; the weighted sum is the stage's
// Pre node. The paper chose the constants so that f(1) = 1 and f(-1) = -1.
func ExampleSquash() {
	a := graph.Arch{Name: "squash", Input: []int{1, 1, 1}, Layers: []graph.LayerSpec{
		graph.Full{Name: "F1", Units: 4}, graph.Squash{},
	}}
	g := G.NewGraph()
	p, err := a.NewParams(g, graph.WithDtype(tensor.Float64))
	if err != nil {
		log.Fatal(err)
	}
	x := a.NewInput(g, tensor.Float64, 1)
	net, err := p.Apply(x)
	if err != nil {
		log.Fatal(err)
	}
	// Zero weights: each unit's weighted sum is its bias.
	pre := []float64{0, 1, -1, 3}
	if err := p.SetWeights(map[string]graph.Tensor{
		"f1.weight": {Shape: []int{4, 1, 1, 1}, Data: make([]float64, 4)},
		"f1.bias":   {Shape: []int{4}, Data: pre},
	}); err != nil {
		log.Fatal(err)
	}
	if err := G.Let(x, tensor.New(tensor.WithShape(1, 1, 1, 1), tensor.WithBacking([]float64{0.7}))); err != nil {
		log.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := graph.RunTape(vm); err != nil {
		log.Fatal(err)
	}
	stage := net.Layers()[1] // the input is Layers()[0]
	out := stage.Out.Value().Data().([]float64)
	for k, v := range stage.Pre.Value().Data().([]float64) {
		fmt.Printf("f(%g) = %.4f (by hand %.4f)\n", v, out[k], 1.7159*math.Tanh(2*pre[k]/3))
	}
	// Output:
	// f(0) = 0.0000 (by hand 0.0000)
	// f(1) = 1.0000 (by hand 1.0000)
	// f(-1) = -1.0000 (by hand -1.0000)
	// f(3) = 1.6542 (by hand 1.6542)
}

// An RBF head of one's own codes: three classes coded by 2-vectors. Each
// output is the squared distance to a class's code; the smallest wins.
// The MAP loss of the true class c is y_c + log(exp(-j) + sum_i exp(-y_i)).
func ExampleRBFHead() {
	codes := []float64{
		1, 1, // class 0
		1, -1, // class 1
		-1, -1, // class 2
	}
	a := graph.Arch{Name: "rbf", Input: []int{1, 1, 2}, Layers: []graph.LayerSpec{
		graph.Full{Name: "F1", Units: 2},
		graph.RBFHead{Codes: codes, K: 3},
	}}
	g := G.NewGraph()
	p, err := a.NewParams(g, graph.WithDtype(tensor.Float64), graph.WithJ(0.1))
	if err != nil {
		log.Fatal(err)
	}
	x := a.NewInput(g, tensor.Float64, 1)
	net, err := p.Apply(x)
	if err != nil {
		log.Fatal(err)
	}
	labels := net.NewLabels() // 1 x 3
	loss, err := net.Loss(labels)
	if err != nil {
		log.Fatal(err)
	}
	// F1 passes its input through: identity weight, zero bias. The codes
	// are a constant, not a learnable, but a set of weights names them
	// (rbf.centers) so that SetWeights can check they are the head's own.
	if err := p.SetWeights(map[string]graph.Tensor{
		"f1.weight":   {Shape: []int{2, 1, 1, 2}, Data: []float64{1, 0, 0, 1}},
		"f1.bias":     {Shape: []int{2}, Data: []float64{0, 0}},
		"rbf.centers": {Shape: []int{3, 2}, Data: codes},
	}); err != nil {
		log.Fatal(err)
	}
	if err := G.Let(x, tensor.New(tensor.WithShape(1, 1, 1, 2), tensor.WithBacking([]float64{1, -1}))); err != nil {
		log.Fatal(err)
	}
	if err := G.Let(labels, tensor.New(tensor.WithShape(1, 3), tensor.WithBacking([]float64{0, 1, 0}))); err != nil {
		log.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := graph.RunTape(vm); err != nil {
		log.Fatal(err)
	}
	d, err := net.Outputs()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("output", net.Output.Shape(), "distances", d, "nearest code", slices.Index(d, slices.Min(d)))
	byHand := d[1] + math.Log(math.Exp(-0.1)+math.Exp(-d[0])+math.Exp(-d[1])+math.Exp(-d[2]))
	fmt.Printf("MAP loss %.4f (by hand %.4f)\n", loss.Value().Data(), byHand)
	// Output:
	// output (1, 3) distances [4 0 4] nearest code 1
	// MAP loss 0.6634 (by hand 0.6634)
}

// A softmax head of three classes on a 2x2 input: logits, their
// probabilities and the cross-entropy of the true class, -log p_c.
func ExampleSoftmaxHead() {
	a := graph.Arch{Name: "softmax", Input: []int{1, 2, 2}, Layers: []graph.LayerSpec{
		graph.SoftmaxHead{K: 3},
	}}
	g := G.NewGraph()
	p, err := a.NewParams(g, graph.WithDtype(tensor.Float64))
	if err != nil {
		log.Fatal(err)
	}
	x := a.NewInput(g, tensor.Float64, 1)
	net, err := p.Apply(x)
	if err != nil {
		log.Fatal(err)
	}
	labels := net.NewLabels()
	loss, err := net.Loss(labels)
	if err != nil {
		log.Fatal(err)
	}
	// Zero weights, so the logits are the biases: 0, ln 2, 0 give the
	// probabilities 1/4, 1/2, 1/4.
	if err := p.SetWeights(map[string]graph.Tensor{
		"out.weight": {Shape: []int{3, 1, 2, 2}, Data: make([]float64, 12)},
		"out.bias":   {Shape: []int{3}, Data: []float64{0, math.Ln2, 0}},
	}); err != nil {
		log.Fatal(err)
	}
	if err := G.Let(x, tensor.New(tensor.WithShape(1, 1, 2, 2), tensor.WithBacking([]float64{1, 2, 3, 4}))); err != nil {
		log.Fatal(err)
	}
	if err := G.Let(labels, tensor.New(tensor.WithShape(1, 3), tensor.WithBacking([]float64{0, 1, 0}))); err != nil {
		log.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := graph.RunTape(vm); err != nil {
		log.Fatal(err)
	}
	logits, err := net.Outputs()
	if err != nil {
		log.Fatal(err)
	}
	var total float64
	for _, v := range logits {
		total += math.Exp(v)
	}
	fmt.Print("probabilities")
	for _, v := range logits {
		fmt.Printf(" %.4f", math.Exp(v)/total)
	}
	fmt.Printf("\ncross-entropy %.4f (by hand -ln 0.5 = %.4f)\n", loss.Value().Data(), -math.Log(0.5))
	// Output:
	// probabilities 0.2500 0.5000 0.2500
	// cross-entropy 0.6931 (by hand -ln 0.5 = 0.6931)
}

// A LeNet-like network of one's own: three input planes (say a digit and
// its horizontal and vertical differences), a C3 of twelve maps through
// its own table (six read two neighbouring S2 maps, six read three), a
// fully connected layer and a softmax head.
func ExampleArch() {
	table := graph.Table{In: 6, Inputs: [][]int{
		{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {0, 5},
		{0, 2, 3}, {1, 3, 4}, {2, 4, 5}, {0, 3, 5}, {0, 1, 4}, {1, 2, 5},
	}}
	a := graph.Arch{Name: "mine", Input: []int{3, 32, 32}, Layers: []graph.LayerSpec{
		graph.Conv{Name: "C1", Table: graph.FullTable(3, 6), Kernel: 5}, graph.Squash{},
		graph.Subsample{Name: "S2"}, graph.Squash{},
		graph.Conv{Name: "C3", Table: table, Kernel: 5}, graph.Squash{},
		graph.Subsample{Name: "S4"}, graph.Squash{},
		graph.Full{Name: "F5", Units: 84}, graph.Squash{},
		graph.SoftmaxHead{},
	}}
	g := G.NewGraph()
	p, err := a.NewParams(g, graph.WithSeed(1))
	if err != nil {
		log.Fatal(err)
	}
	x := a.NewInput(g, tensor.Float32, 2)
	net, err := p.Apply(x)
	if err != nil {
		log.Fatal(err)
	}
	if err := G.Let(x, tensor.New(tensor.WithShape(2, 3, 32, 32), tensor.WithBacking(make([]float32, 2*3*32*32)))); err != nil {
		log.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := graph.RunTape(vm); err != nil {
		log.Fatal(err)
	}
	fmt.Print(net.Summary())
	fmt.Println("C3", net.Stage("C3").Shape(), "output", net.Output.Shape())
	// Output:
	// stage      output  parameters  connections       MACs
	// input     3x32x32           0            0          0
	// C1        6x28x28         456      357,504    352,800
	// S2        6x14x14          12        5,880      1,176
	// C3       12x10x10         762       76,200     75,000
	// S4         12x5x5          24        1,500        300
	// F5             84      25,284       25,284     25,200
	// output         10         850          850        840
	// total                  27,388      467,218    455,316
	// C3 (2, 12, 10, 10) output (2, 10)
}

// LeNet-1 (LeCun et al. 1989) as the paper counts it: 2,578 parameters,
// 98,442 connections.
func ExampleArch_Summary() {
	s, err := graph.LeNet1().Summary()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(s)
	// Output:
	// stage      output  parameters  connections       MACs
	// input     1x28x28           0            0          0
	// H1        4x24x24         104       59,904     57,600
	// H2        4x12x12           8        2,880        576
	// H3         12x8x8         512       32,768     32,000
	// H4         12x4x4          24          960        192
	// output         10       1,930        1,930      1,920
	// total                   2,578       98,442     92,288
}
