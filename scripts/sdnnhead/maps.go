package main

import (
	"fmt"
	"math"
	"slices"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/graph"
	"github.com/lenet5-go/lenet5/modelfile"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The maps -tune trains on: each window's maps at a stage of the network,
// computed once by the whole network.

// mapsReader computes the maps of windows at a stage with the whole
// network.
type mapsReader struct {
	net   *graph.Net
	stage *G.Node
	in    *G.Node
	vm    G.VM
	input []float32
	x     *tensor.Dense
	per   int
}

func newMapsReader(m *modelfile.Model, stage string) (*mapsReader, error) {
	const n = 64
	g := G.NewGraph()
	in := graph.NewInput(g, tensor.Float32, n)
	net, err := m.Build(in, graph.WithWorkers(1), graph.WithInPlaceSquash())
	if err != nil {
		return nil, err
	}
	node := net.Stage(stage)
	if node == nil {
		return nil, fmt.Errorf("the network has no stage %s", stage)
	}
	r := &mapsReader{net: net, stage: node, in: in, vm: G.NewTapeMachine(g), input: make([]float32, n*data.InputSize)}
	r.x = tensor.New(tensor.WithShape(n, 1, data.InputSide, data.InputSide), tensor.WithBacking(r.input))
	r.per = shapeVolume(node.Shape()[1:])
	return r, nil
}

// shape returns the stage's shape of one window's maps.
func (r *mapsReader) shape() []int { return slices.Clone([]int(r.stage.Shape()[1:])) }

func shapeVolume(s []int) int {
	v := 1
	for _, d := range s {
		v *= d
	}
	return v
}

// maps returns the windows' maps, one row of r.per values a window, as
// bfloat16 (the float32's upper half, rounded): half the memory, and the
// maps are squashed values within 1.72 of 0, so 8 bits of mantissa keep
// them within 0.4%.
func (r *mapsReader) maps(windows [][]uint8) ([]uint16, error) {
	n := len(r.input) / data.InputSize
	out := make([]uint16, 0, len(windows)*r.per)
	for len(windows) > 0 {
		chunk := windows[:min(n, len(windows))]
		windows = windows[len(chunk):]
		for i := range r.input {
			r.input[i] = data.Background
		}
		for k, w := range chunk {
			data.Preprocess(r.input[k*data.InputSize:(k+1)*data.InputSize], w)
		}
		if err := G.Let(r.in, r.x); err != nil {
			return nil, err
		}
		r.vm.Reset()
		if err := graph.RunTape(r.vm); err != nil {
			return nil, err
		}
		for _, v := range r.stage.Value().Data().([]float32)[:len(chunk)*r.per] {
			out = append(out, toBF16(v))
		}
	}
	return out, nil
}

// toBF16 rounds v to bfloat16 (to nearest, ties to even; v finite).
func toBF16(v float32) uint16 {
	b := math.Float32bits(v)
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

func fromBF16(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// withMaps sets every example's maps at the stage (maps, t windows),
// workers at once.
func withMaps(m *modelfile.Model, stage string, ex []example, workers int) error {
	return eachWindows(ex, workers, func() (func(i int, windows [][]uint8) error, func(), error) {
		r, err := newMapsReader(m, stage)
		if err != nil {
			return nil, nil, err
		}
		read1 := func(i int, windows [][]uint8) error {
			mp, err := r.maps(windows)
			if err != nil {
				return err
			}
			ex[i].maps, ex[i].t = mp, len(windows)
			return nil
		}
		return read1, func() { r.vm.Close() }, nil
	})
}
