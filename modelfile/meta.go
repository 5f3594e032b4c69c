package modelfile

import (
	"runtime/debug"
)

// Format marks of every model file.
const (
	FormatName    = "lenet5"
	FormatVersion = "1"
)

// Metadata keys. KeyFormat, KeyVersion, KeyHead and KeyJ are in every
// file; the training command writes the others. The training keys are the
// names of cmd/train's flags with _ for -, holding the flag's value, so
// that a run can be repeated from a file's metadata.
const (
	KeyFormat  = "format"
	KeyVersion = "version"
	KeyHead    = "head"
	KeyNet     = "net" // the network's name (graph.ArchNamed); absent = lenet5
	KeyJ       = "j"   // the MAP constant, RBF head only

	// The run's settings.
	KeySolver       = "solver"
	KeyLR           = "lr"
	KeyMomentum     = "momentum"
	KeyL2           = "l2"
	KeyClip         = "clip"
	KeySchedule     = "schedule"
	KeyLRStep       = "lr_step"
	KeyLRGamma      = "lr_gamma"
	KeyBatch        = "batch"
	KeyEpochs       = "epochs"
	KeyDistort      = "distort"
	KeyMu           = "mu"
	KeySDLMPatterns = "sdlm_patterns"
	KeySDLMRefresh  = "sdlm_refresh"
	KeySDLMCurve    = "sdlm_curvature"
	KeySeed         = "seed"
	KeyTrainLimit   = "train_limit"
	KeyTestLimit    = "test_limit"
	KeyValidation   = "validation"
	// KeyValidationSeed chooses the validation split when it is not the
	// run's seed (train.Config.ValidationSeed; absent or 0: KeySeed).
	KeyValidationSeed = "validation_seed"
	KeyWorkers        = "workers"
	KeyNonDigits      = "nondigits" // non-digit patterns per pass, as a fraction of the digit patterns
	KeyInit           = "init"      // the model file the weights started from ("" = random)

	// What the run's extra inputs were: the non-digit generator
	// (KeyNonDigitsGenerator, e.g. "internal/synth.NonDigits v1") and its
	// seed for each pass (KeyNonDigitsSeeds, comma-separated); the SHA-256
	// of the -init file and the history of the weights (KeyHistory: one
	// entry per run they went through, oldest first, separated by " | ").
	KeyNonDigitsGenerator = "nondigits_generator"
	KeyNonDigitsSeeds     = "nondigits_seeds"
	// Pieces cut from written numbers (train.Config.StringPieces): their
	// share of a pass's digit patterns, their generator and each pass's
	// seed.
	KeyStringPieces          = "string_pieces"
	KeyStringPiecesGenerator = "string_pieces_generator"
	KeyStringPiecesSeeds     = "string_pieces_seeds"
	// Windows of written numbers (train.Config.Windows): the fraction,
	// their generator and each pass's seed. A model trained with them is
	// the SDNN's.
	KeyWindows          = "windows"
	KeyWindowsGenerator = "windows_generator"
	KeyWindowsSeeds     = "windows_seeds"
	// KeyWindowsSpacing is the one spacing the windows' numbers were
	// written with ("" or absent: all of them).
	KeyWindowsSpacing = "windows_spacing"
	// KeyWindowsLabels is how the windows were labelled: "" or
	// "centred" by the digits' centres, "aligned" by the network's own
	// best path through the true digits.
	KeyWindowsLabels = "windows_labels"
	KeyInitSHA256    = "init_sha256"
	KeyHistory       = "history"

	// KeyCodeVersion is the code that trained the model (CodeVersion).
	KeyCodeVersion = "code_version"

	// The result on the test set after the last epoch.
	KeyTestError  = "test_error"
	KeyTestErrors = "test_errors"
	KeyTestImages = "test_images"

	// KeyCheckpoint holds a checkpoint's run state (JSON, written by
	// package train); Read leaves it out of Model.Meta, as it does the
	// SolverPrefix keys.
	KeyCheckpoint = "checkpoint"
)

// CodeVersion describes the running program's code from its build
// information: the module version and, when the build recorded them, the
// VCS revision, its time and whether the tree had changes, e.g.
// "(devel) vcs.revision=1a2b3c vcs.time=2026-11-29T14:00:00Z
// vcs.modified=false". It is "unknown" without build information.
func CodeVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Path + " " + info.Main.Version
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision", "vcs.time", "vcs.modified":
			v += " " + s.Key + "=" + s.Value
		}
	}
	return v
}

// KeyRunEpochs is the number of epochs the run was started with (cmd/train's
// -epochs); KeyEpochs is how many it completed before the model was saved.
const KeyRunEpochs = "run_epochs"
