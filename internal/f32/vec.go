package f32

// Axpy adds a*x to y: y[i] += a*x[i] for i < len(x); len(y) must be at
// least len(x).
func Axpy(a float32, x, y []float32) {
	mustFit("Axpy", "y", len(y), len(x))
	impl().axpy(a, x, y[:len(x)])
}

// Scale multiplies x by a: x[i] *= a.
func Scale(a float32, x []float32) { impl().scale(a, x) }

// Dot returns the dot product of x and y[:len(x)].
func Dot(x, y []float32) float32 {
	mustFit("Dot", "y", len(y), len(x))
	return impl().dot(x, y[:len(x)])
}

// SqDist returns the squared Euclidean distance between x and y[:len(x)].
func SqDist(x, y []float32) float32 {
	mustFit("SqDist", "y", len(y), len(x))
	return impl().sqDist(x, y[:len(x)])
}

// Sum returns the sum of x.
func Sum(x []float32) float32 { return impl().sum(x) }
