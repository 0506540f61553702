package bulk_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLibraryLinksNoCLIOrValidator: the bulk package links what the api package does, plus
// golang.org/x/time: no progress bar or terminal library, no kin-openapi, no YAML.
func TestLibraryLinksNoCLIOrValidator(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list dependencies: %v", err)
	}
	out, err := exec.Command(gobin, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"progressbar", "golang.org/x/term", "kin-openapi", "yaml", "clienttest"} {
			if strings.Contains(strings.ToLower(pkg), banned) {
				t.Errorf("bulk depends on %s", pkg)
			}
		}
	}
}
