package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// Bad flags are usage errors, before any work; a model that is not the
// SDNN's network is refused by name.
func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-out", "x", "extra"},
		{"-out", "x", "-spacing", "diagonal"},
		{"-out", "x", "-strings", "0"},
		{"-out", "x", "-validation", "2"},
		{"-out", "x", "-epochs", "0"},
		{"-out", "x", "-hidden", "1000"},
		{"-out", "x", "-lr", "0"},
		{"-out", "x", "-lr-gamma", "1.5"},
		{"-out", "x", "-workers", "0"},
		{"-nosuchflag"},
	} {
		if err := run(args, new(bytes.Buffer)); !errors.Is(err, errUsage) {
			t.Errorf("%q: error %v, want a usage error", args, err)
		}
	}
	err := run([]string{"-model", "../../models/lenet5-reader.safetensors", "-out", t.TempDir() + "/x"}, new(bytes.Buffer))
	if err == nil || !strings.Contains(err.Error(), "not trained on windows") {
		t.Errorf("the reader's model: %v, want an error saying it was not trained on windows", err)
	}
}
