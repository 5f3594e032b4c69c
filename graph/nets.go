package graph

import (
	"fmt"
	"slices"
	"strings"
)

// The paper's networks as Archs. LeNet-5 is section II; the others are
// the comparison of section III.C (Fig. 9-12), docs/spec.md and
// docs/family.md give their sources and the choices the papers leave open.

// LeNet5 returns LeNet-5 with the paper's RBF head:
//
//	C1  6@28x28  5x5 convolution, then f
//	S2  6@14x14  trainable 2x2 sub-sampling, then f
//	C3 16@10x10  5x5 convolution through C3Table (Table I), then f
//	S4 16@5x5    as S2
//	C5 120       fully connected over the 16 5x5 maps (a 5x5 convolution), then f
//	F6 84        fully connected, then f
//	output       10 RBF units with the paper's codes
func LeNet5() Arch { return lenet5Layers("lenet5", 6, C3Table, 120) }

// LeNet5Wide returns LeNet-5 with twice its feature maps and C5 units,
// every C3 map reading every S2 map: not one of the paper's networks but
// the same layers, for the SDNN's window network, which must tell a digit
// centred among its touching neighbours from one beside it (docs/sdnn.md):
//
//	C1  12@28x28  5x5 convolution, then f
//	S2  12@14x14  trainable 2x2 sub-sampling, then f
//	C3  32@10x10  5x5 convolution over all 12 S2 maps, then f
//	S4  32@5x5    as S2
//	C5 240        fully connected over the 32 5x5 maps, then f
//	F6  84        fully connected, then f
//	output        10 RBF units with the paper's codes
func LeNet5Wide() Arch { return lenet5Layers("lenet5-wide", 12, FullTable(12, 32), 240) }

// lenet5Layers returns LeNet-5's layers with c1 C1 maps, the C3 table c3
// (from the c1 S2 maps) and c5 C5 units; F6 and the RBF head are LeNet-5's.
func lenet5Layers(name string, c1 int, c3 Table, c5 int) Arch {
	return Arch{Name: name, Input: []int{InputMaps, InputSide, InputSide}, Layers: []LayerSpec{
		Conv{Name: "C1", Table: FullTable(1, c1), Kernel: 5}, Squash{},
		Subsample{Name: "S2"}, Squash{},
		Conv{Name: "C3", Table: c3, Kernel: 5}, Squash{},
		Subsample{Name: "S4"}, Squash{},
		Full{Name: "C5", Units: c5}, Squash{},
		Full{Name: "F6", Units: F6Units}, Squash{},
		RBFHead{},
	}}
}

// MNISTSide is the side of an MNIST image: the input of the fully
// connected nets and of LeNet-1.
const MNISTSide = 28

// MLP returns a fully connected net on the 28x28 MNIST image with the
// given hidden layers, each followed by f, and a softmax head of ten
// logits: MLP(300) is the paper's 28x28-300-10, MLP() the linear
// classifier. The paper does not say which loss its nets were trained with;
// ours use the softmax cross-entropy (docs/family.md).
func MLP(hidden ...int) Arch {
	name := "linear"
	if len(hidden) > 0 {
		name = "mlp"
		for _, h := range hidden {
			name += fmt.Sprintf("-%d", h)
		}
		name += "-10"
	}
	a := Arch{Name: name, Input: []int{InputMaps, MNISTSide, MNISTSide}}
	for k, h := range hidden {
		a.Layers = append(a.Layers, Full{Name: fmt.Sprintf("F%d", k+1), Units: h}, Squash{})
	}
	a.Layers = append(a.Layers, SoftmaxHead{})
	return a
}

// NetNames lists the networks ArchNamed knows, in the order of the
// paper's Fig. 9.
func NetNames() []string {
	return []string{"linear", "mlp-300-10", "mlp-1000-10", "mlp-300-100-10", "mlp-500-150-10", "lenet1", "lenet4", "lenet5"}
}

// ArchNamed returns the paper's network of that name (NetNames), with its
// own head (RBF for LeNet-5, softmax for the others).
func ArchNamed(name string) (Arch, error) {
	switch name {
	case "linear":
		return MLP(), nil
	case "mlp-300-10":
		return MLP(300), nil
	case "mlp-1000-10":
		return MLP(1000), nil
	case "mlp-300-100-10":
		return MLP(300, 100), nil
	case "mlp-500-150-10":
		return MLP(500, 150), nil
	case "lenet1":
		return LeNet1(), nil
	case "lenet4":
		return LeNet4(), nil
	case "lenet5":
		return LeNet5(), nil
	case "lenet5-wide":
		return LeNet5Wide(), nil
	}
	return Arch{}, &UnknownNetError{Name: name}
}

// UnknownNetError is ArchNamed's error for a name it does not know.
type UnknownNetError struct{ Name string }

func (e *UnknownNetError) Error() string {
	return fmt.Sprintf("graph: unknown network %q (known: %s)", e.Name, strings.Join(NetNames(), ", "))
}

// LeNet1Table is LeNet-1's H2-H3 connection table (LeCun et al. 1989,
// Table 1): 20 of the 48 (H2 map, H3 map) pairs, in two almost independent
// halves, each H3 map reading one or two H2 maps (docs/family.md).
var LeNet1Table = Table{In: 4, Inputs: [][]int{
	{0}, {0, 1}, {0, 1}, {1}, {0, 1}, {0, 1},
	{2}, {2, 3}, {2, 3}, {3}, {2, 3}, {2, 3},
}}

// LeNet1 returns LeNet-1 (LeCun et al. 1989; the 1998 paper, III.C.7): a
// 28x28 input with the digit scaled to 16x16 (DigitSide), then
//
//	H1  4@24x24  5x5 convolution, then f
//	H2  4@12x12  trainable 2x2 sub-sampling, then f
//	H3 12@8x8    5x5 convolution through LeNet1Table (20 of 48 pairs), then f
//	H4 12@4x4    as H2
//	output       10 logits, fully connected (softmax head)
//
// 2,578 parameters and 98,442 connections.
func LeNet1() Arch {
	return Arch{Name: "lenet1", Input: []int{InputMaps, MNISTSide, MNISTSide}, DigitSide: 16, Layers: []LayerSpec{
		Conv{Name: "H1", Table: FullTable(1, 4), Kernel: 5}, Squash{},
		Subsample{Name: "H2"}, Squash{},
		Conv{Name: "H3", Table: LeNet1Table, Kernel: 5}, Squash{},
		Subsample{Name: "H4"}, Squash{},
		SoftmaxHead{},
	}}
}

// LeNet4C3Table is our LeNet-4 C3 table (the paper gives none): each C3
// map reads 3 or 4 of the 8 S2 maps, 60 kernels in all, as LeNet-5's C3
// (docs/family.md).
var LeNet4C3Table = Table{In: 8, Inputs: [][]int{
	{0, 1, 2}, {2, 3, 4}, {4, 5, 6}, {0, 6, 7},
	{0, 1, 2, 3}, {2, 3, 4, 5}, {4, 5, 6, 7}, {0, 1, 6, 7},
	{1, 2, 3, 4}, {3, 4, 5, 6}, {0, 5, 6, 7}, {0, 1, 2, 7},
	{0, 1, 4, 5}, {2, 3, 6, 7}, {0, 2, 4, 6}, {1, 3, 5, 7},
}}

// LeNet4F5Table is our LeNet-4 F5 table: F5's 120 units each read the
// whole 5x5 of 4 or 5 of the 16 S4 maps (units 0-79 five maps in a row
// from u mod 16, units 80-119 four from 2((u-80) mod 8)), 560 links, each
// S4 map feeding 35 units: the reading of the paper's "about 17,000
// parameters and 260,000 connections" in docs/family.md.
var LeNet4F5Table = func() Table {
	t := Table{In: 16, Inputs: make([][]int, 120)}
	for u := range t.Inputs {
		start, width := u%16, 5
		if u >= 80 {
			start, width = 2*((u-80)%8), 4
		}
		for d := range width {
			t.Inputs[u] = append(t.Inputs[u], (start+d)%16)
		}
		slices.Sort(t.Inputs[u])
	}
	return t
}()

// LeNet4 returns LeNet-4 (the 1998 paper, III.C.8) as docs/family.md
// reads the paper's text, which does not add up as written:
//
//	C1   4@28x28  5x5 convolution, then f
//	S2   8@14x14  trainable 2x2 sub-sampling, each C1 map feeding two, then f
//	C3  16@10x10  5x5 convolution through LeNet4C3Table, then f
//	S4  16@5x5    trainable 2x2 sub-sampling, then f
//	F5 120        5x5 convolution over the whole S4 maps of LeNet4F5Table, then f
//	output        10 logits, fully connected (softmax head)
//
// 16,998 parameters and 258,306 connections.
func LeNet4() Arch {
	return Arch{Name: "lenet4", Input: []int{InputMaps, InputSide, InputSide}, Layers: []LayerSpec{
		Conv{Name: "C1", Table: FullTable(1, 4), Kernel: 5}, Squash{},
		Subsample{Name: "S2", Copies: 2}, Squash{},
		Conv{Name: "C3", Table: LeNet4C3Table, Kernel: 5}, Squash{},
		Subsample{Name: "S4"}, Squash{},
		Conv{Name: "F5", Table: LeNet4F5Table, Kernel: 5}, Squash{},
		SoftmaxHead{},
	}}
}
