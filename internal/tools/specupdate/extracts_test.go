package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"
)

// The test fixtures are extracts of Clerk's published files: the two operations and what they
// reference, as the tool's extract step finds them, with Clerk's own info (so the version in
// the file is Clerk's). The tool takes an extract exactly as it takes the full file (a test
// checks so for 2026-05-12), so the fixtures stay small. They are written by
//
//	go test -run TestWriteExtracts -extracts-from DIR
//
// where DIR holds Clerk's files as published (git -C <clone of clerk/openapi-specs> show
// 7987d1b:bapi/<version>.yml > DIR/<version>.yml); 2026-05-12 comes from spec/clerk/.
var extractsFrom = flag.String("extracts-from", "", "write testdata/bapi-<version>.yml from Clerk's published files in this directory")

// publishedCommit is the clerk/openapi-specs commit the fixtures were taken from.
const publishedCommit = "7987d1b776258d5ddd9163e1a03d256b5ac4d64a"

// extractOf is the extract of a full published file, with a header naming its provenance.
func extractOf(t *testing.T, full []byte, version string) []byte {
	t.Helper()
	root, err := parseBounded(full)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := findOperations(root, operationIDs)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := extract(root, ops)
	if err != nil {
		t.Fatal(err)
	}
	body, err := canonicalize(doc)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(full)
	header := fmt.Sprintf(`# An extract of Clerk's published bapi/%s.yml (github.com/clerk/openapi-specs, commit %s;
# the full file's sha256 is %s; MIT, Copyright (c) 2025 Clerk): the two sign-in-token operations
# and everything they reference, unchanged, as specupdate's extract step finds them. Written by
# go test -run TestWriteExtracts -extracts-from DIR (see extracts_test.go); not edited by hand.
`, version, publishedCommit, hex.EncodeToString(sum[:]))
	return append([]byte(header), body...)
}

// newerVersion is a synthetic version after 2026-05-12, made from its extract: one breaking change
// (expires_in_seconds becomes required) and one additive one (a token's expires_at).
func newerVersion(t *testing.T, extract []byte) []byte {
	t.Helper()
	doc := parseYAML(t, extract)
	mapSet(mapGet(doc, "info"), "version", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "2026-09-01"})
	create := mapGet(mapGet(mapGet(doc, "paths"), "/sign_in_tokens"), "post")
	schema := mapGet(mapGet(mapGet(mapGet(create, "requestBody"), "content"), "application/json"), "schema")
	required := mapGet(schema, "required")
	required.Content = append(required.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "expires_in_seconds"})
	token := mapGet(mapGet(mapGet(doc, "components"), "schemas"), "SignInToken")
	mapSet(mapGet(token, "properties"), "expires_at", parseYAML(t, []byte("type: integer\nformat: int64\nnullable: true\ndescription: Unix timestamp of expiry.\n")))
	body, err := canonicalize(doc) // which also drops the extract's header
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(`# A synthetic Clerk version after 2026-05-12, for the gates' tests: the extract in
# bapi-2026-05-12.yml with one breaking change (expires_in_seconds becomes required) and one
# additive one (a token's expires_at). Written by go test -run TestWriteExtracts; not Clerk's.
`), body...)
}

func TestWriteExtracts(t *testing.T) {
	if *extractsFrom == "" {
		t.Skip("writes the fixtures: go test -run TestWriteExtracts -extracts-from DIR")
	}
	for _, version := range []string{"2025-03-12", "2025-11-10"} {
		full := readFile(t, filepath.Join(*extractsFrom, version+".yml"))
		writeFile(t, "testdata/bapi-"+version+".yml", extractOf(t, full, version))
	}
	current := extractOf(t, readFile(t, clerkFile(t)), "2026-05-12")
	writeFile(t, "testdata/bapi-2026-05-12.yml", current)
	writeFile(t, "testdata/bapi-2026-09-01.yml", newerVersion(t, current))
}

// The committed extract of 2026-05-12 is what the extract step makes of the committed published
// file, so the fixtures stay honest.
func TestExtractFixtureIsOfThePublishedFile(t *testing.T) {
	want := extractOf(t, readFile(t, clerkFile(t)), "2026-05-12")
	if got := readFile(t, "testdata/bapi-2026-05-12.yml"); !bytes.Equal(got, want) {
		t.Fatal("testdata/bapi-2026-05-12.yml is not the extract of spec/clerk's published file; rewrite it with go test -run TestWriteExtracts -extracts-from DIR")
	}
	if got := readFile(t, "testdata/bapi-2026-09-01.yml"); !bytes.Equal(got, newerVersion(t, want)) {
		t.Fatal("testdata/bapi-2026-09-01.yml is not the synthetic newer version of the extract; rewrite it with go test -run TestWriteExtracts")
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
