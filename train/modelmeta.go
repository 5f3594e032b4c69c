package train

import (
	"fmt"
	"reflect"
	"strconv"

	"github.com/lenet5-go/lenet5/modelfile"
)

// Metadata returns the run's settings as model-file metadata: one entry
// per setting, keyed by its JSON name (the modelfile Key constants, which
// are cmd/train's flag names with _ for -), with -epochs under
// modelfile.KeyRunEpochs, plus the code version. ConfigFromMetadata reads
// them back.
func (c Config) Metadata() map[string]string {
	meta := map[string]string{modelfile.KeyCodeVersion: modelfile.CodeVersion()}
	v := reflect.ValueOf(c)
	for i := range v.NumField() {
		key := metaKey(v.Type().Field(i))
		switch f := v.Field(i); f.Kind() {
		case reflect.Int:
			meta[key] = strconv.FormatInt(f.Int(), 10)
		case reflect.Uint64:
			meta[key] = strconv.FormatUint(f.Uint(), 10)
		case reflect.Float64:
			meta[key] = strconv.FormatFloat(f.Float(), 'g', -1, 64)
		case reflect.String:
			meta[key] = f.String()
		}
	}
	meta[modelfile.KeyNet], meta[modelfile.KeyHead] = c.netAndHead()
	return meta
}

// metaKey returns the metadata key of a Config field.
func metaKey(f reflect.StructField) string {
	if f.Name == "Epochs" {
		return modelfile.KeyRunEpochs
	}
	return f.Tag.Get("json")
}

// ConfigFromMetadata reads a run's settings from a model file's metadata,
// as Config.Metadata writes them, so that the run can be repeated. A
// setting the metadata lacks keeps DefaultConfig's value and is listed in
// missing (files written before every setting was recorded lack most; a
// softmax model has no j).
func ConfigFromMetadata(meta map[string]string) (c Config, missing []string, err error) {
	c = DefaultConfig()
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		key := metaKey(v.Type().Field(i))
		s, ok := meta[key]
		if !ok {
			missing = append(missing, key)
			continue
		}
		switch f := v.Field(i); f.Kind() {
		case reflect.Int:
			n, perr := strconv.ParseInt(s, 10, 0)
			err = perr
			f.SetInt(n)
		case reflect.Uint64:
			n, perr := strconv.ParseUint(s, 10, 64)
			err = perr
			f.SetUint(n)
		case reflect.Float64:
			x, perr := strconv.ParseFloat(s, 64)
			err = perr
			f.SetFloat(x)
		case reflect.String:
			f.SetString(s)
		}
		if err != nil {
			return c, missing, fmt.Errorf("metadata %s is %q: %w", key, s, err)
		}
	}
	return c, missing, nil
}
