package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/want-*.yaml from the fixtures")

const (
	repoRoot    = "../../.."
	overlayFile = repoRoot + "/spec/overlay.yaml"
)

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustUpdate(t *testing.T, full []byte, version string) []byte {
	t.Helper()
	spec, _, err := update(full, readFile(t, overlayFile), version)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	return spec
}

func parseYAML(t *testing.T, b []byte) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0]
}

func encodeYAML(t *testing.T, n *yaml.Node) []byte {
	t.Helper()
	b, err := yaml.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fullSpecFrom turns the project's openapi.yaml back into a "full" Clerk spec: the marked
// additions removed, Clerk's own info put back, and unrelated operations and components around
// ours, in another order and quoting than the canonical form.
func fullSpecFrom(t *testing.T, spec []byte) []byte {
	t.Helper()
	doc := parseYAML(t, spec)
	responses := mapGet(mapGet(doc, "components"), "responses")
	marked := map[string]bool{}
	for i := 0; i+1 < len(responses.Content); i += 2 {
		if mapGet(responses.Content[i+1], notInClerkSpec) != nil {
			marked["#/components/responses/"+responses.Content[i].Value] = true
			responses.Content = append(responses.Content[:i], responses.Content[i+2:]...)
			i -= 2
		}
	}
	paths := mapGet(doc, "paths")
	for i := 1; i < len(paths.Content); i += 2 {
		for _, method := range httpMethods {
			rs := mapGet(mapGet(paths.Content[i], method), "responses")
			for j := 0; rs != nil && j+1 < len(rs.Content); j += 2 {
				if ref := mapGet(rs.Content[j+1], "$ref"); ref != nil && marked[ref.Value] {
					rs.Content = append(rs.Content[:j], rs.Content[j+2:]...)
					j -= 2
				}
			}
		}
	}
	if len(marked) == 0 {
		t.Fatal("openapi.yaml has no marked additions: the overlay would add them, so no round trip")
	}
	// Clerk's info, and unrelated paths and components, as the fixture has them, ours reversed.
	fixture := parseYAML(t, readFile(t, "testdata/bapi-2026-05-12.yml"))
	mapSet(doc, "info", mapGet(fixture, "info"))
	fixturePaths := mapGet(fixture, "paths")
	mapSet(paths, "/jwks", mapGet(fixturePaths, "/jwks"))
	mapSet(paths, "/users", mapGet(fixturePaths, "/users"))
	reverse(paths)
	for _, section := range []string{"schemas", "responses", "parameters"} {
		src := mapGet(mapGet(fixture, "components"), section)
		dst := mapGet(mapGet(doc, "components"), section)
		if dst == nil {
			dst = newMapping()
			mapSet(mapGet(doc, "components"), section, dst)
		}
		for i := 0; i+1 < len(src.Content); i += 2 {
			if mapGet(dst, src.Content[i].Value) == nil {
				mapSet(dst, src.Content[i].Value, src.Content[i+1])
			}
		}
		reverse(dst)
	}
	walk(doc, func(_ string, m *yaml.Node) {
		for _, c := range m.Content {
			if c.Kind == yaml.ScalarNode && c.Tag == "!!str" && !strings.Contains(c.Value, "\n") {
				c.Style = yaml.DoubleQuotedStyle
			}
		}
	})
	return encodeYAML(t, doc)
}

func reverse(m *yaml.Node) {
	var pairs [][2]*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		pairs = append([][2]*yaml.Node{{m.Content[i], m.Content[i+1]}}, pairs...)
	}
	m.Content = m.Content[:0]
	for _, p := range pairs {
		m.Content = append(m.Content, p[0], p[1])
	}
}

// A no-op update is a no-op diff: the real openapi.yaml, turned back into a full spec (additions
// removed, unrelated operations added, order and quoting changed), comes back byte for byte.
func TestUpdateOfTheCurrentOperationsReproducesOpenAPIYAML(t *testing.T) {
	current := readFile(t, repoRoot+"/openapi.yaml")
	full := fullSpecFrom(t, current)
	if bytes.Equal(full, current) {
		t.Fatal("the full spec built for the test is openapi.yaml itself")
	}
	got := mustUpdate(t, full, infoVersion(current))
	if !bytes.Equal(got, current) {
		t.Fatalf("spec-update rewrites openapi.yaml although its operations did not change: openapi.yaml is not in the form spec-update writes "+
			"(edited by hand? change it through spec/overlay.yaml or Clerk's spec, with make spec-update); spec-update writes:\n%s", got)
	}
}

// The fixture's two versions produce the committed expected openapi.yaml (go test -update rewrites them).
func TestUpdateFixtures(t *testing.T) {
	for _, version := range []string{"2026-05-12", "2026-09-01"} {
		t.Run(version, func(t *testing.T) {
			got := mustUpdate(t, readFile(t, "testdata/bapi-"+version+".yml"), version)
			wantPath := "testdata/want-" + version + ".yaml"
			if *updateGolden {
				if err := os.WriteFile(wantPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if want := readFile(t, wantPath); !bytes.Equal(got, want) {
				t.Fatalf("spec-update of bapi-%s.yml differs from %s; got:\n%s", version, wantPath, got)
			}
			// Taking the same file again changes nothing.
			if again := mustUpdate(t, readFile(t, "testdata/bapi-"+version+".yml"), version); !bytes.Equal(again, got) {
				t.Fatal("two runs on the same input differ")
			}
		})
	}
}

// Only what our operations reach is kept: Clerk's other operations, their components, and
// Clerk's own AuthenticationInvalid (which our operations do not use) stay out; components
// reached only through another component (ClerkError, via ClerkErrors) are in.
func TestUpdateKeepsOnlyWhatTheOperationsReach(t *testing.T) {
	doc := parseYAML(t, mustUpdate(t, readFile(t, "testdata/bapi-2026-05-12.yml"), "2026-05-12"))
	paths := mapGet(doc, "paths")
	if n := len(paths.Content) / 2; n != 2 {
		t.Errorf("%d paths, want our 2", n)
	}
	components := mapGet(doc, "components")
	for _, absent := range []string{"User", "Client", "JWKS", "OrganizationMembership"} {
		if mapGet(mapGet(components, "schemas"), absent) != nil {
			t.Errorf("schema %s is not used by our operations but was kept", absent)
		}
	}
	for _, absent := range []string{"PaymentRequired", "ClerkErrors", "WellKnown.JWKS"} {
		if mapGet(mapGet(components, "responses"), absent) != nil {
			t.Errorf("response %s is not used by our operations but was kept", absent)
		}
	}
	if mapGet(components, "parameters") != nil {
		t.Error("components.parameters kept although our operations use none")
	}
	if mapGet(mapGet(components, "schemas"), "ClerkError") == nil {
		t.Error("ClerkError (reached through ClerkErrors) is missing")
	}
	if mapGet(mapGet(components, "securitySchemes"), "bearerAuth") == nil {
		t.Error("bearerAuth (named by the security requirement) is missing")
	}
	auth := mapGet(mapGet(components, "responses"), "AuthenticationInvalid")
	if mapGet(auth, notInClerkSpec) == nil {
		t.Error("AuthenticationInvalid is not the overlay's marked one")
	}
	if tags := mapGet(doc, "tags"); len(tags.Content) != 1 || mapGet(tags.Content[0], "name").Value != "Sign-in Tokens" {
		t.Errorf("tags: want only Sign-in Tokens, got %s", encodeYAML(t, tags))
	}
	if v := mapGet(mapGet(doc, "info"), "version").Value; v != "2026-05-12" {
		t.Errorf("info.version = %s, want the version taken, 2026-05-12 (Clerk's file says 2025-11-10)", v)
	}
	if mapGet(mapGet(doc, "info"), "x-logo") != nil {
		t.Error("Clerk's info (x-logo) survived the overlay")
	}
}

// A missing or renamed operation stops the update with its operationId named, and similar
// operationIds listed, and nothing is written.
func TestUpdateRefusesAMissingOrRenamedOperation(t *testing.T) {
	full := string(readFile(t, "testdata/bapi-2026-05-12.yml"))
	for name, tc := range map[string]struct {
		full          string
		missing, hint string
	}{
		"renamed": {strings.Replace(full, "operationId: RevokeSignInToken", "operationId: RevokeSignInTokenV2", 1), "RevokeSignInToken", "RevokeSignInTokenV2"},
		"case":    {strings.Replace(full, "operationId: CreateSignInToken", "operationId: createSignInToken", 1), "CreateSignInToken", "createSignInToken"},
		"removed": {strings.Replace(full, "operationId: RevokeSignInToken", "summary: gone", 1), "RevokeSignInToken", ""},
	} {
		t.Run(name, func(t *testing.T) {
			if tc.full == full {
				t.Fatal("the fixture edit did not apply")
			}
			_, _, err := update([]byte(tc.full), readFile(t, overlayFile), "2026-05-12")
			var missing *missingOperationError
			if !errors.As(err, &missing) || missing.id != tc.missing {
				t.Fatalf("err = %v, want operation %s missing", err, tc.missing)
			}
			if !strings.Contains(err.Error(), tc.missing) || (tc.hint != "" && !strings.Contains(err.Error(), tc.hint)) {
				t.Errorf("error %q should name %s and hint at %q", err, tc.missing, tc.hint)
			}

			dir := t.TempDir()
			from, out := filepath.Join(dir, "bapi-2026-05-12.yml"), filepath.Join(dir, "openapi.yaml")
			if err := os.WriteFile(from, []byte(tc.full), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(out, []byte("before\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			if code := run([]string{"-from", from, "-overlay", overlayFile, "-out", out}, &stdout, &stderr); code != 1 {
				t.Errorf("exit status %d, want 1", code)
			}
			if !strings.Contains(stderr.String(), tc.missing) {
				t.Errorf("stderr %q does not name %s", stderr.String(), tc.missing)
			}
			if b := readFile(t, out); string(b) != "before\n" {
				t.Error("the output was written although the update was refused")
			}
		})
	}
}

// An overlay action whose target matches nothing stops the update (strict), so an addition
// never silently stops applying.
func TestUpdateRefusesAnOverlayThatNoLongerApplies(t *testing.T) {
	overlay := strings.Replace(string(readFile(t, overlayFile)), "@.operationId == 'RevokeSignInToken'", "@.operationId == 'RevokeSignInTokens'", 1)
	_, _, err := update(readFile(t, "testdata/bapi-2026-05-12.yml"), []byte(overlay), "2026-05-12")
	if err == nil || !strings.Contains(err.Error(), "RevokeSignInTokens") {
		t.Fatalf("err = %v, want the unmatched overlay target named", err)
	}
}

// An action that matches but changes nothing (here the last one, applied twice) is a warning of
// the overlay library's, and warnings stop the update too: the overlay is out of step.
func TestUpdateRefusesAnOverlayActionThatDoesNothing(t *testing.T) {
	overlay := string(readFile(t, overlayFile))
	last := overlay[strings.LastIndex(overlay, "\n  - target:")+1:]
	_, _, err := update(readFile(t, "testdata/bapi-2026-05-12.yml"), []byte(overlay+last), "2026-05-12")
	if err == nil || !strings.Contains(err.Error(), "warnings") || !strings.Contains(err.Error(), "does nothing") {
		t.Fatalf("err = %v, want the action that does nothing reported", err)
	}
}

// When Clerk's spec starts declaring an answer the overlay adds, the update says so.
func TestUpdateNotesAnAdditionClerkNowDeclares(t *testing.T) {
	full := strings.Replace(string(readFile(t, "testdata/bapi-2026-05-12.yml")),
		"          $ref: '#/components/responses/AuthorizationInvalid'\n",
		"          $ref: '#/components/responses/AuthorizationInvalid'\n        '401':\n          $ref: '#/components/responses/AuthenticationInvalid'\n", 1)
	_, notes, err := update([]byte(full), readFile(t, overlayFile), "2026-05-12")
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "401 on CreateSignInToken") {
		t.Fatalf("notes = %q, want one about 401 on CreateSignInToken", notes)
	}
}

// The file name gives the version; without one, the caller must say it.
func TestVersionFromName(t *testing.T) {
	for in, want := range map[string]string{
		"bapi/2026-05-12.yml":      "2026-05-12",
		"/tmp/bapi-2026-09-01.yml": "2026-09-01",
		"clerk.yml":                "",
	} {
		if got := versionFromName(in); got != want {
			t.Errorf("versionFromName(%q) = %q, want %q", in, got, want)
		}
	}
}

// The gate's verdict on the fixture's second version: oasdiff (the pinned one) finds the
// breaking change as an error and lists the additive one, and nothing about the unrelated
// operation Clerk removed.
func TestGateVerdictOnTheSecondVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the pinned oasdiff")
	}
	oasdiff := func(args ...string) (string, error) {
		cmd := exec.Command("go", append([]string{"tool", "-modfile=../specdiff/go.mod", "oasdiff"}, args...)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	base, rev := "testdata/want-2026-05-12.yaml", "testdata/want-2026-09-01.yaml"
	out, err := oasdiff("breaking", "--fail-on", "ERR", "--format", "singleline", base, rev)
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("oasdiff breaking: err = %v, want a non-zero exit; output:\n%s", err, out)
	}
	if !strings.Contains(out, "expires_in_seconds") || !strings.Contains(out, "error") {
		t.Errorf("the breaking change (expires_in_seconds became required) is not reported as an error:\n%s", out)
	}
	if strings.Contains(out, "jwks") {
		t.Errorf("a change to an operation that is not ours leaked into the verdict:\n%s", out)
	}
	changes, err := oasdiff("changelog", "--format", "singleline", base, rev)
	if err != nil {
		t.Fatalf("oasdiff changelog: %v\n%s", err, changes)
	}
	if !strings.Contains(changes, "expires_at") {
		t.Errorf("the additive change (expires_at) is not listed:\n%s", changes)
	}
	// Acknowledging the breaking change in an --err-ignore file lets it pass.
	ignore := filepath.Join(t.TempDir(), "accepted.txt")
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "expires_in_seconds") {
			lines = append(lines, l+" -- because the fixture says so")
		}
	}
	if err := os.WriteFile(ignore, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := oasdiff("breaking", "--fail-on", "ERR", "--err-ignore", ignore, base, rev); err != nil {
		t.Errorf("with the change acknowledged, oasdiff still fails: %v\n%s", err, out)
	}
}

// The shape the two operations have in the copy of Clerk's 2026-05-12 file this project could
// read (testdata/clerk-shape) is taken too: an inline request body, 400 through the shared
// ClerkErrors response, no examples. The expected openapi.yaml is committed beside it, so what a
// real update would change (org_id and the named request schema gone, which the Go API gate
// catches) is on record.
func TestUpdateTakesClerksShape(t *testing.T) {
	got := mustUpdate(t, readFile(t, "testdata/clerk-shape/bapi-2026-05-12.yml"), "2026-05-12")
	if *updateGolden {
		if err := os.WriteFile("testdata/clerk-shape/want.yaml", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want := readFile(t, "testdata/clerk-shape/want.yaml"); !bytes.Equal(got, want) {
		t.Fatalf("differs from testdata/clerk-shape/want.yaml; got:\n%s", got)
	}
	doc := parseYAML(t, got)
	create := mapGet(mapGet(mapGet(doc, "paths"), "/sign_in_tokens"), "post")
	if body := mapGet(mapGet(mapGet(mapGet(mapGet(create, "requestBody"), "content"), "application/json"), "schema"), "properties"); body == nil {
		t.Error("the inline request body schema was not kept")
	}
	revoke := mapGet(mapGet(mapGet(doc, "paths"), "/sign_in_tokens/{sign_in_token_id}/revoke"), "post")
	if ref := mapGet(mapGet(mapGet(revoke, "responses"), "400"), "$ref"); ref == nil || ref.Value != "#/components/responses/ClerkErrors" {
		t.Error("revoke's 400 does not refer to ClerkErrors")
	}
	for _, op := range []*yaml.Node{create, revoke} {
		for _, status := range []string{"401", "429"} {
			if mapGet(mapGet(op, "responses"), status) == nil {
				t.Errorf("%s: the overlay's %s is missing", mapGet(op, "operationId").Value, status)
			}
		}
	}
}
