package synth

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// Streams keep the generators' random numbers apart: sample i of a
// generator with seed s draws from PCG(s, stream<<32 | i), so a sample
// depends on the seed and its index only, never on how many samples are
// made or on another generator.
const (
	streamStrings   = 1
	streamNonDigits = 2
)

// draws turns a PCG into the numbers the generators need. The conversions
// are ours, like data.Shuffled's, not math/rand's, whose algorithms may
// change between Go releases: the same seed draws the same numbers on every
// release.
type draws struct{ src *rand.PCG }

// sampleDraws returns the random numbers of sample i of a stream.
func sampleDraws(seed, stream uint64, i int) draws {
	return draws{rand.NewPCG(seed, stream<<32|uint64(i))}
}

// intN draws uniformly from [0, n), n > 0, by Lemire's multiply-and-reject
// method.
func (r draws) intN(n int) int {
	m := uint64(n)
	hi, lo := bits.Mul64(r.src.Uint64(), m)
	if lo < m {
		threshold := -m % m
		for lo < threshold {
			hi, lo = bits.Mul64(r.src.Uint64(), m)
		}
	}
	return int(hi)
}

// float draws uniformly from [0, 1) with 53 random bits.
func (r draws) float() float64 {
	return float64(r.src.Uint64()>>11) / (1 << 53)
}

// uniform draws uniformly from [lo, hi).
func (r draws) uniform(lo, hi float64) float64 {
	return lo + (hi-lo)*r.float()
}

// between draws an integer uniformly from [lo, hi].
func (r draws) between(lo, hi int) int {
	return lo + r.intN(hi-lo+1)
}

// chance reports true with probability p.
func (r draws) chance(p float64) bool {
	return r.float() < p
}

// norm draws from the standard normal distribution (Box-Muller).
func (r draws) norm() float64 {
	u := 1 - r.float() // (0, 1]
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*r.float())
}
