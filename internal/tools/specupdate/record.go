package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// The published file openapi.yaml was produced from is kept in the repository (spec/clerk/), with
// a SOURCE record of where it came from and its sha256, so the generation is reproducible offline
// and reviewable: a test produces openapi.yaml from it again.

const sourceHeader = `# Clerk's published Backend API spec that openapi.yaml is produced from (make spec-update),
# committed so the generation is reproducible offline. Byte for byte the file below; a test
# (internal/tools/specupdate) checks the sha256, and spec-update rewrites this record when it
# takes another file.
`

// sourceRecord is spec/clerk/SOURCE: "key: value" lines after comments.
type sourceRecord map[string]string

func readSource(path string) (sourceRecord, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rec := sourceRecord{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%s: %q is not a 'key: value' line", path, line)
		}
		rec[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return rec, sc.Err()
}

// record keeps pub in dir as <version>.yml with a SOURCE describing it, replacing the file the
// previous SOURCE named. When SOURCE already names these bytes (the same sha256) nothing is
// written, so the record made by hand (with the commit) stays. It returns the file written, or "".
func record(dir string, pub *published, version string) (string, error) {
	sourcePath := filepath.Join(dir, "SOURCE")
	prev, err := readSource(sourcePath)
	if err != nil && !os.IsNotExist(err) {
		return "", err
	}
	if prev["sha256"] == pub.sum {
		return "", nil
	}
	name := version + ".yml"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, name), pub.data, 0o644); err != nil {
		return "", err
	}
	if old := prev["file"]; old != "" && old != name && filepath.Base(old) == old {
		if err := os.Remove(filepath.Join(dir, old)); err != nil && !os.IsNotExist(err) {
			return "", err
		}
	}
	if err := os.WriteFile(sourcePath, []byte(sourceText(pub, name)), 0o644); err != nil {
		return "", err
	}
	return filepath.Join(dir, name), nil
}

// sourceText is the SOURCE record of pub, kept as name. A raw.githubusercontent.com URL names
// the repository, the commit (or branch) and the path; a local file names only itself, and the
// maintainer adds where it was downloaded from.
func sourceText(pub *published, name string) string {
	var b strings.Builder
	b.WriteString(sourceHeader)
	if pub.url {
		u, _ := url.Parse(pub.origin)
		if parts := strings.SplitN(strings.TrimPrefix(u.Path, "/"), "/", 4); u.Host == "raw.githubusercontent.com" && len(parts) == 4 {
			ref, path := parts[2], parts[3]
			// GitHub's Raw button links to …/refs/heads/<branch>/<path> (or refs/tags/<tag>/…).
			if kind, rest, ok := strings.Cut(path, "/"); ref == "refs" && ok && (kind == "heads" || kind == "tags") {
				ref, path, _ = strings.Cut(rest, "/")
			}
			fmt.Fprintf(&b, "repository: https://github.com/%s/%s\n", parts[0], parts[1])
			fmt.Fprintf(&b, "commit: %s\n", ref)
			fmt.Fprintf(&b, "path: %s\n", path)
		}
		fmt.Fprintf(&b, "url: %s\n", pub.origin)
	} else {
		b.WriteString("# Taken from a local file: add repository, commit and path, where it was downloaded from.\n")
		fmt.Fprintf(&b, "from: %s\n", filepath.Base(pub.origin))
	}
	fmt.Fprintf(&b, "file: %s\n", name)
	fmt.Fprintf(&b, "sha256: %s\n", pub.sum)
	license := "unknown: check the file's info.license"
	if doc, err := parseBounded(pub.data); err == nil {
		if n := mapGet(mapGet(mapGet(doc, "info"), "license"), "name"); n != nil && n.Value != "" {
			license = n.Value + " (see LICENSE beside this file)"
		}
	}
	fmt.Fprintf(&b, "license: %s\n", license)
	return b.String()
}
