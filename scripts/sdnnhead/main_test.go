package main

import (
	"bytes"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/lenet5-go/lenet5/modelfile"
	"github.com/lenet5-go/lenet5/models"
	"github.com/lenet5-go/lenet5/read"
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
		{"-out", "x", "-kernels", "4"},
		{"-out", "x", "-kernels", "7,,5"},
		{"-out", "x", "-kernels", "1,1,1,1,1,1,1"},
		{"-out", "x", "-tune", "-tune-from", "C3"},
		{"-out", "x", "-tune", "-net-lr", "0"},
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
	// -tune needs a head to start from.
	m, err := models.SDNN()
	if err != nil {
		t.Fatal(err)
	}
	bare := *m
	bare.Meta = maps.Clone(m.Meta)
	delete(bare.Meta, read.KeySDNNContext)
	path := t.TempDir() + "/bare.safetensors"
	if err := modelfile.Write(path, &bare); err != nil {
		t.Fatal(err)
	}
	err = run([]string{"-tune", "-model", path, "-out", t.TempDir() + "/x"}, new(bytes.Buffer))
	if err == nil || !strings.Contains(err.Error(), "context head") {
		t.Errorf("-tune on a network without a head: %v, want an error saying it needs one", err)
	}
}
