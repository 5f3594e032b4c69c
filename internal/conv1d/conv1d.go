// Package conv1d computes a one-dimensional convolution over a sequence
// of vectors, and its gradients: the layers of the SDNN's context head
// (read.ContextHead), which read computes and scripts/sdnnhead trains.
package conv1d

import "gonum.org/v1/gonum/floats"

// Layer is a convolution over a sequence of T vectors of In values,
// giving T vectors of Out values, zero-padded at the ends so that every
// position has an output.
type Layer struct {
	In, Out, Kernel int
	// W holds Out*Kernel*In weights: the weight of input i at offset
	// j-Kernel/2 for output o is at (o*Kernel+j)*In+i.
	W []float64
	// B holds Out biases.
	B []float64
}

// Forward returns the layer's outputs for x, T vectors of l.In values,
// row after row.
func (l *Layer) Forward(x []float64, T int) []float64 {
	y := make([]float64, T*l.Out)
	half := l.Kernel / 2
	for t := range T {
		yt := y[t*l.Out : (t+1)*l.Out]
		copy(yt, l.B)
		for j := range l.Kernel {
			s := t + j - half
			if s < 0 || s >= T {
				continue
			}
			xs := x[s*l.In : (s+1)*l.In]
			for o := range l.Out {
				yt[o] += floats.Dot(l.W[(o*l.Kernel+j)*l.In:(o*l.Kernel+j+1)*l.In], xs)
			}
		}
	}
	return y
}

// Backward adds to gw and gb (shaped as W and B) the gradients of the
// weights for the outputs' gradient dy at the inputs x, and returns the
// inputs' gradient.
func (l *Layer) Backward(x, dy []float64, T int, gw, gb []float64) []float64 {
	dx := make([]float64, T*l.In)
	half := l.Kernel / 2
	for t := range T {
		dyt := dy[t*l.Out : (t+1)*l.Out]
		for o, g := range dyt {
			gb[o] += g
		}
		for j := range l.Kernel {
			s := t + j - half
			if s < 0 || s >= T {
				continue
			}
			xs, dxs := x[s*l.In:(s+1)*l.In], dx[s*l.In:(s+1)*l.In]
			for o, g := range dyt {
				if g == 0 {
					continue
				}
				off := (o*l.Kernel + j) * l.In
				w, gws := l.W[off:off+l.In], gw[off:off+l.In]
				for i, v := range xs {
					gws[i] += g * v
					dxs[i] += g * w[i]
				}
			}
		}
	}
	return dx
}
