package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

func readFile(repo, rel string) ([]byte, error) {
	return os.ReadFile(filepath.Join(repo, filepath.FromSlash(rel)))
}

// specVersion reads info.version from openapi.yaml: the Clerk API version it follows. (A line
// scan rather than a YAML parser: spec-update writes the file in a canonical form.)
func specVersion(repo string) (string, error) {
	b, err := readFile(repo, "openapi.yaml")
	if err != nil {
		return "", err
	}
	s := bufio.NewScanner(bytes.NewReader(b))
	inInfo := false
	for s.Scan() {
		line := s.Text()
		switch {
		case line == "info:":
			inInfo = true
		case inInfo && line != "" && !strings.HasPrefix(line, " "):
			inInfo = false
		case inInfo && strings.HasPrefix(line, "  version:"): // info's own key, not a nested one
			return strings.Trim(strings.TrimSpace(strings.TrimPrefix(line, "  version:")), `"'`), nil
		}
	}
	return "", fmt.Errorf("openapi.yaml has no info.version")
}

var (
	apiVersionConst = regexp.MustCompile(`(?m)^const APIVersion = "([^"]*)"$`)
	libVersionConst = regexp.MustCompile(`(?m)^const Version = "([^"]*)"$`)
)

// setAPIVersion sets APIVersion in spec.go, as spec-update asks (TestAPIVersionMatchesSpec).
func setAPIVersion(repo, version string) error {
	path := filepath.Join(repo, "spec.go")
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !apiVersionConst.Match(b) {
		return fmt.Errorf("spec.go has no line 'const APIVersion = \"...\"' to set")
	}
	return os.WriteFile(path, apiVersionConst.ReplaceAll(b, []byte(`const APIVersion = "`+version+`"`)), 0o644)
}

// libraryVersion is api.Version, this library's version ("0.1.0"), or "" when it cannot be read.
func libraryVersion(repo string) string {
	b, err := readFile(repo, "api/version.go")
	if err != nil {
		return ""
	}
	if m := libVersionConst.FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return ""
}
