package f32

// The path each kernel runs (generic until the assembly lands).

func axpy(a float32, x, y []float32) { axpyGeneric(a, x, y) }
func scale(a float32, x []float32)   { scaleGeneric(a, x) }
func dot(x, y []float32) float32     { return dotGeneric(x, y) }
func sqDist(x, y []float32) float32  { return sqDistGeneric(x, y) }
func sum(x []float32) float32        { return sumGeneric(x) }
func squash(a, y []float32)          { squashGeneric(a, y) }
func squashGrad(y, g, ga []float32)  { squashGradGeneric(y, g, ga) }
func biasAxpyAt(bias float32, a, b []float32, offs []int, y []float32) {
	biasAxpyAtGeneric(bias, a, b, offs, y)
}
func multiDotAt(g, b []float32, offs []int, out []float32) { multiDotAtGeneric(g, b, offs, out) }
func blockSumsAffine(x, s []float32, h, w int, k, c float32) {
	blockSumsAffineGeneric(x, s, h, w, k, c)
}
func sgdStep(w, g []float32, lr, l2, clip float32) { sgdStepGeneric(w, g, lr, l2, clip) }
func momentumStep(w, g, v []float32, lr, mom, l2, clip float32) {
	momentumStepGeneric(w, g, v, lr, mom, l2, clip)
}
func adamStep(w, g, m, v []float32, lr, b1, b2, eps, c1, c2, l2, clip float32) {
	adamStepGeneric(w, g, m, v, lr, b1, b2, eps, c1, c2, l2, clip)
}
func rmsPropStep(w, g, c []float32, lr, rho, eps, l2, clip float32) {
	rmsPropStepGeneric(w, g, c, lr, rho, eps, l2, clip)
}
func adaGradStep(w, g, c []float32, lr, eps, l2, clip float32) {
	adaGradStepGeneric(w, g, c, lr, eps, l2, clip)
}
