package signintokens_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var goBlock = regexp.MustCompile("(?s)```go\n(.*?)```")

// TestREADMESnippetsCompile builds and vets every Go snippet in README.md against this module,
// so the front door never shows code that has drifted from the API. The snippets are built in
// a module of their own in a temporary directory, which requires this one by a replace
// directive: the module's own directory is only read, so the test also passes where it is
// read-only (the module cache, under `go test all`).
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
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	before := tree(t, root)

	mod := t.TempDir()
	gomod := "module readme.example\n\ngo 1.26\n\n" +
		"require github.com/clerkgen/signintokens v0.0.0\n\n" +
		"replace github.com/clerkgen/signintokens => " + root + "\n"
	sums, err := os.ReadFile("go.sum") // the snippets need this module's dependencies, no others
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(mod, "go.mod"), gomod)
	write(t, filepath.Join(mod, "go.sum"), string(sums))
	for i, b := range blocks {
		src := b[1]
		name := "snippet.go"
		if strings.Contains(src, `"testing"`) {
			name = "snippet_test.go"
		}
		dir := filepath.Join(mod, "snippet"+string(rune('a'+i)))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(dir, name), src)
		// -mod=mod lets go add this module's dependencies to the temporary go.mod, as
		// `go get` would for a user; their sums are in the go.sum copied above.
		cmd := exec.Command(gobin, "vet", "-mod=mod", "./"+filepath.Base(dir))
		cmd.Dir = mod
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=") // this module alone, as a user's would see it
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("README.md Go snippet %d does not build:\n%s\n%s", i+1, out, src)
		}
	}
	for _, path := range tree(t, root) {
		if !slices.Contains(before, path) {
			t.Errorf("building the snippets wrote %s into the module's directory", path)
		}
	}
}

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tree lists every path under root but .git.
func tree(t *testing.T, root string) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.Name() == ".git" && d.IsDir():
			return filepath.SkipDir
		case d.Name() != ".git": // a file in a git worktree
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return paths
}
