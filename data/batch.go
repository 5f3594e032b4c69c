package data

import (
	"fmt"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// Batch is one batch of network inputs, contiguous float32 NCHW
// (N x 1 x Side x Side of its Format; 32x32 for LeNet-5), with its labels.
// A Batches iterator reuses one Batch, so its contents are valid until the
// next call to Next.
type Batch struct {
	// Inputs holds N()*Format().Size() values, image after image.
	Inputs []float32
	// Labels holds the digit of each image.
	Labels []int
	// Indices holds the order entry of each image: its index in the Set,
	// or for distorted walks the entry naming image and copy.
	Indices []int
	oneHot  []float32
	format  InputFormat // zero: LeNet5Format
}

// N returns the number of images in the batch; a last partial batch has
// fewer than the batch size.
func (b *Batch) N() int { return len(b.Labels) }

// Format returns the format of the batch's inputs: the one its Batches
// fills, LeNet5Format for a Batch made otherwise.
func (b *Batch) Format() InputFormat {
	if b.format == (InputFormat{}) {
		return LeNet5Format
	}
	return b.format
}

// Tensor returns the inputs as an N x 1 x Side x Side float32 tensor
// (Side of the batch's Format: 32 for LeNet-5) backed by b.Inputs (no
// copy), ready for gorgonia.Let on an input node of that shape.
func (b *Batch) Tensor() *tensor.Dense {
	side := b.Format().Side
	return tensor.New(tensor.WithShape(b.N(), 1, side, side), tensor.WithBacking(b.Inputs))
}

// OneHot returns the labels as an N x Classes float32 matrix, 1 at the
// label's column, 0 elsewhere, backed by a buffer the batch reuses. A
// Rubbish label has no column here: its row is all 0 (OneHotRubbish has
// one).
func (b *Batch) OneHot() *tensor.Dense { return b.oneHotOf(Classes) }

// OneHotRubbish returns the labels as an N x (Classes+1) float32 matrix:
// a digit's 1 in its column, a Rubbish label's in the last, the MAP
// loss's rubbish class (graph.Rubbish, graph.Net.NewRubbishLabels). It
// shares OneHot's buffer.
func (b *Batch) OneHotRubbish() *tensor.Dense { return b.oneHotOf(Classes + 1) }

// oneHotOf fills the one-hot buffer with cols columns.
func (b *Batch) oneHotOf(cols int) *tensor.Dense {
	n := b.N() * cols
	if cap(b.oneHot) < n {
		b.oneHot = make([]float32, n)
	}
	b.oneHot = b.oneHot[:n]
	clear(b.oneHot)
	for i, l := range b.Labels {
		if l < cols {
			b.oneHot[i*cols+l] = 1
		}
	}
	return tensor.New(tensor.WithShape(b.N(), cols), tensor.WithBacking(b.oneHot))
}

// Rubbish is the label of an image that is not a digit: the MAP loss's
// rubbish class, column Classes of OneHotRubbish.
const Rubbish = Classes

// Batches walks a Set in a given order, filling one reused Batch at a
// time from the compact bytes, in one InputFormat. The last batch holds
// the remainder when the order's length is not a multiple of the batch
// size: evaluation sees every image.
type Batches struct {
	set     *Set
	order   []int
	size    int
	pos     int
	batch   Batch
	distort *Distorted
}

// Distorted describes distorted copies of a set's images: order entry v
// of a walk made by NewDistortedBatches stands for copy v / n of image
// v % n (n = the set's size); copy 0 is the image itself, copy k >= 1 a
// random distortion drawn from (Seed, Epoch, v), so every copy is the same
// on every run and when a run resumes.
//
// Extra, when not nil, adds images of another set after the copies: entry
// v >= n*(Copies+1) stands for Extra's image v - n*(Copies+1), with its
// label, undistorted (ExtraEntries lists them). Training mixes images that
// are not digits in this way, labelled Rubbish.
type Distorted struct {
	Copies int // distorted copies per image
	Ranges DistortRanges
	Seed   uint64
	Epoch  int
	Extra  *Set
}

// ExtraEntries returns the order entries of the count images of
// Distorted.Extra, after n images with copies copies each.
func ExtraEntries(n, copies, count int) []int {
	out := make([]int, count)
	for i := range out {
		out[i] = n*(copies+1) + i
	}
	return out
}

// WithCopies lists the order entries of indices and their copies:
// copy c of image i is c*n + i.
func WithCopies(indices []int, n, copies int) []int {
	out := make([]int, 0, len(indices)*(copies+1))
	for c := range copies + 1 {
		for _, i := range indices {
			out = append(out, c*n+i)
		}
	}
	return out
}

// NewBatches returns an iterator over set in order (indices into set; use
// Range for the stored order, Shuffled for an epoch's order) with batches
// of size images, in LeNet-5's input format (LeNet5Format).
func NewBatches(set *Set, order []int, size int) (*Batches, error) {
	return NewBatchesFormat(set, order, size, LeNet5Format)
}

// NewBatchesFormat is NewBatches with inputs in format f, for the networks
// that do not read LeNet-5's 32x32 input: each image is f.Preprocess'd and
// Batch.Tensor is N x 1 x f.Side x f.Side.
func NewBatchesFormat(set *Set, order []int, size int, f InputFormat) (*Batches, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
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
			Inputs:  make([]float32, 0, size*f.Size()),
			Labels:  make([]int, 0, size),
			Indices: make([]int, 0, size),
			format:  f,
		},
	}, nil
}

// NewDistortedBatches is NewBatches over images and their distorted
// copies (see Distorted and WithCopies), in LeNet5Format.
func NewDistortedBatches(set *Set, order []int, size int, d Distorted) (*Batches, error) {
	return NewDistortedBatchesFormat(set, order, size, d, LeNet5Format)
}

// NewDistortedBatchesFormat is NewDistortedBatches with inputs in format
// f. A distorted copy is resampled once, through the format's scaling and
// the distortion together (Distortion.ApplyFormat); the copies drawn for a
// seed, epoch and entry are the same distortions in every format.
func NewDistortedBatchesFormat(set *Set, order []int, size int, d Distorted, f InputFormat) (*Batches, error) {
	if d.Copies < 0 {
		return nil, fmt.Errorf("data: %d distorted copies", d.Copies)
	}
	if err := d.Ranges.Validate(); err != nil {
		return nil, err
	}
	n := set.Len()
	extra := 0
	if d.Extra != nil {
		extra = d.Extra.Len()
	}
	for _, v := range order {
		if v < 0 || v >= n*(d.Copies+1)+extra {
			if extra > 0 {
				return nil, fmt.Errorf("data: entry %d out of range for %d images with %d copies each and %d extra images", v, n, d.Copies, extra)
			}
			return nil, fmt.Errorf("data: entry %d out of range for %d images with %d copies each", v, n, d.Copies)
		}
	}
	it, err := NewBatchesFormat(set, nil, size, f)
	if err != nil {
		return nil, err
	}
	it.order, it.distort = order, &d
	return it, nil
}

// fill writes order entry v into slot k of the batch.
func (it *Batches) fill(k, v int) {
	n := it.set.Len()
	f := it.batch.format
	dst := it.batch.Inputs[k*f.Size() : (k+1)*f.Size()]
	if d := it.distort; d != nil && d.Extra != nil && v >= n*(d.Copies+1) {
		e := v - n*(d.Copies+1)
		it.batch.Labels[k] = d.Extra.Label(e)
		f.Preprocess(dst, d.Extra.Image(e))
		return
	}
	i, copyNo := v%n, v/n
	it.batch.Labels[k] = it.set.Label(i)
	if copyNo == 0 {
		f.Preprocess(dst, it.set.Image(i))
		return
	}
	it.distort.copyOf(v).ApplyFormat(f, dst, it.set.Image(i))
}

// copyOf returns the distortion of order entry v's copy, drawn from
// (Seed, Epoch, v) alone.
func (d *Distorted) copyOf(v int) Distortion {
	rng := rand.New(rand.NewPCG(d.Seed^0x6469_7374_6f72_74, uint64(d.Epoch)<<40^uint64(v)))
	return d.Ranges.Random(rng)
}

// Format returns the format of the inputs the batches hold.
func (it *Batches) Format() InputFormat { return it.batch.format }

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
	b.Inputs = b.Inputs[:len(idx)*b.format.Size()]
	b.Labels = b.Labels[:len(idx)]
	b.Indices = append(b.Indices[:0], idx...)
	for k, v := range idx {
		it.fill(k, v)
	}
	return b
}

// Reset starts the walk over from the first batch.
func (it *Batches) Reset() { it.pos = 0 }
