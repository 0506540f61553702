package signintokens_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLibraryLinksNoValidatorOrYAML keeps consumers' binaries small: the client (api, gen)
// must not pull in kin-openapi or a YAML library; only clienttest, used in tests, may.
func TestLibraryLinksNoValidatorOrYAML(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list dependencies: %v", err)
	}
	out, err := exec.Command(gobin, "list", "-deps", "./api", "./gen").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "kin-openapi") || strings.Contains(strings.ToLower(pkg), "yaml") {
			t.Errorf("api or gen depends on %s", pkg)
		}
	}
}
