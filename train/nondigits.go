package train

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/lenet5-go/lenet5/data"
	"github.com/lenet5-go/lenet5/internal/synth"
	"github.com/lenet5-go/lenet5/modelfile"
)

// Training with patterns that are not digits (Config.NonDigits; LeCun et
// al. 1998, Sections VI and X): each epoch, NonDigits times its digit
// patterns are added, labelled with the MAP loss's rubbish class
// (data.Rubbish, graph.Rubbish), whose loss E = j + log(exp(-j) + sum_i
// exp(-y_i)) pushes every RBF distance up. They are made by
// synth.NonDigits, the seven kinds in equal shares, from the digits the
// run trains on only: pieces and pairs are cut from those (never the test
// digits, nor the -validation split's), with seed NonDigitSeed(seed,
// epoch), so every epoch has fresh ones and a resumed epoch the same ones.
// They are shuffled in with the digits and are not distorted.

// MaxNonDigits bounds Config.NonDigits.
const MaxNonDigits = 10

// NonDigitGenerator names the generator of the non-digit patterns and its
// version, recorded in the model file (modelfile.KeyNonDigitsGenerator).
var NonDigitGenerator = "internal/synth.NonDigits v" + strconv.Itoa(synth.NonDigitsVersion)

// NonDigitSeed returns the seed synth.NonDigits makes epoch's non-digits
// with (epoch counted from 0) for a run with the given seed: a SplitMix64
// mix of both, so that the seeds of nearby runs and epochs are unrelated.
func NonDigitSeed(seed uint64, epoch int) uint64 {
	z := seed*0x9e3779b97f4a7c15 + uint64(epoch) + 0x6e6f6e6469676974 // "nondigit"
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// extraPatterns reports whether epochs add patterns of the rubbish class
// to the digits: non-digits, string pieces or windows.
func (c Config) extraPatterns() bool { return c.NonDigits > 0 || c.StringPieces > 0 || c.Windows > 0 }

// extraCounts returns how many non-digits, string pieces and windows an
// epoch of digits digit patterns adds: Config.NonDigits,
// Config.StringPieces and Config.Windows times digits, rounded.
func (c Config) extraCounts(digits int) (nonDigits, pieces, windows int) {
	return int(math.Round(c.NonDigits * float64(digits))), int(math.Round(c.StringPieces * float64(digits))), int(math.Round(c.Windows * float64(digits)))
}

// extraCache holds the extra patterns of the epoch last asked for.
type extraCache struct {
	epoch  int
	set    *data.Set     // the non-digits, then the string pieces
	digits []synth.Digit // the run's training digits, which both are made from
}

// epochEntries returns the order entries of an epoch before shuffling:
// the digits and their distorted copies, then the extra patterns, and the
// set of extra patterns (nil without -nondigits and -string-pieces).
func (t *Trainer) epochEntries(epoch int) ([]int, *data.Set, error) {
	if t.pool != nil {
		return slices.Clone(t.pool.entries), nil, nil
	}
	n := t.mnist.Train.Len()
	entries := data.WithCopies(t.trainIdx, n, t.cfg.Distort)
	nonDigits, pieces, windows := t.cfg.extraCounts(len(entries))
	if nonDigits+pieces+windows == 0 {
		return entries, nil, nil
	}
	extra, err := t.epochExtra(epoch, nonDigits, pieces, windows)
	if err != nil {
		return nil, nil, fmt.Errorf("epoch %d: %w", epoch+1, err)
	}
	return append(entries, data.ExtraEntries(n, t.cfg.Distort, nonDigits+pieces+windows)...), extra, nil
}

// epochExtra returns epoch's extra patterns, made from the run's training
// digits only (never the test digits, nor the -validation split's): the
// nonDigits non-digits, labelled data.Rubbish, then the pieces string
// pieces (stringpieces.go), each set made with the epoch's own seed.
func (t *Trainer) epochExtra(epoch, nonDigits, pieces, windows int) (*data.Set, error) {
	c := &t.extra
	if c.set != nil && c.epoch == epoch {
		return c.set, nil
	}
	if c.digits == nil {
		d, err := synth.Digits(t.mnist.Train, t.trainIdx)
		if err != nil {
			return nil, err
		}
		c.digits = d
	}
	total := nonDigits + pieces + windows
	set := &data.Set{Images: make([]uint8, 0, total*data.ImageSize), Labels: make([]uint8, 0, total)}
	if nonDigits > 0 {
		nds, err := synth.NonDigits(c.digits, nonDigits, NonDigitSeed(t.cfg.Seed, epoch))
		if err != nil {
			return nil, fmt.Errorf("making %d non-digits: %w", nonDigits, err)
		}
		for _, nd := range nds {
			set.Images = append(set.Images, nd.Pixels...)
			set.Labels = append(set.Labels, data.Rubbish)
		}
	}
	if pieces > 0 {
		ps, err := StringPieces(c.digits, pieces, StringPieceSeed(t.cfg.Seed, epoch), t.cfg.threads())
		if err != nil {
			return nil, fmt.Errorf("making %d pieces of written numbers: %w", pieces, err)
		}
		set.Images = append(set.Images, ps.Images...)
		set.Labels = append(set.Labels, ps.Labels...)
	}
	if windows > 0 {
		var aligner *modelfile.Model
		if t.cfg.WindowsLabels == WindowsAligned {
			aligner = t.Model(nil)
		}
		ws, err := Windows(c.digits, windows, WindowSeed(t.cfg.Seed, epoch), t.cfg.threads(), t.cfg.WindowsSpacing, aligner)
		if err != nil {
			return nil, fmt.Errorf("making %d windows of written numbers: %w", windows, err)
		}
		set.Images = append(set.Images, ws.Images...)
		set.Labels = append(set.Labels, ws.Labels...)
	}
	c.epoch, c.set = epoch, set
	return set, nil
}

// nonDigitMetadata returns the metadata that says which non-digits the
// epochs so far (with one in progress) were trained with.
func (t *Trainer) nonDigitMetadata() map[string]string {
	if t.cfg.NonDigits == 0 {
		return nil
	}
	return map[string]string{
		modelfile.KeyNonDigitsGenerator: NonDigitGenerator,
		modelfile.KeyNonDigitsSeeds:     t.passSeeds(NonDigitSeed),
	}
}

// passSeeds lists, comma-separated, the seeds seedOf gives the run's
// epochs so far, with one in progress.
func (t *Trainer) passSeeds(seedOf func(seed uint64, epoch int) uint64) string {
	epochs := t.state.Epoch
	if t.state.Batch > 0 {
		epochs++
	}
	seeds := make([]string, epochs)
	for e := range seeds {
		seeds[e] = strconv.FormatUint(seedOf(t.cfg.Seed, e), 10)
	}
	return strings.Join(seeds, ",")
}

// historySeparator separates the entries of modelfile.KeyHistory.
const historySeparator = " | "

// loadInit sets the weights from the Config.Init model file and keeps
// what the new model's metadata records of it: its SHA-256 and its
// history, which is the init file's own history followed by one entry
// for the init file (its name, hash and metadata).
func (t *Trainer) loadInit() error {
	path := t.cfg.Init
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("-init: %w", err)
	}
	m, err := modelfile.Read(path)
	if err != nil {
		return fmt.Errorf("-init: %w", err)
	}
	if m.Head != t.head {
		return fmt.Errorf("-init %s: the model has the %v head, the run the %v head", path, m.Head, t.head)
	}
	if err := t.net.SetWeights(m.Weights); err != nil {
		return fmt.Errorf("-init %s: %w", path, err)
	}
	t.syncReplicas()
	sum := sha256.Sum256(raw)
	hash := hex.EncodeToString(sum[:])
	t.initMeta = map[string]string{
		modelfile.KeyInitSHA256: hash,
		modelfile.KeyHistory:    appendHistory(m.Meta[modelfile.KeyHistory], historyEntry(path, hash, m.Meta)),
	}
	return nil
}

// historyEntry describes a model file for modelfile.KeyHistory: its path,
// the start of its SHA-256 and its metadata as sorted key=value pairs,
// without the format marks, the code version and its own history.
func historyEntry(path, hash string, meta map[string]string) string {
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(meta)) {
		switch k {
		case modelfile.KeyFormat, modelfile.KeyVersion, modelfile.KeyCodeVersion, modelfile.KeyHistory:
			continue
		}
		kv = append(kv, k+"="+strings.ReplaceAll(meta[k], historySeparator, " / "))
	}
	return fmt.Sprintf("%s sha256:%s: %s", path, hash[:16], strings.Join(kv, " "))
}

// appendHistory adds entry to a history.
func appendHistory(history, entry string) string {
	if history == "" {
		return entry
	}
	return history + historySeparator + entry
}
