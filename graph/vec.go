package graph

// The two inner loops every layer's kernel reduces to. They are the place
// to put vector instructions; the layer kernels stay plain.

// axpy adds a*x to y; len(y) must be at least len(x).
func axpy[T float](a T, x, y []T) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += a * v
	}
}

// dot returns the dot product of x and y[:len(x)].
func dot[T float](x, y []T) T {
	y = y[:len(x)]
	var s0, s1, s2, s3 T
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// sum returns the sum of x.
func sum[T float](x []T) T {
	var s T
	for _, v := range x {
		s += v
	}
	return s
}
