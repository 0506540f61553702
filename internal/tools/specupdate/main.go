// Command specupdate takes Clerk's full Backend API spec (one file per API version, e.g.
// bapi/2026-05-12.yml in clerk/openapi-specs) and writes this project's openapi.yaml from it:
//
//  1. the operations CreateSignInToken and RevokeSignInToken, found by operationId, with every
//     component they reference, transitively, and the security schemes and tags they use;
//  2. plus the project's marked additions (answers the live API gives that Clerk's spec omits,
//     each carrying x-signintokens-not-in-clerk-spec), applied from a reviewed OpenAPI Overlay
//     file (spec/overlay.yaml) rather than by hand;
//  3. written in a canonical form (fixed key order, components sorted by name, one style per
//     value, no comments), so taking the same spec again changes no byte;
//  4. validated with kin-openapi, examples included, before anything is written.
//
// It refuses (exit status 1, naming the operationId) when an operation is missing or renamed.
// Run it through `make spec-update FROM=path/to/bapi-<version>.yml`, which also regenerates gen/.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// operationIDs are the operations this project wraps, in the order openapi.yaml lists them.
var operationIDs = []string{"CreateSignInToken", "RevokeSignInToken"}

// notInClerkSpec marks an addition of this project's; see spec/overlay.yaml.
const notInClerkSpec = "x-signintokens-not-in-clerk-spec"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("specupdate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "Clerk's full Backend API spec (required), e.g. bapi-2026-05-12.yml")
	overlayPath := fs.String("overlay", "spec/overlay.yaml", "the project's additions, an OpenAPI Overlay document")
	out := fs.String("out", "openapi.yaml", "the file to write")
	version := fs.String("api-version", "", "the Clerk API version (info.version); default: the date in -from's file name")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *from == "" {
		fmt.Fprintln(stderr, "specupdate: -from is required (make spec-update FROM=path/to/bapi-<version>.yml)")
		return 2
	}
	if *version == "" {
		*version = versionFromName(*from)
		if *version == "" {
			fmt.Fprintf(stderr, "specupdate: cannot tell the API version from the file name %q; pass -api-version YYYY-MM-DD (make spec-update ... API_VERSION=...)\n", filepath.Base(*from))
			return 2
		}
	}

	full, err := os.ReadFile(*from)
	if err != nil {
		fmt.Fprintf(stderr, "specupdate: %v\n", err)
		return 1
	}
	overlayYAML, err := os.ReadFile(*overlayPath)
	if err != nil {
		fmt.Fprintf(stderr, "specupdate: %v\n", err)
		return 1
	}
	spec, notes, err := update(full, overlayYAML, *version)
	if err != nil {
		fmt.Fprintf(stderr, "specupdate: %s: %v\n", *from, err)
		return 1
	}
	for _, n := range notes {
		fmt.Fprintf(stderr, "specupdate: note: %s\n", n)
	}

	old, err := os.ReadFile(*out)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stderr, "specupdate: %v\n", err)
		return 1
	}
	if bytes.Equal(old, spec) {
		fmt.Fprintf(stdout, "%s is unchanged (Clerk API version %s)\n", *out, *version)
		return 0
	}
	if oldVersion := infoVersion(old); oldVersion != "" && oldVersion != *version {
		fmt.Fprintf(stderr, "specupdate: note: the API version changes from %s to %s: set APIVersion in spec.go to %q (TestAPIVersionMatchesSpec checks)\n", oldVersion, *version, *version)
	}
	if err := os.WriteFile(*out, spec, 0o644); err != nil {
		fmt.Fprintf(stderr, "specupdate: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s (Clerk API version %s); see what changed with `make spec-diff` and `make contract`\n", *out, *version)
	return 0
}

var datePattern = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)

// versionFromName finds the API version in a file name such as bapi-2026-05-12.yml or 2026-05-12.yml.
func versionFromName(path string) string {
	return datePattern.FindString(filepath.Base(path))
}

// infoVersion reads info.version from a spec, or "" when it cannot.
func infoVersion(spec []byte) string {
	var doc yaml.Node
	if yaml.Unmarshal(spec, &doc) != nil {
		return ""
	}
	if v := mapGet(mapGet(&doc, "info"), "version"); v != nil {
		return v.Value
	}
	return ""
}

// update is the whole transformation, from the bytes of Clerk's full spec and of the overlay to
// the bytes of openapi.yaml. notes are things a maintainer should look at, not errors.
func update(full, overlayYAML []byte, version string) (spec []byte, notes []string, err error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(full, &doc); err != nil {
		return nil, nil, fmt.Errorf("not YAML: %w", err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("not an OpenAPI document (no top-level mapping)")
	}
	root := doc.Content[0]
	if v := mapGet(root, "openapi"); v == nil || !strings.HasPrefix(v.Value, "3.0.") {
		return nil, nil, fmt.Errorf("openapi version is not 3.0.x; this project's tooling expects Clerk's 3.0 documents")
	}
	ops, err := findOperations(root, operationIDs)
	if err != nil {
		return nil, nil, err
	}
	before := declaredStatuses(ops)
	extracted, err := extract(root, ops)
	if err != nil {
		return nil, nil, err
	}
	if err := applyOverlay(extracted, overlayYAML); err != nil {
		return nil, nil, err
	}
	notes = obsoleteAdditions(extracted, ops, before)
	info := mapGet(extracted, "info")
	if info == nil {
		return nil, nil, fmt.Errorf("no info after the overlay")
	}
	mapSet(info, "version", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: version})
	spec, err = canonicalize(extracted)
	if err != nil {
		return nil, nil, err
	}
	if err := validate(spec); err != nil {
		return nil, nil, err
	}
	return spec, notes, nil
}

// declaredStatuses records which response statuses Clerk's spec itself declares per operation.
func declaredStatuses(ops []operationRef) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, op := range ops {
		out[op.id] = map[string]bool{}
		if rs := mapGet(op.node, "responses"); rs != nil {
			for i := 0; i < len(rs.Content); i += 2 {
				out[op.id][rs.Content[i].Value] = true
			}
		}
	}
	return out
}

// isAnswerAddition reports whether a marker is the overlay's "[answer]" kind: an answer Clerk's
// spec omits. (A "[go-name]" response, such as revoke's 400 renamed ClientError, is one Clerk declares.)
func isAnswerAddition(marker *yaml.Node) bool {
	return marker != nil && strings.HasPrefix(marker.Value, "[answer]")
}

// obsoleteAdditions names the marked additions Clerk's spec now declares itself: the overlay
// still applies them, but the marker would then be false, so a maintainer should review them.
func obsoleteAdditions(doc *yaml.Node, ops []operationRef, before map[string]map[string]bool) []string {
	var notes []string
	responses := mapGet(mapGet(doc, "components"), "responses")
	for _, op := range ops {
		rs := mapGet(op.node, "responses")
		for i := 0; rs != nil && i+1 < len(rs.Content); i += 2 {
			status, resp := rs.Content[i].Value, rs.Content[i+1]
			marked := isAnswerAddition(mapGet(resp, notInClerkSpec))
			if ref := mapGet(resp, "$ref"); ref != nil {
				name := strings.TrimPrefix(ref.Value, "#/components/responses/")
				marked = marked || isAnswerAddition(mapGet(mapGet(responses, name), notInClerkSpec))
			}
			if marked && before[op.id][status] {
				notes = append(notes, fmt.Sprintf("Clerk's spec now declares %s on %s; the overlay's addition (marked %s) may be obsolete: review spec/overlay.yaml", status, op.id, notInClerkSpec))
			}
		}
	}
	return notes
}
