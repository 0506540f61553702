// Command specupdate takes Clerk's published Backend API spec (one file per API version, e.g.
// bapi/2026-05-12.yml in github.com/clerk/openapi-specs) and writes this project's openapi.yaml
// from it:
//
//  0. it reads the file from a path, an http(s) URL or a version name (resolved under
//     CLERK_SPECS_BASE), says what it read (where, size, sha256), and refuses, before walking
//     it, a file over 10 MiB, one with too many YAML nodes, aliases that expand past a small
//     budget or refer to themselves (bounds.go);
//  1. the operations CreateSignInToken and RevokeSignInToken, found by operationId, with every
//     component they reference, transitively, and the security schemes and tags they use; an
//     external $ref (another file, a URL) is refused, never followed;
//  2. plus the project's additions (answers the live API gives that Clerk's spec omits, rules it
//     enforces beyond Clerk's spec, v0.1.0's Go names, examples), applied from a reviewed OpenAPI
//     Overlay file (spec/overlay.yaml) rather than by hand;
//  3. written in a canonical form (fixed key order, components sorted by name, one style per
//     value, no comments), so taking the same spec again changes no byte;
//  4. validated with kin-openapi, examples included, before anything is written;
//  5. with -record, the file taken is kept (spec/clerk/<version>.yml) with a SOURCE record of
//     where it came from and its sha256, so the generation is reproducible offline.
//
// It refuses (exit status 1, naming the operationId) when an operation is missing or renamed.
// Run it through `make spec-update FROM=<path|URL|version>`, which also regenerates gen/.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
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
	from := fs.String("from", "", "Clerk's published spec (required): a path, an http(s) URL, or a version name such as 2026-05-12")
	base := fs.String("specs-base", envOr("CLERK_SPECS_BASE", defaultSpecsBase), "where a version name resolves: <base>/bapi/<version>.yml (env CLERK_SPECS_BASE)")
	dir := fs.String("dir", "", "the directory a relative -from path is relative to (default: the working directory)")
	overlayPath := fs.String("overlay", "spec/overlay.yaml", "the project's additions, an OpenAPI Overlay document")
	out := fs.String("out", "openapi.yaml", "the file to write")
	recordDir := fs.String("record", "", "keep the published file taken and its SOURCE here (spec/clerk), so the generation is reproducible offline")
	version := fs.String("api-version", "", "the Clerk API version (info.version); default: the date in -from's file name, else the file's info.version")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *from == "" {
		fmt.Fprintln(stderr, "specupdate: -from is required (make spec-update FROM=<path|URL|version>, e.g. FROM=2026-05-12)")
		return 2
	}
	if *version != "" && !versionName.MatchString(*version) {
		// It names the file kept in spec/clerk and openapi.yaml's info.version.
		fmt.Fprintf(stderr, "specupdate: -api-version %q is not a Clerk API version (YYYY-MM-DD, such as 2026-05-12)\n", *version)
		return 2
	}
	location, isURL, err := resolveFrom(*from, *base, *dir)
	if err != nil {
		fmt.Fprintf(stderr, "specupdate: %v\n", err)
		return 2
	}
	pub, err := readSpec(context.Background(), location, isURL, http.DefaultClient)
	if err != nil {
		fmt.Fprintf(stderr, "specupdate: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "read %s: %d bytes, sha256 %s\n", pub.origin, len(pub.data), pub.sum)
	if *version == "" {
		if *version = versionOf(location, pub.data); *version == "" {
			fmt.Fprintf(stderr, "specupdate: cannot tell the API version from %q (no date in its name, no date in its info.version); pass -api-version YYYY-MM-DD (make spec-update ... API_VERSION=...)\n", *from)
			return 2
		}
	}
	overlayYAML, err := os.ReadFile(*overlayPath)
	if err != nil {
		fmt.Fprintf(stderr, "specupdate: %v\n", err)
		return 1
	}
	spec, notes, err := update(pub.data, overlayYAML, *version)
	if err != nil {
		fmt.Fprintf(stderr, "specupdate: %s: %v\nNothing was written.\n", pub.origin, err)
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
	if !bytes.Equal(old, spec) {
		if oldVersion := infoVersion(old); oldVersion != "" && oldVersion != *version {
			fmt.Fprintf(stderr, "specupdate: note: the API version changes from %s to %s: set APIVersion in spec.go to %q (TestAPIVersionMatchesSpec checks)\n", oldVersion, *version, *version)
		}
		if err := os.WriteFile(*out, spec, 0o644); err != nil {
			fmt.Fprintf(stderr, "specupdate: %v\n", err)
			return 1
		}
	}
	if *recordDir != "" {
		recorded, err := record(*recordDir, pub, *version)
		if err != nil {
			fmt.Fprintf(stderr, "specupdate: %v\n", err)
			return 1
		}
		if recorded != "" {
			fmt.Fprintf(stdout, "kept the published file as %s, its source in %s\n", recorded, filepath.Join(*recordDir, "SOURCE"))
		}
	}
	if bytes.Equal(old, spec) {
		fmt.Fprintf(stdout, "%s is unchanged (Clerk API version %s)\n", *out, *version)
		return 0
	}
	fmt.Fprintf(stdout, "wrote %s (Clerk API version %s); see what changed with `make spec-diff` and `make contract`\n", *out, *version)
	return 0
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

var datePattern = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)

// infoVersion reads info.version from a spec, or "" when it cannot.
func infoVersion(spec []byte) string {
	doc, err := parseBounded(spec)
	if err != nil {
		return ""
	}
	if v := mapGet(mapGet(doc, "info"), "version"); v != nil {
		return v.Value
	}
	return ""
}

// update is the whole transformation, from the bytes of Clerk's full spec and of the overlay to
// the bytes of openapi.yaml. notes are things a maintainer should look at, not errors.
func update(full, overlayYAML []byte, version string) (spec []byte, notes []string, err error) {
	root, err := parseBounded(full)
	if err != nil {
		return nil, nil, err
	}
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
