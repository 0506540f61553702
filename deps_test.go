package signintokens_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLibraryLinksNoValidatorOrYAML keeps consumers' binaries small: the client (api, gen)
// must not pull in kin-openapi, a YAML library or bbolt; only clienttest, used in tests, may
// link the first two, and only bulk (and the CLI) the last. The bulk package links what api
// does, plus golang.org/x/time and go.etcd.io/bbolt (its state file): no progress bar or
// terminal library (the CLI's), and not the fake.
func TestLibraryLinksNoValidatorOrYAML(t *testing.T) {
	banned := map[string][]string{
		"api":  {"kin-openapi", "yaml", "bbolt"},
		"gen":  {"kin-openapi", "yaml", "bbolt"},
		"bulk": {"kin-openapi", "yaml", "progressbar", "golang.org/x/term", "clienttest"},
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list dependencies: %v", err)
	}
	// One line per package: its import path, then every package it links, transitively.
	out, err := exec.Command(gobin, "list", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", "./api", "./gen", "./bulk").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(banned) {
		t.Fatalf("go list listed %d packages, want %d:\n%s", len(lines), len(banned), out)
	}
	for _, line := range lines {
		pkg, deps, _ := strings.Cut(line, " ")
		name := strings.TrimPrefix(pkg, "github.com/clerkgen/signintokens/")
		if banned[name] == nil {
			t.Fatalf("go list listed %s, which this test does not know", pkg)
		}
		for _, dep := range strings.Fields(deps) {
			for _, b := range banned[name] {
				if strings.Contains(strings.ToLower(dep), b) {
					t.Errorf("%s depends on %s", name, dep)
				}
			}
		}
	}
}
