package data

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
)

// Shuffled returns a permutation of indices (a new slice) that depends only
// on seed and epoch: the same seed and epoch give the same order on every
// run, machine and Go version, and a run resumed at epoch k sees the order
// an uninterrupted run saw. The generator is PCG (a fixed algorithm) and the
// Fisher-Yates draws use our own bounded sampling, not math/rand's, whose
// algorithms may change between Go releases.
func Shuffled(indices []int, seed uint64, epoch int) []int {
	out := append([]int(nil), indices...)
	rng := rand.NewPCG(seed, uint64(epoch))
	for i := len(out) - 1; i > 0; i-- {
		j := boundedUint64(rng, uint64(i+1))
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// boundedUint64 draws uniformly from [0, n) by Lemire's multiply-and-reject
// method, which is unbiased and needs one draw almost always.
func boundedUint64(rng *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(rng.Uint64(), n)
	if lo < n {
		threshold := -n % n
		for lo < threshold {
			hi, lo = bits.Mul64(rng.Uint64(), n)
		}
	}
	return hi
}

// Range returns the indices 0..n-1, the order of a set as stored.
func Range(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// SplitValidation takes a validation split from a set of n images: count
// images chosen by seed go to validation, the rest to training; both lists
// are sorted so that the split, not the order, is what the seed decides.
// count 0 gives no validation images.
func SplitValidation(n, count int, seed uint64) (train, validation []int, err error) {
	if count < 0 || count >= n {
		return nil, nil, fmt.Errorf("data: validation split of %d images needs 0 <= count < %d (the training set's size)", count, n)
	}
	// The stream is distinct from every epoch's shuffle (epochs are >= 0).
	perm := Shuffled(Range(n), seed, -1)
	inValidation := make([]bool, n)
	for _, i := range perm[:count] {
		inValidation[i] = true
	}
	train = make([]int, 0, n-count)
	validation = make([]int, 0, count)
	for i, v := range inValidation {
		if v {
			validation = append(validation, i)
		} else {
			train = append(train, i)
		}
	}
	return train, validation, nil
}
