package data

import (
	"fmt"

	"gorgonia.org/tensor"
)

// Batch is one batch of network inputs, contiguous float32 NCHW
// (N x 1 x 32 x 32), with its labels. A Batches iterator reuses one Batch,
// so its contents are valid until the next call to Next.
type Batch struct {
	// Inputs holds N()*InputSize values, image after image.
	Inputs []float32
	// Labels holds the digit of each image.
	Labels []int
	// Indices holds the index in the Set of each image.
	Indices []int
	oneHot  []float32
}

// N returns the number of images in the batch; a last partial batch has
// fewer than the batch size.
func (b *Batch) N() int { return len(b.Labels) }

// Tensor returns the inputs as an N x 1 x 32 x 32 float32 tensor backed by
// b.Inputs (no copy), ready for gorgonia.Let on an input node of that shape.
func (b *Batch) Tensor() *tensor.Dense {
	return tensor.New(tensor.WithShape(b.N(), 1, InputSide, InputSide), tensor.WithBacking(b.Inputs))
}

// OneHot returns the labels as an N x Classes float32 matrix, 1 at the
// label's column, 0 elsewhere, backed by a buffer the batch reuses.
func (b *Batch) OneHot() *tensor.Dense {
	n := b.N() * Classes
	if cap(b.oneHot) < n {
		b.oneHot = make([]float32, n)
	}
	b.oneHot = b.oneHot[:n]
	clear(b.oneHot)
	for i, l := range b.Labels {
		b.oneHot[i*Classes+l] = 1
	}
	return tensor.New(tensor.WithShape(b.N(), Classes), tensor.WithBacking(b.oneHot))
}

// Batches walks a Set in a given order, filling one reused Batch at a
// time from the compact bytes. The last batch holds the remainder when the
// order's length is not a multiple of the batch size: evaluation sees
// every image.
type Batches struct {
	set   *Set
	order []int
	size  int
	pos   int
	batch Batch
}

// NewBatches returns an iterator over set in order (indices into set; use
// Range for the stored order, Shuffled for an epoch's order) with batches
// of size images.
func NewBatches(set *Set, order []int, size int) (*Batches, error) {
	if size <= 0 {
		return nil, fmt.Errorf("data: batch size %d must be at least 1", size)
	}
	for _, i := range order {
		if i < 0 || i >= set.Len() {
			return nil, fmt.Errorf("data: index %d out of range for a set of %d images", i, set.Len())
		}
	}
	return &Batches{
		set:   set,
		order: order,
		size:  size,
		batch: Batch{
			Inputs:  make([]float32, 0, size*InputSize),
			Labels:  make([]int, 0, size),
			Indices: make([]int, 0, size),
		},
	}, nil
}

// Len returns the number of batches, the partial one included.
func (it *Batches) Len() int { return (len(it.order) + it.size - 1) / it.size }

// Next fills and returns the next batch, or nil when the order is used up.
func (it *Batches) Next() *Batch {
	if it.pos >= len(it.order) {
		return nil
	}
	idx := it.order[it.pos:min(it.pos+it.size, len(it.order))]
	it.pos += len(idx)
	b := &it.batch
	b.Inputs = b.Inputs[:len(idx)*InputSize]
	b.Labels = b.Labels[:len(idx)]
	b.Indices = append(b.Indices[:0], idx...)
	for k, i := range idx {
		Preprocess(b.Inputs[k*InputSize:(k+1)*InputSize], it.set.Image(i))
		b.Labels[k] = it.set.Label(i)
	}
	return b
}

// Reset starts the walk over from the first batch.
func (it *Batches) Reset() { it.pos = 0 }
