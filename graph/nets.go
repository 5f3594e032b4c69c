package graph

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
func LeNet5() Arch {
	return Arch{Name: "lenet5", Input: []int{InputMaps, InputSide, InputSide}, Layers: []LayerSpec{
		Conv{Name: "C1", Table: FullTable(1, 6), Kernel: 5}, Squash{},
		Subsample{Name: "S2"}, Squash{},
		Conv{Name: "C3", Table: C3Table, Kernel: 5}, Squash{},
		Subsample{Name: "S4"}, Squash{},
		Full{Name: "C5", Units: 120}, Squash{},
		Full{Name: "F6", Units: F6Units}, Squash{},
		RBFHead{},
	}}
}
