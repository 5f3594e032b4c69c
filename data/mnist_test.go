package data

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	mnistOnce sync.Once
	mnistData *MNIST
	mnistErr  error
)

// realMNIST loads the real database once for all tests, found with no
// set-up as a user's run finds it.
func realMNIST(t testing.TB) *MNIST {
	t.Helper()
	mnistOnce.Do(func() { mnistData, mnistErr = Load("") })
	if mnistErr != nil {
		t.Fatalf("loading MNIST: %v", mnistErr)
	}
	return mnistData
}

func TestLoadRealMNIST(t *testing.T) {
	m := realMNIST(t)
	if m.Train.Len() != TrainCount || m.Test.Len() != TestCount {
		t.Fatalf("got %d training and %d test images, want %d and %d", m.Train.Len(), m.Test.Len(), TrainCount, TestCount)
	}
	if len(m.Train.Images) != TrainCount*ImageSize || len(m.Test.Images) != TestCount*ImageSize {
		t.Fatal("image bytes do not match the counts")
	}
	// The first labels of each file, as printed in every MNIST tutorial.
	if got := m.Test.Labels[:8]; string(got) != string([]byte{7, 2, 1, 0, 4, 1, 4, 9}) {
		t.Errorf("first test labels %v, want [7 2 1 0 4 1 4 9]", got)
	}
	if got := m.Train.Labels[:5]; string(got) != string([]byte{5, 0, 4, 1, 9}) {
		t.Errorf("first training labels %v, want [5 0 4 1 9]", got)
	}
	// Every digit occurs, and MNIST's test set has 980 zeros and 1135 ones.
	var counts [Classes]int
	for _, l := range m.Test.Labels {
		counts[l]++
	}
	if counts[0] != 980 || counts[1] != 1135 {
		t.Errorf("test set has %d zeros and %d ones, want 980 and 1135", counts[0], counts[1])
	}
}

// writeFile writes b to dir/name and returns the path.
func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadSetBroken(t *testing.T) {
	images := idxBytes(idxUint8, []uint32{3, 28, 28}, digitsPayload(3))
	labels := idxBytes(idxUint8, []uint32{3}, []byte{1, 2, 3})
	tests := []struct {
		name           string
		images, labels []byte
		wantFile, want string
	}{
		{"labels as images", labels, labels, "img", "holds 3 labels, not images"},
		{"wrong image size", idxBytes(idxUint8, []uint32{1, 30, 30}, make([]byte, 900)), labels, "img", "images are 30x30; MNIST images are 28x28"},
		{"images as labels", images, images, "lab", "holds 3 images of 28x28, not labels"},
		{"count mismatch", images, idxBytes(idxUint8, []uint32{4}, []byte{1, 2, 3, 4}), "lab", "holds 4 labels but"},
		{"label out of range", images, idxBytes(idxUint8, []uint32{3}, []byte{1, 10, 3}), "lab", "label 1 is 10; labels are digits 0 to 9"},
		{"broken images file", images[:50], labels, "img", "but file holds"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			img := writeFile(t, dir, "img", tc.images)
			lab := writeFile(t, dir, "lab", tc.labels)
			_, err := LoadSet(img, lab)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), filepath.Join(dir, tc.wantFile)+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want one naming %s and saying %q", err, tc.wantFile, tc.want)
			}
		})
	}
}

func TestLoadSetFileErrors(t *testing.T) {
	dir := t.TempDir()
	labels := writeFile(t, dir, "labels", idxBytes(idxUint8, []uint32{1}, []byte{1}))
	tests := []struct {
		name, images, want string
	}{
		{"missing", filepath.Join(dir, "nope"), "no such file"},
		{"directory", dir, "is a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadSet(tc.images, labels)
			if err == nil || !strings.Contains(err.Error(), tc.images) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %s and saying %q", err, tc.images, tc.want)
			}
		})
	}
}

// makeMNISTDir writes a small MNIST folder (n images per set) taken from
// the real database, gzipped or unpacked.
func makeMNISTDir(t *testing.T, n int, gz bool) string {
	t.Helper()
	m := realMNIST(t)
	dir := t.TempDir()
	files := map[string][]byte{
		TrainImagesFile: idxBytes(idxUint8, []uint32{uint32(n), 28, 28}, m.Train.Images[:n*ImageSize]),
		TrainLabelsFile: idxBytes(idxUint8, []uint32{uint32(n)}, m.Train.Labels[:n]),
		TestImagesFile:  idxBytes(idxUint8, []uint32{uint32(n), 28, 28}, m.Test.Images[:n*ImageSize]),
		TestLabelsFile:  idxBytes(idxUint8, []uint32{uint32(n)}, m.Test.Labels[:n]),
	}
	for name, b := range files {
		if gz {
			writeFile(t, dir, name, gzipped(b))
		} else {
			writeFile(t, dir, strings.TrimSuffix(name, ".gz"), b)
		}
	}
	return dir
}

// LoadTest reads the test set only: a broken training file does not stop it.
func TestLoadTestReadsOnlyTheTestSet(t *testing.T) {
	dir := makeMNISTDir(t, 20, true)
	writeFile(t, dir, TrainImagesFile, []byte("not an IDX file"))
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), TrainImagesFile) {
		t.Fatalf("Load: error %v, want one naming %s", err, TrainImagesFile)
	}
	test, err := LoadTest(dir)
	if err != nil {
		t.Fatal(err)
	}
	real := realMNIST(t).Test
	if test.Len() != 20 || string(test.Images) != string(real.Images[:20*ImageSize]) || string(test.Labels) != string(real.Labels[:20]) {
		t.Fatalf("LoadTest gave %d images, not the 20 written", test.Len())
	}
	// Nor does a folder without the training files.
	for _, name := range []string{TrainImagesFile, TrainLabelsFile} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if test, err := LoadTest(dir); err != nil || test.Len() != 20 {
		t.Fatalf("LoadTest of a folder with only the test files: %v", err)
	}
	if _, err := LoadTest(t.TempDir()); err == nil || !strings.Contains(err.Error(), "lacks "+strings.Join(testFiles, ", ")+".") {
		t.Fatalf("LoadTest of an empty folder: error %v, want one naming only the test files", err)
	}
}

func TestLocateAndLoad(t *testing.T) {
	gzDir := makeMNISTDir(t, 20, true)
	rawDir := makeMNISTDir(t, 20, false)
	empty := t.TempDir()
	tests := []struct {
		name, dir, env string
		wantDir        string
		wantErr        string
	}{
		{"explicit gzipped", gzDir, "", gzDir, ""},
		{"explicit unpacked", rawDir, "", rawDir, ""},
		{"explicit wins over env", gzDir, rawDir, gzDir, ""},
		{"env", "", rawDir, rawDir, ""},
		{"explicit empty folder", empty, "", "", "lacks " + strings.Join(mnistFiles, ", ")},
		{"env empty folder", "", empty, "", "from $LENET5_MNIST"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvMNIST, tc.env)
			m, err := Load(tc.dir)
			if tc.wantErr != "" {
				if !errors.Is(err, ErrMNISTNotFound) || !strings.Contains(err.Error(), tc.wantErr) ||
					!strings.Contains(err.Error(), "-data DIR") || !strings.Contains(err.Error(), EnvMNIST) {
					t.Fatalf("error %v, want ErrMNISTNotFound saying %q and both ways to supply the files", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Dir != tc.wantDir || m.Train.Len() != 20 || m.Test.Len() != 20 {
				t.Fatalf("loaded %d/%d images from %s, want 20/20 from %s", m.Train.Len(), m.Test.Len(), m.Dir, tc.wantDir)
			}
			if string(m.Test.Images) != string(realMNIST(t).Test.Images[:20*ImageSize]) {
				t.Fatal("images differ from the real ones written")
			}
		})
	}
}

// With no folder given and no go command, the error says what to do.
func TestLocateWithoutGoCommand(t *testing.T) {
	t.Setenv(EnvMNIST, "")
	t.Setenv("PATH", t.TempDir())
	_, err := Locate("")
	if !errors.Is(err, ErrMNISTNotFound) {
		t.Fatalf("error %v, want ErrMNISTNotFound", err)
	}
	for _, want := range append(mnistFiles, "go command", "-data DIR", EnvMNIST, GoMNISTModule) {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestSetSlice(t *testing.T) {
	m := realMNIST(t)
	s, err := m.Test.Slice(10, 15)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 5 || s.Label(0) != m.Test.Label(10) || &s.Image(4)[0] != &m.Test.Image(14)[0] {
		t.Fatal("slice does not share the set's images and labels")
	}
	for _, r := range [][2]int{{-1, 3}, {5, 4}, {0, TestCount + 1}} {
		if _, err := m.Test.Slice(r[0], r[1]); err == nil {
			t.Errorf("Slice(%d, %d) gave no error", r[0], r[1])
		}
	}
}
