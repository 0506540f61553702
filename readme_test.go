package signintokens_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var goBlock = regexp.MustCompile("(?s)```go\n(.*?)```")

// TestREADMESnippetsCompile builds and vets every Go snippet in README.md against this module,
// so the front door never shows code that has drifted from the API.
func TestREADMESnippetsCompile(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := goBlock.FindAllStringSubmatch(string(readme), -1)
	if len(blocks) < 3 {
		t.Fatalf("README.md has %d Go snippets; expected the quickstart and the two testing ones", len(blocks))
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the snippets: %v", err)
	}
	// Inside the module (so it resolves to this code), under testdata (so ./... skips it).
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	for i, b := range blocks {
		src := b[1]
		dir, err := os.MkdirTemp("testdata", "readme-*")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		name := "snippet.go"
		if strings.Contains(src, `"testing"`) {
			name = "snippet_test.go"
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(gobin, "vet", "./"+filepath.ToSlash(dir)).CombinedOutput(); err != nil {
			t.Errorf("README.md Go snippet %d does not build:\n%s\n%s", i+1, out, src)
		}
	}
}
