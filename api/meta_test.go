package api

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestEveryOperationHasAMetaLine keeps the method docs in step with the spec, as go-github's
// //meta:operation lines do: every operation in openapi.yaml is documented on a method of
// this package, and every such line names an operation of the spec.
func TestEveryOperationHasAMetaLine(t *testing.T) {
	spec, err := os.ReadFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The spec's operations, "METHOD /path", read from its two-level layout:
	//   /path:
	//     post:
	var inSpec []string
	path := ""
	for _, line := range strings.Split(string(spec), "\n") {
		if m := regexp.MustCompile(`^  (/\S*):\s*$`).FindStringSubmatch(line); m != nil {
			path = m[1]
		} else if m := regexp.MustCompile(`^    (get|post|put|patch|delete):\s*$`).FindStringSubmatch(line); m != nil && path != "" {
			inSpec = append(inSpec, strings.ToUpper(m[1])+" "+path)
		} else if !strings.HasPrefix(line, "  ") && strings.TrimSpace(line) != "" {
			path = ""
		}
	}
	files, _ := filepath.Glob("*.go")
	var documented []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`(?m)^//meta:operation (.+)$`).FindAllStringSubmatch(string(src), -1) {
			documented = append(documented, m[1])
		}
	}
	slices.Sort(inSpec)
	slices.Sort(documented)
	if len(inSpec) == 0 || !slices.Equal(inSpec, documented) {
		t.Fatalf("operations in openapi.yaml %q; //meta:operation lines %q", inSpec, documented)
	}
}
