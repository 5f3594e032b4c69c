package report

import (
	"bufio"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/lenet5-go/lenet5/train"
)

func sampleMetrics() []train.EpochMetrics {
	v := 0.02
	return []train.EpochMetrics{
		{Epoch: 1, LR: 1e-3, TrainLoss: 0.4, TrainError: 0.05, TestError: 0.03, TestErrors: 300, TestImages: 10000, ValidationError: &v},
		{Epoch: 2, LR: 8.5e-4, TrainLoss: 0.2, TrainError: 0.02, TestError: 0.015, TestErrors: 150, TestImages: 10000, ValidationError: &v},
	}
}

// WriteMetrics writes one JSON object per epoch that reads back the same.
func TestWriteMetrics(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.jsonl")
	want := sampleMetrics()
	if err := WriteMetrics(path, want); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []train.EpochMetrics
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var m train.EpochMetrics
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	if len(got) != 2 || got[1].TestErrors != 150 || *got[0].ValidationError != 0.02 {
		t.Fatalf("read back %+v", got)
	}
}

// WritePlot writes a PNG of the two panels.
func TestWritePlot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.png")
	if err := WritePlot(path, sampleMetrics()); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
		t.Fatalf("plot is %v", b)
	}
}

// A folder that does not exist is an error, not a panic.
func TestWriteToMissingFolder(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "no", "such", "x")
	if err := WritePlot(bad, sampleMetrics()); err == nil {
		t.Error("WritePlot wrote into a missing folder")
	}
	if err := WriteMetrics(bad, sampleMetrics()); err == nil {
		t.Error("WriteMetrics wrote into a missing folder")
	}
}
