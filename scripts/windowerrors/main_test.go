package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Bad flags are usage errors, before any work.
func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-n", "0"},
		{"-n", "2000000"},
		{"-workers", "0"},
		{"extra"},
		{"-nosuchflag"},
	} {
		var out bytes.Buffer
		if err := run(args, &out); !errors.Is(err, errUsage) {
			t.Errorf("%q: error %v, want a usage error", args, err)
		}
	}
}

// A model file that is not there is an error naming it.
func TestMissingModel(t *testing.T) {
	err := run([]string{"-model", "no/such/file.safetensors", "-n", "10"}, new(bytes.Buffer))
	if err == nil || !strings.Contains(err.Error(), "no/such/file.safetensors") {
		t.Errorf("error %v, want one naming the file", err)
	}
}

// The shipped network on a few windows: a row for each digit set and
// spacing, every window counted once, and the shipped network reads most
// windows of apart digits it was trained on right.
func TestShippedNetwork(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-n", "400"}, &out); err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "| trained on |") || strings.HasPrefix(line, "| held out |") {
			rows = append(rows, line)
		}
	}
	if len(rows) != 6 {
		t.Fatalf("%d rows, want 6:\n%s", len(rows), out.String())
	}
	for _, row := range rows {
		cells := strings.Split(row, "|")
		wrong := strings.TrimSpace(cells[4])
		if !strings.HasSuffix(wrong, "%") {
			t.Errorf("row %q: read wrong %q, want a share", row, wrong)
		}
	}
	if !strings.Contains(rows[0], "| apart |") {
		t.Errorf("first row %q, want apart digits it was trained on", rows[0])
	}
	var pct float64
	if _, err := fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(strings.Split(rows[0], "|")[4]), "%"), &pct); err != nil || pct > 20 {
		t.Errorf("apart windows of trained digits read wrong: %v%% (%v), want at most 20%%", pct, err)
	}
}
