package train

// EpochMetrics records one epoch; -metrics writes one per line as JSON.
type EpochMetrics struct {
	Epoch           int      `json:"epoch"`
	LR              float64  `json:"lr"`
	TrainLoss       float64  `json:"train_loss"`
	TrainError      float64  `json:"train_error"`
	TestError       float64  `json:"test_error"`
	TestErrors      int      `json:"test_errors"`
	TestImages      int      `json:"test_images"`
	ValidationError *float64 `json:"validation_error,omitempty"`
	// SDLMRates is the smallest and largest effective per-parameter rate
	// eta/(mu+h) of the curvature estimate in use at the epoch's end
	// (solver sdlm only): the one made before the pass, or with
	// CurvatureRefresh the pass's last re-estimate.
	SDLMRates       *[2]float64 `json:"sdlm_rates,omitempty"`
	Seconds         float64     `json:"seconds"`
	ImagesPerSecond float64     `json:"images_per_second"`
}
