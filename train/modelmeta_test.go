package train

import (
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/lenet5-go/lenet5/modelfile"
)

// A trained model's file records every setting of the run, the code
// version, the epochs done and the test result; ConfigFromMetadata gives
// back the run's Config.
func TestModelFileRecordsEverySetting(t *testing.T) {
	cfg := smallConfig("rbf", "momentum", 0.01)
	cfg.Epochs, cfg.TrainLimit, cfg.TestLimit = 1, 160, 100
	// Settings away from their defaults, so that a dropped one shows.
	cfg.Momentum, cfg.L2, cfg.Clip, cfg.J, cfg.Seed = 0.8, 1e-5, 5, 0.2, 77
	cfg.Schedule, cfg.StepEvery, cfg.StepGamma = "step", 2, 0.5
	cfg.Validation, cfg.Distort, cfg.Mu, cfg.CurvaturePatterns = 40, 1, 0.03, 123
	cfg.CurvatureRefresh, cfg.Curvature = 77, CurvatureSum
	cfg.NonDigits, cfg.StringPieces, cfg.Init = 0.05, 0.05, "../models/lenet5.safetensors"
	cfg.Windows, cfg.WindowsSpacing, cfg.WindowsLabels, cfg.ValidationSeed = 0.05, "touching", WindowsAligned, 5
	cfg.Net = "lenet5" // as the file records it
	tr := trainRun(t, cfg)
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := SaveModel(path, tr.Model(map[string]string{"note": "kept"})); err != nil {
		t.Fatal(err)
	}
	m, err := LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{
		modelfile.KeyFormat, modelfile.KeyVersion, modelfile.KeyHead, modelfile.KeyNet, modelfile.KeyJ,
		modelfile.KeySolver, modelfile.KeyLR, modelfile.KeyMomentum, modelfile.KeyL2, modelfile.KeyClip,
		modelfile.KeySchedule, modelfile.KeyLRStep, modelfile.KeyLRGamma, modelfile.KeyBatch,
		modelfile.KeyEpochs, modelfile.KeyRunEpochs, modelfile.KeyDistort, modelfile.KeyMu,
		modelfile.KeySDLMPatterns, modelfile.KeySDLMRefresh, modelfile.KeySDLMCurve, modelfile.KeySeed, modelfile.KeyTrainLimit, modelfile.KeyTestLimit,
		modelfile.KeyValidation, modelfile.KeyWorkers, modelfile.KeyNonDigits, modelfile.KeyInit,
		modelfile.KeyNonDigitsGenerator, modelfile.KeyNonDigitsSeeds, modelfile.KeyStringPieces, modelfile.KeyStringPiecesGenerator, modelfile.KeyStringPiecesSeeds,
		modelfile.KeyWindows, modelfile.KeyWindowsGenerator, modelfile.KeyWindowsSeeds, modelfile.KeyWindowsSpacing, modelfile.KeyWindowsLabels, modelfile.KeyValidationSeed, modelfile.KeyInitSHA256, modelfile.KeyHistory,
		modelfile.KeyCodeVersion,
		modelfile.KeyTestError, modelfile.KeyTestErrors, modelfile.KeyTestImages, "note",
	}
	// Every setting of Config, including ones added after this test.
	ct := reflect.TypeOf(cfg)
	for i := range ct.NumField() {
		if k := metaKey(ct.Field(i)); !slices.Contains(keys, k) {
			t.Errorf("Config.%s (metadata %s) has no modelfile.Key constant in this test", ct.Field(i).Name, k)
		}
	}
	for _, k := range keys {
		if m.Meta[k] == "" {
			t.Errorf("metadata %s is missing", k)
		}
	}
	if len(m.Meta) != len(keys) {
		var extra []string
		for k := range m.Meta {
			if !slices.Contains(keys, k) {
				extra = append(extra, k)
			}
		}
		t.Errorf("metadata has keys this test does not know: %v", extra)
	}
	got, missing, err := ConfigFromMetadata(m.Meta)
	if err != nil || len(missing) > 0 {
		t.Fatalf("ConfigFromMetadata: %v, missing %v", err, missing)
	}
	if !reflect.DeepEqual(got, cfg) {
		t.Errorf("config from the file\n%+v\nwant\n%+v", got, cfg)
	}
	if m.Meta[modelfile.KeyEpochs] != "1" || m.Meta[modelfile.KeyTestImages] != strconv.Itoa(cfg.TestLimit) {
		t.Errorf("epochs %q, test_images %q", m.Meta[modelfile.KeyEpochs], m.Meta[modelfile.KeyTestImages])
	}
}

// The shipped model predates the full record: what it lacks is listed.
func TestConfigFromOldMetadata(t *testing.T) {
	m, err := LoadModel("../models/lenet5.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	c, missing, err := ConfigFromMetadata(m.Meta)
	if err != nil {
		t.Fatal(err)
	}
	if c.Solver != "sdlm" || c.Seed != 1 || !slices.Contains(missing, modelfile.KeyLR) {
		t.Errorf("solver %q seed %d missing %v", c.Solver, c.Seed, missing)
	}
	if _, _, err := ConfigFromMetadata(map[string]string{"batch": "many"}); err == nil {
		t.Error("a batch of \"many\" was read")
	}
}
