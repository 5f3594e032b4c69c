package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The module links what the page uses and nothing it does not: no HTTP
// server or client (the page fetches, not the module), no image decoder
// (the browser decodes uploads), no plotting, no browser automation.
// Each would add to what every visitor downloads (docs/serving.md).
func TestModuleLinksOnlyWhatThePageUses(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list -deps gave %d packages: %q", len(deps), out)
	}
	for _, dep := range deps {
		for _, banned := range []string{"net/http", "image/png", "image/jpeg", "image/gif",
			"golang.org/x/image/bmp", "golang.org/x/image/tiff", "golang.org/x/image/webp",
			"gonum.org/v1/plot", "github.com/chromedp/"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") || (strings.HasSuffix(banned, "/") && strings.HasPrefix(dep, banned)) {
				t.Errorf("the WebAssembly module links %s", dep)
			}
		}
	}
}
