package train

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/lenet5-go/lenet5/graph"
	G "gorgonia.org/gorgonia"
)

// PaperMu is the paper's safety term mu of SDLM (docs/spec.md §7): it
// bounds each parameter's step at eta/mu where the curvature is small.
// With the spec's curvature estimate it diverges within the first
// thousand patterns (docs/sdlm.md).
const PaperMu = 0.02

// DefaultMu is the mu we use instead of the paper's, chosen on a
// validation split (docs/sdlm.md), with a margin from divergence.
const DefaultMu = 0.2

// DefaultCurvatureRefresh is how many patterns into each pass the
// curvature is re-estimated first (then after twice, four times ... as
// many; Config.CurvatureRefresh): not in the paper, chosen on a validation
// split (docs/sdlm.md).
const DefaultCurvatureRefresh = 100

// DefaultCurvaturePatterns is how many training patterns the paper
// averages the curvature over before every pass.
const DefaultCurvaturePatterns = 500

// SDLM is the paper's stochastic diagonal Levenberg-Marquardt solver
// (LeCun et al. 1998, appendix C), a Gorgonia Solver: each parameter k
// takes the step
//
//	w_k -= eta / (mu + h_kk) * scale * dE/dw_k
//
// where h_kk is a curvature estimate set with SetCurvature (for a
// LeNet-5 built by package graph, graph.GaussNewton computes the paper's)
// and held fixed until the next SetCurvature. scale multiplies the
// gradient: 1 for the paper's per-pattern updates; B for a loss averaged
// over batches of B, so a mini-batch step is the sum of B per-pattern
// steps at the paper's rates. Like Gorgonia's solvers, Step zeroes the
// gradients it used.
type SDLM struct {
	eta, mu, scale float64
	// l2 is the weight decay of the L2 variant (WithSDLML2): not in the
	// paper, 0 in its recipe.
	l2        float64
	curvature []graph.Tensor
	// eta*scale/(mu+h) per parameter, made on the first Step after any
	// setting changes (nil until then), for float32 and float64 models.
	rates32 [][]float32
	rates64 [][]float64
}

// SDLMOption configures NewSDLM.
type SDLMOption func(*SDLM)

// WithSDLMRate sets the global rate eta (default the paper's first, 0.0005).
func WithSDLMRate(eta float64) SDLMOption { return func(s *SDLM) { s.eta = eta } }

// WithSDLMMu sets mu (default DefaultMu).
func WithSDLMMu(mu float64) SDLMOption { return func(s *SDLM) { s.mu = mu } }

// WithSDLMScale sets the factor applied to the gradient (default 1): the
// batch size when the loss is a batch mean.
func WithSDLMScale(scale float64) SDLMOption { return func(s *SDLM) { s.scale = scale } }

// WithSDLML2 adds the gradient of (l2/2)*w^2 to every parameter's
// gradient, so each step is eta/(mu+h) * scale * (dE/dw + l2*w): L2
// weight decay at SDLM's per-parameter rates. It is not in the paper
// (whose recipe has 0, the default); docs/sdlm.md measures it as a
// labelled variant for the runs without distortions.
func WithSDLML2(l2 float64) SDLMOption { return func(s *SDLM) { s.l2 = l2 } }

// NewSDLM returns an SDLM solver. It needs a curvature estimate
// (SetCurvature) before its first Step.
func NewSDLM(opts ...SDLMOption) (*SDLM, error) {
	s := &SDLM{eta: PaperBase, mu: DefaultMu, scale: 1}
	for _, o := range opts {
		o(s)
	}
	for _, v := range []struct {
		name string
		v    float64
	}{{"rate", s.eta}, {"mu", s.mu}, {"scale", s.scale}} {
		if !(v.v > 0) || math.IsInf(v.v, 0) {
			return nil, fmt.Errorf("sdlm: %s %g must be a positive number", v.name, v.v)
		}
	}
	if !(s.l2 >= 0) || math.IsInf(s.l2, 0) {
		return nil, fmt.Errorf("sdlm: l2 %g must be a finite number, not negative", s.l2)
	}
	return s, nil
}

// SetLearnRate changes eta, keeping the curvature.
func (s *SDLM) SetLearnRate(eta float64) {
	if eta != s.eta {
		s.eta, s.rates32, s.rates64 = eta, nil, nil
	}
}

// SetMu changes mu, keeping the curvature.
func (s *SDLM) SetMu(mu float64) error {
	if !(mu > 0) || math.IsInf(mu, 0) {
		return fmt.Errorf("sdlm: mu %g must be a positive number", mu)
	}
	if mu != s.mu {
		s.mu, s.rates32, s.rates64 = mu, nil, nil
	}
	return nil
}

// SetCurvature sets the diagonal second-derivative estimate h, one tensor
// per parameter in the order Step will see them, each holding as many
// values as its parameter. Values must be finite and not negative. They
// are kept at float32 precision, the precision of checkpoints, so a run
// resumed mid-pass takes the same steps.
func (s *SDLM) SetCurvature(h []graph.Tensor) error {
	kept := make([]graph.Tensor, len(h))
	for i, t := range h {
		kept[i] = graph.Tensor{Shape: append([]int(nil), t.Shape...), Data: make([]float64, len(t.Data))}
		for k, v := range t.Data {
			if !(v >= 0) || math.IsInf(v, 0) || v > math.MaxFloat32 {
				return fmt.Errorf("sdlm: curvature %d[%d] = %v: must be finite and not negative", i, k, v)
			}
			kept[i].Data[k] = float64(float32(v))
		}
	}
	s.curvature = kept
	s.rates32, s.rates64 = nil, nil
	return nil
}

// Curvature returns the estimate in use (nil before SetCurvature).
func (s *SDLM) Curvature() []graph.Tensor { return s.curvature }

// RateRange returns the smallest and largest effective per-parameter rate
// eta/(mu+h) (without the scale); the paper reports about 7e-5 to 0.016
// in its first pass.
func (s *SDLM) RateRange() (lo, hi float64) {
	lo, hi = math.Inf(1), 0
	for _, t := range s.curvature {
		for _, h := range t.Data {
			r := s.eta / (s.mu + h)
			lo, hi = math.Min(lo, r), math.Max(hi, r)
		}
	}
	return lo, hi
}

// Step updates every parameter and zeroes its gradient.
func (s *SDLM) Step(model []G.ValueGrad) error {
	if s.curvature == nil {
		return errors.New("sdlm: no curvature estimate: call SetCurvature before Step")
	}
	if len(model) != len(s.curvature) {
		return fmt.Errorf("sdlm: %d parameters, but a curvature estimate of %d", len(model), len(s.curvature))
	}
	ps, err := paramsOf("sdlm", model)
	if err != nil {
		return err
	}
	for i, p := range ps {
		if p.size() != len(s.curvature[i].Data) {
			return fmt.Errorf("sdlm: parameter %d has %d values, its curvature %d", i, p.size(), len(s.curvature[i].Data))
		}
	}
	for i, p := range ps {
		if p.w32 != nil {
			if s.rates32 == nil {
				s.rates32 = stepRates[float32](s)
			}
			sdlmUpdate(p.w32, p.g32, s.rates32[i], float32(s.l2))
			continue
		}
		if s.rates64 == nil {
			s.rates64 = stepRates[float64](s)
		}
		sdlmUpdate(p.w64, p.g64, s.rates64[i], s.l2)
	}
	return nil
}

// stepRates computes eta*scale/(mu+h) for every parameter.
func stepRates[T float32 | float64](s *SDLM) [][]T {
	out := make([][]T, len(s.curvature))
	for i, t := range s.curvature {
		out[i] = make([]T, len(t.Data))
		for k, h := range t.Data {
			out[i][k] = T(s.eta * s.scale / (s.mu + h))
		}
	}
	return out
}

// sdlmUpdate applies w -= rate*(g + l2*w) and zeroes g.
func sdlmUpdate[T float32 | float64](w, g, rate []T, l2 T) {
	g, rate = g[:len(w)], rate[:len(w)]
	if l2 == 0 {
		for k := range w {
			w[k] -= rate[k] * g[k]
			g[k] = 0
		}
		return
	}
	for k := range w {
		w[k] -= rate[k] * (g[k] + l2*w[k])
		g[k] = 0
	}
}

// sdlmPrefix names the curvature tensors in a checkpoint.
const sdlmPrefix = solverPrefix + "curvature."

// SolverState returns the curvature and eta, so a checkpoint taken
// mid-pass resumes with the estimate in use when it was taken.
func (s *SDLM) SolverState(params G.Nodes) (SolverState, error) {
	st := SolverState{Tensors: map[string]graph.Tensor{}, Scalars: map[string]string{
		"eta": strconv.FormatFloat(s.eta, 'g', -1, 64)}}
	if s.curvature == nil {
		return st, nil
	}
	if len(params) != len(s.curvature) {
		return st, fmt.Errorf("sdlm: %d parameters, but a curvature estimate of %d", len(params), len(s.curvature))
	}
	for i, p := range params {
		st.Tensors[sdlmPrefix+p.Name()] = s.curvature[i]
	}
	return st, nil
}

// SetSolverState restores what SolverState returned.
func (s *SDLM) SetSolverState(params G.Nodes, st SolverState) error {
	if v, ok := st.Scalars["eta"]; ok {
		eta, err := strconv.ParseFloat(v, 64)
		if err != nil || !(eta > 0) {
			return fmt.Errorf("sdlm: rate %q in the checkpoint is not a positive number", v)
		}
		s.SetLearnRate(eta)
	}
	if len(st.Tensors) == 0 {
		return nil
	}
	if len(st.Tensors) != len(params) {
		return fmt.Errorf("sdlm: the checkpoint holds %d curvature tensors, the network has %d parameters", len(st.Tensors), len(params))
	}
	h := make([]graph.Tensor, len(params))
	for i, p := range params {
		t, ok := st.Tensors[sdlmPrefix+p.Name()]
		if !ok {
			return fmt.Errorf("sdlm: the checkpoint has no curvature for %s", p.Name())
		}
		if len(t.Data) != p.Shape().TotalSize() {
			return fmt.Errorf("sdlm: curvature of %s has %d values, want %d", p.Name(), len(t.Data), p.Shape().TotalSize())
		}
		h[i] = t
	}
	return s.SetCurvature(h)
}
