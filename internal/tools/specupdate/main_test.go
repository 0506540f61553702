package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const (
	repoRoot    = "../../.."
	overlayFile = repoRoot + "/spec/overlay.yaml"
	clerkDir    = repoRoot + "/spec/clerk"
)

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// clerkFile is the published file spec/clerk/SOURCE names.
func clerkFile(t *testing.T) string {
	t.Helper()
	rec, err := readSource(filepath.Join(clerkDir, "SOURCE"))
	if err != nil {
		t.Fatal(err)
	}
	if rec["file"] == "" {
		t.Fatal("spec/clerk/SOURCE names no file")
	}
	return filepath.Join(clerkDir, rec["file"])
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

// runTool runs the command as make spec-update does, in dir, and returns its exit status and output.
func runTool(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// openapi.yaml is produced from Clerk's published file committed in spec/clerk/ (whose sha256
// SOURCE records) and spec/overlay.yaml: taking it again changes no byte.
func TestOpenAPIYAMLIsProducedFromThePublishedFile(t *testing.T) {
	rec, err := readSource(filepath.Join(clerkDir, "SOURCE"))
	if err != nil {
		t.Fatal(err)
	}
	full := readFile(t, clerkFile(t))
	if got := (&published{data: full}).checksum(); got != rec["sha256"] {
		t.Fatalf("spec/clerk/%s has sha256 %s, SOURCE says %s: the published file was edited, or SOURCE not updated", rec["file"], got, rec["sha256"])
	}
	for _, key := range []string{"repository", "commit", "path", "license"} {
		if rec[key] == "" {
			t.Errorf("spec/clerk/SOURCE has no %s", key)
		}
	}
	current := readFile(t, repoRoot+"/openapi.yaml")
	if got := mustUpdate(t, full, infoVersion(current)); !bytes.Equal(got, current) {
		t.Fatalf("spec-update of spec/clerk/%s does not write openapi.yaml as committed (edited by hand, or the overlay changed "+
			"without make spec-update?); it writes:\n%s", rec["file"], got)
	}
}

// The canonical form: the same operations, in another order and quoting, and among other
// operations, give the same bytes; and the extract alone gives what the full file gives.
func TestUpdateIsAFunctionOfTheOperationsOnly(t *testing.T) {
	full := readFile(t, clerkFile(t))
	want := mustUpdate(t, full, "2026-05-12")
	doc := parseYAML(t, full)
	reverse(mapGet(doc, "paths"))
	components := mapGet(doc, "components")
	for i := 1; i < len(components.Content); i += 2 {
		reverse(components.Content[i])
	}
	walk(doc, func(_ string, m *yaml.Node) {
		for _, c := range m.Content {
			if c.Kind == yaml.ScalarNode && c.Tag == "!!str" && !strings.Contains(c.Value, "\n") {
				c.Style = yaml.DoubleQuotedStyle
			}
		}
	})
	shuffled := encodeYAML(t, doc)
	if bytes.Equal(shuffled, full) {
		t.Fatal("the reordered file is the file itself")
	}
	if got := mustUpdate(t, shuffled, "2026-05-12"); !bytes.Equal(got, want) {
		t.Errorf("reordering and requoting Clerk's file changed the output:\n%s", got)
	}
	if got := mustUpdate(t, readFile(t, "testdata/bapi-2026-05-12.yml"), "2026-05-12"); !bytes.Equal(got, want) {
		t.Errorf("the extract gives another output than the full file:\n%s", got)
	}
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

// Clerk's 2025-11-10 declares the two operations as 2026-05-12 does: taking it changes only
// info.version.
func TestTaking20251110ChangesOnlyTheVersion(t *testing.T) {
	current := string(readFile(t, repoRoot+"/openapi.yaml"))
	got := string(mustUpdate(t, readFile(t, "testdata/bapi-2025-11-10.yml"), "2025-11-10"))
	want := strings.Replace(current, "  version: \"2026-05-12\"\n", "  version: \"2025-11-10\"\n", 1)
	if want == current {
		t.Fatal("openapi.yaml has no info.version 2026-05-12 line to compare with")
	}
	if got != want {
		t.Fatalf("taking 2025-11-10 changed more than info.version; it writes:\n%s", got)
	}
}

// Clerk's 2025-03-12 predates org_id and the 403: the overlay does not put them back (the update
// succeeds, and make contract is what fails: .ci/contract-selftest checks that).
func TestTakingTheStale20250312LosesOrgID(t *testing.T) {
	got := parseYAML(t, mustUpdate(t, readFile(t, "testdata/bapi-2025-03-12.yml"), "2025-03-12"))
	props := mapGet(mapGet(mapGet(mapGet(got, "components"), "schemas"), "CreateSignInTokenRequest"), "properties")
	if props == nil || mapGet(props, "user_id") == nil {
		t.Fatal("CreateSignInTokenRequest.user_id is missing: the overlay did not move Clerk's schema")
	}
	if mapGet(props, "org_id") != nil {
		t.Error("org_id is in the output of a file that lacks it: the overlay recreated it")
	}
	create := mapGet(mapGet(mapGet(got, "paths"), "/sign_in_tokens"), "post")
	if mapGet(mapGet(create, "responses"), "403") != nil {
		t.Error("403 is in the output of a file that lacks it")
	}
}

// Only what our operations reach is kept from Clerk's full file: its other operations, their
// components, and Clerk's own AuthenticationInvalid (which our operations do not use) stay out;
// what is reached only through another component (ClerkError, via ClerkErrors) is in.
func TestUpdateKeepsOnlyWhatTheOperationsReach(t *testing.T) {
	doc := parseYAML(t, mustUpdate(t, readFile(t, clerkFile(t)), "2026-05-12"))
	if n := len(mapGet(doc, "paths").Content) / 2; n != 2 {
		t.Errorf("%d paths, want our 2", n)
	}
	components := mapGet(doc, "components")
	for _, absent := range []string{"User", "Client", "JWKS", "OrganizationMembership"} {
		if mapGet(mapGet(components, "schemas"), absent) != nil {
			t.Errorf("schema %s is not used by our operations but was kept", absent)
		}
	}
	for _, absent := range []string{"PaymentRequired", "ClerkErrors", "Client"} {
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
	if auth := mapGet(mapGet(components, "responses"), "AuthenticationInvalid"); !isAnswerAddition(mapGet(auth, notInClerkSpec)) {
		t.Error("AuthenticationInvalid is not the overlay's marked one")
	}
	if tags := mapGet(doc, "tags"); len(tags.Content) != 1 || mapGet(tags.Content[0], "name").Value != "Sign-in Tokens" {
		t.Errorf("tags: want only Sign-in Tokens, got %s", encodeYAML(t, tags))
	}
	if mapGet(mapGet(doc, "info"), "x-logo") != nil {
		t.Error("Clerk's info (x-logo) survived the overlay")
	}
}

// Every difference from Clerk's file that a request can break (a constraint, an answer, a name)
// carries the marker with its kind and reason; the overlay is the one list of them.
func TestEveryStricterRuleIsMarked(t *testing.T) {
	doc := parseYAML(t, readFile(t, repoRoot+"/openapi.yaml"))
	schemas := mapGet(mapGet(doc, "components"), "schemas")
	req := mapGet(schemas, "CreateSignInTokenRequest")
	for path, marker := range map[string]*yaml.Node{
		"CreateSignInTokenRequest":                    mapGet(req, notInClerkSpec),
		"CreateSignInTokenRequest.user_id":            mapGet(mapGet(mapGet(req, "properties"), "user_id"), notInClerkSpec),
		"CreateSignInTokenRequest.expires_in_seconds": mapGet(mapGet(mapGet(req, "properties"), "expires_in_seconds"), notInClerkSpec),
		"CreateSignInToken.requestBody":               mapGet(mapGet(mapGet(mapGet(mapGet(doc, "paths"), "/sign_in_tokens"), "post"), "requestBody"), notInClerkSpec),
		"responses.ClientError":                       mapGet(mapGet(mapGet(mapGet(doc, "components"), "responses"), "ClientError"), notInClerkSpec),
		"responses.AuthenticationInvalid":             mapGet(mapGet(mapGet(mapGet(doc, "components"), "responses"), "AuthenticationInvalid"), notInClerkSpec),
		"responses.TooManyRequests":                   mapGet(mapGet(mapGet(mapGet(doc, "components"), "responses"), "TooManyRequests"), notInClerkSpec),
	} {
		if marker == nil || !strings.HasPrefix(marker.Value, "[") || len(marker.Value) < 40 {
			t.Errorf("%s: no %s marker with its kind and reason", path, notInClerkSpec)
		}
	}
	if mapGet(mapGet(mapGet(req, "properties"), "user_id"), "minLength") == nil {
		t.Error("user_id has no minLength: the overlay's stricter rule did not apply")
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
			writeFile(t, from, []byte(tc.full))
			writeFile(t, out, []byte("before\n"))
			code, _, stderr := runTool(t, "-from", from, "-overlay", overlayFile, "-out", out, "-record", filepath.Join(dir, "clerk"))
			if code != 1 {
				t.Errorf("exit status %d, want 1", code)
			}
			if !strings.Contains(stderr, tc.missing) {
				t.Errorf("stderr %q does not name %s", stderr, tc.missing)
			}
			if b := readFile(t, out); string(b) != "before\n" {
				t.Error("the output was written although the update was refused")
			}
			if _, err := os.Stat(filepath.Join(dir, "clerk")); err == nil {
				t.Error("the published file was recorded although the update was refused")
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

// When Clerk's spec starts declaring an answer the overlay adds, the update says so; a name the
// overlay gives an answer Clerk declares (revoke's 400, ClientError) is no such note.
func TestUpdateNotesAnAdditionClerkNowDeclares(t *testing.T) {
	extract := string(readFile(t, "testdata/bapi-2026-05-12.yml"))
	_, notes, err := update([]byte(extract), readFile(t, overlayFile), "2026-05-12")
	if err != nil || len(notes) != 0 {
		t.Fatalf("notes = %q, err = %v; want none for Clerk's file as it is", notes, err)
	}
	declared := "        \"403\":\n          $ref: '#/components/responses/AuthorizationInvalid'\n"
	if strings.Count(extract, declared) != 1 {
		t.Fatal("the extract's create 403 is not where the test expects it")
	}
	full := strings.Replace(extract, declared, "        \"401\":\n          $ref: '#/components/responses/ResourceNotFound'\n"+declared, 1)
	_, notes, err = update([]byte(full), readFile(t, overlayFile), "2026-05-12")
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "401 on CreateSignInToken") {
		t.Fatalf("notes = %q, want one about 401 on CreateSignInToken", notes)
	}
}

// The version comes from the file name, else from info.version when that is a date; without
// either, the caller must say it.
func TestVersionOf(t *testing.T) {
	withInfo := []byte("openapi: 3.0.3\ninfo:\n  version: '2025-11-10'\n")
	for _, tc := range []struct {
		location string
		data     []byte
		want     string
	}{
		{"bapi/2026-05-12.yml", nil, "2026-05-12"},
		{"/tmp/bapi-2026-09-01.yml", nil, "2026-09-01"},
		{"https://raw.githubusercontent.com/clerk/openapi-specs/main/bapi/2025-11-10.yml", nil, "2025-11-10"},
		{"https://example.com/2026-01-01/clerk.yml", withInfo, "2025-11-10"},
		{"clerk.yml", withInfo, "2025-11-10"},
		{"clerk.yml", []byte("openapi: 3.0.3\ninfo:\n  version: v2\n"), ""},
	} {
		if got := versionOf(tc.location, tc.data); got != tc.want {
			t.Errorf("versionOf(%q) = %q, want %q", tc.location, got, tc.want)
		}
	}
}

// The gate's verdict on the synthetic newer version: oasdiff (the pinned one) finds the breaking
// change as an error and lists the additive one, and an acknowledgement lets it pass.
func TestGateVerdictOnTheSecondVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the pinned oasdiff")
	}
	// Relative paths, as make spec-gate gives them: --err-ignore would take an absolute one for the API path.
	dir := t.TempDir()
	base, rev := "base.yaml", "rev.yaml"
	writeFile(t, filepath.Join(dir, base), mustUpdate(t, readFile(t, "testdata/bapi-2026-05-12.yml"), "2026-05-12"))
	writeFile(t, filepath.Join(dir, rev), mustUpdate(t, readFile(t, "testdata/bapi-2026-09-01.yml"), "2026-09-01"))
	bin := filepath.Join(dir, "oasdiff")
	if out, err := exec.Command("go", "build", "-modfile=../specdiff/go.mod", "-o", bin, "github.com/oasdiff/oasdiff").CombinedOutput(); err != nil {
		t.Fatalf("build the pinned oasdiff: %v\n%s", err, out)
	}
	oasdiff := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := oasdiff("breaking", "--fail-on", "ERR", "--format", "singleline", base, rev)
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("oasdiff breaking: err = %v, want a non-zero exit; output:\n%s", err, out)
	}
	if !strings.Contains(out, "expires_in_seconds") || !strings.Contains(out, "error") {
		t.Errorf("the breaking change (expires_in_seconds became required) is not reported as an error:\n%s", out)
	}
	changes, err := oasdiff("changelog", "--format", "singleline", base, rev)
	if err != nil {
		t.Fatalf("oasdiff changelog: %v\n%s", err, changes)
	}
	if !strings.Contains(changes, "expires_at") {
		t.Errorf("the additive change (expires_at) is not listed:\n%s", changes)
	}
	ignore := "accepted.txt"
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "expires_in_seconds") {
			lines = append(lines, l+" -- because the fixture says so")
		}
	}
	writeFile(t, filepath.Join(dir, ignore), []byte(strings.Join(lines, "\n")+"\n"))
	if out, err := oasdiff("breaking", "--fail-on", "ERR", "--err-ignore", ignore, base, rev); err != nil {
		t.Errorf("with the change acknowledged, oasdiff still fails: %v\n%s", err, out)
	}
}
