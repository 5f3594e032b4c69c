package f32

// The squashing function of LeNet-5's layers: f(a) = A tanh(S a), so
// that f(1) = 1 and f(-1) = -1.
const (
	SquashA = 1.7159
	SquashS = 2.0 / 3.0
)

// Squash writes f(a) into y[:len(a)], through Tanh's approximation. A
// NaN or infinite input gives NaN, so a diverged input shows in the loss.
func Squash(a, y []float32) {
	mustFit("Squash", "y", len(y), len(a))
	impl().squash(a, y[:len(a)])
}

// SquashGrad writes g * f'(a) into ga, with f' taken from the output
// y = f(a): f'(a) = S A (1 - tanh^2(S a)) = (S/A)(A^2 - y^2).
func SquashGrad(y, g, ga []float32) {
	mustFit("SquashGrad", "g", len(g), len(y))
	mustFit("SquashGrad", "ga", len(ga), len(y))
	impl().squashGrad(y, g[:len(y)], ga[:len(y)])
}

// tanhClamp bounds Tanh's input: beyond it, the approximation is 1 to
// float32 precision.
const tanhClamp = 7.90531110763549805

// Tanh is a float32 tanh within 1e-6 of math.Tanh (TestTanh), with the
// vector kernels' coefficients, so that the generic path computes what
// they do. NaN gives NaN.
func Tanh(x float32) float32 {
	if x > tanhClamp {
		x = tanhClamp
	} else if x < -tanhClamp {
		x = -tanhClamp
	}
	if x < 0.0004 && x > -0.0004 {
		return x
	}
	// The rational minimax approximation used by Eigen and XLA:
	// tanh(x) = x p(x^2) / q(x^2) (_asm/main.go holds the same
	// coefficients for the vector kernels).
	x2 := x * x
	p := x2*-2.76076847742355e-16 + 2.00018790482477e-13
	p = p*x2 + -8.60467152213735e-11
	p = p*x2 + 5.12229709037114e-08
	p = p*x2 + 1.48572235717979e-05
	p = p*x2 + 6.37261928875436e-04
	p = p*x2 + 4.89352455891786e-03
	p *= x
	q := x2*1.19825839466702e-06 + 1.18534705686654e-04
	q = q*x2 + 2.26843463243900e-03
	q = q*x2 + 4.89352518554385e-03
	return p / q
}
