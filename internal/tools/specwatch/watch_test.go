package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The repository this module sits in.
const repoRoot = "../../.."

// The synthetic versions Clerk "publishes" in the test, after today's.
const (
	additiveVersion = "2099-01-10" // today's, plus an optional response field, expires_at
	breakingVersion = "2099-01-15" // that, plus expires_in_seconds' minimum raised from 1 to 60
	noBuildVersion  = "2099-02-01" // today's, with expires_in_seconds required, not nullable: gen's field is no longer a pointer
)

// The edits newerSpec makes to today's spec.
const (
	addExpiresAt = iota
	raiseMinimum
	requireExpiry
)

// todaysSpec is Clerk's published file openapi.yaml is made from: the committed copy of Clerk's
// file when there is one (spec/clerk/<version>.yml), else spec-update's fixture for the version.
func todaysSpec(t *testing.T, repo, version string) []byte {
	t.Helper()
	for _, p := range []string{"spec/clerk/" + version + ".yml", "internal/tools/specupdate/testdata/bapi-" + version + ".yml"} {
		if b, err := readFile(repo, p); err == nil {
			return b
		}
	}
	t.Fatalf("found no published file for today's version %s", version)
	return nil
}

// yget returns the value of key in a YAML mapping, following a local $ref ("#/a/b").
func yget(t *testing.T, doc, node *yaml.Node, key string) *yaml.Node {
	t.Helper()
	node = deref(t, doc, node)
	for i := 0; node != nil && i+1 < len(node.Content); i += 2 {
		if node.Content[i].Value == key {
			return deref(t, doc, node.Content[i+1])
		}
	}
	t.Fatalf("no %q in the spec", key)
	return nil
}

func deref(t *testing.T, doc, node *yaml.Node) *yaml.Node {
	t.Helper()
	for i := 0; node.Kind == yaml.MappingNode && i+1 < len(node.Content); i += 2 {
		if node.Content[i].Value == "$ref" {
			target := doc.Content[0]
			for _, part := range strings.Split(strings.TrimPrefix(node.Content[i+1].Value, "#/"), "/") {
				target = yget(t, doc, target, part)
			}
			return target
		}
	}
	return node
}

// createOperation is the CreateSignInToken operation, found by its operationId.
func createOperation(t *testing.T, doc *yaml.Node) *yaml.Node {
	t.Helper()
	paths := yget(t, doc, doc.Content[0], "paths")
	for i := 1; i < len(paths.Content); i += 2 {
		for j := 1; j < len(paths.Content[i].Content); j += 2 {
			op := paths.Content[i].Content[j]
			for k := 0; op.Kind == yaml.MappingNode && k+1 < len(op.Content); k += 2 {
				if op.Content[k].Value == "operationId" && op.Content[k+1].Value == "CreateSignInToken" {
					return op
				}
			}
		}
	}
	t.Fatal("no CreateSignInToken operation")
	return nil
}

// newerSpec is today's spec with edits: an optional response field added (expires_at); the
// request's expires_in_seconds minimum raised (a request valid today is refused: oasdiff ERR,
// while gen's Go API stays compatible); expires_in_seconds required and not nullable (gen's
// field is no longer a pointer, and api, which sets it, no longer builds).
func newerSpec(t *testing.T, today []byte, edits ...int) []byte {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(today, &doc); err != nil {
		t.Fatal(err)
	}
	op := createOperation(t, &doc)
	request := yget(t, &doc, yget(t, &doc, yget(t, &doc, yget(t, &doc, op, "requestBody"), "content"), "application/json"), "schema")
	if slices.Contains(edits, requireExpiry) {
		required := yget(t, &doc, request, "required")
		required.Content = append(required.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "expires_in_seconds"})
		yget(t, &doc, yget(t, &doc, yget(t, &doc, request, "properties"), "expires_in_seconds"), "nullable").Value = "false"
	}
	if slices.Contains(edits, raiseMinimum) {
		yget(t, &doc, yget(t, &doc, yget(t, &doc, request, "properties"), "expires_in_seconds"), "minimum").Value = "60"
	}
	if !slices.Contains(edits, addExpiresAt) {
		return marshal(t, &doc)
	}
	token := yget(t, &doc, yget(t, &doc, yget(t, &doc, yget(t, &doc, yget(t, &doc, op, "responses"), "200"), "content"), "application/json"), "schema")
	var field yaml.Node
	if err := yaml.Unmarshal([]byte("type: integer\nformat: int64\ndescription: Unix timestamp of expiry, in milliseconds.\n"), &field); err != nil {
		t.Fatal(err)
	}
	props := yget(t, &doc, token, "properties")
	props.Content = append(props.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "expires_at"}, field.Content[0])
	return marshal(t, &doc)
}

func marshal(t *testing.T, doc *yaml.Node) []byte {
	t.Helper()
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// copyRepo copies a repository's files (not .git, hidden directories or node_modules) to a
// temporary directory, where make may rewrite them.
func copyRepo(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() && rel != "." && (strings.HasPrefix(d.Name(), ".") && d.Name() != ".ci" && d.Name() != ".github" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() || d.Name() == ".git" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// publish serves a published-specs tree over loopback: a GitHub contents listing of bapi/ at
// /contents/bapi, and each file at /raw/bapi/<name>.
func publish(t *testing.T, files map[string][]byte) (listing, base string) {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /contents/bapi", func(w http.ResponseWriter, r *http.Request) {
		entries := []map[string]string{{"name": "README.md", "type": "file"}, {"name": "drafts", "type": "dir"}}
		for name := range files {
			entries = append(entries, map[string]string{"name": name, "type": "file"})
		}
		json.NewEncoder(w).Encode(entries)
	})
	mux.HandleFunc("GET /raw/bapi/{name}", func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.PathValue("name")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/contents/bapi", srv.URL + "/raw"
}

// makeIn runs make in dir with the published tree at listing/base; it returns the combined output.
func makeIn(t *testing.T, dir, listing, base string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("make", append([]string{"--no-print-directory"}, args...)...)
	cmd.Dir = dir
	// Not what an outer make passes down, nor variables the targets read (make imports the
	// environment: a VERSION set by some CI would otherwise pick the version).
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "GITHUB_TOKEN", "VERSION", "BODY", "OUTPUTS", "SPEC_WATCH_LISTING", "CLERK_SPECS_BASE":
		default:
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "SPEC_WATCH_LISTING="+listing, "CLERK_SPECS_BASE="+base)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func readOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		k, v, _ := strings.Cut(line, "=")
		out[k] = v
	}
	return out
}

func mustContain(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s does not say %q:\n%s", what, w, text)
		}
	}
}

// TestSpecWatch serves a published-specs tree over loopback (today's version and synthetic newer
// ones) and runs make spec-watch on copies of the repository, as the weekly workflow does.
func TestSpecWatch(t *testing.T) {
	if testing.Short() {
		t.Skip("runs make spec-update and both gates on copies of the repository")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make here")
	}
	today, err := specVersion(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	todays := todaysSpec(t, repoRoot, today)

	// The gates judge every change since the last release, and the tree may already hold some
	// (an acknowledged breaking change, a new Go identifier): then every update, however
	// additive, is judged breaking, rightly. So that each verdict here is the synthetic
	// version's own, the cases run on a copy whose last release is today's tree, recorded by
	// make record-release as a release would.
	releasedToday := copyRepo(t, repoRoot)
	if out, err := makeIn(t, releasedToday, "", "", "record-release", "VERSION=v"+libraryVersion(releasedToday)); err != nil {
		t.Fatalf("make record-release of today's tree, in a copy: %v\n%s", err, out)
	}
	released, err := readFile(releasedToday, "spec/released/VERSION")
	if err != nil {
		t.Fatal(err)
	}
	additiveNext, _, _ := nextVersion(strings.TrimSpace(string(released)), additive)
	breakingNext, _, _ := nextVersion(strings.TrimSpace(string(released)), breaking)

	t.Run("nothing newer", func(t *testing.T) {
		repo := copyRepo(t, releasedToday)
		listing, base := publish(t, map[string][]byte{today + ".yml": todays})
		before, _ := readFile(repo, "openapi.yaml")
		outputs := filepath.Join(t.TempDir(), "outputs")
		out, err := makeIn(t, repo, listing, base, "spec-watch", "OUTPUTS="+outputs)
		if err != nil {
			t.Fatalf("make spec-watch: %v\n%s", err, out)
		}
		mustContain(t, "the output", out, "already follows Clerk API version "+today, "nothing to take")
		if after, _ := readFile(repo, "openapi.yaml"); !bytes.Equal(before, after) {
			t.Error("openapi.yaml changed")
		}
		if o := readOutputs(t, outputs); o["changed"] != "false" {
			t.Errorf("outputs %v, want changed=false", o)
		}
	})

	files := map[string][]byte{
		today + ".yml":           todays,
		additiveVersion + ".yml": newerSpec(t, todays, addExpiresAt),
		breakingVersion + ".yml": newerSpec(t, todays, addExpiresAt, raiseMinimum),
		noBuildVersion + ".yml":  newerSpec(t, todays, requireExpiry),
	}

	t.Run("additive and breaking", func(t *testing.T) {
		repo := copyRepo(t, releasedToday)
		listing, base := publish(t, files)
		dir := t.TempDir()
		body, outputs := filepath.Join(dir, "body.md"), filepath.Join(dir, "outputs")
		out, err := makeIn(t, repo, listing, base, "spec-watch", "VERSION="+breakingVersion, "BODY="+body, "OUTPUTS="+outputs)
		if err != nil {
			t.Fatalf("make spec-watch: %v\n%s", err, out)
		}
		b, err := os.ReadFile(body)
		if err != nil {
			t.Fatal(err)
		}
		md := string(b)
		t.Logf("the pull request body:\n%s", md)
		mustContain(t, "the body", md,
			"## Clerk Backend API "+today+" → "+breakingVersion,
			base+"/bapi/"+breakingVersion+".yml",
			"**"+breakingNext+"** (breaking since", "a minor bump",
			"Wire (spec gate, oasdiff): 1 breaking change(s)",
			"**breaking** — POST `/sign_in_tokens`", "expires_in_seconds",
			"info — POST `/sign_in_tokens`", "expires_at",
			"#### `gen`", "compatible: `SignInToken.ExpiresAt: added`",
			"#### `signintokens`", "APIVersion: value changed",
			"Below v1.0.0", "cannot ship as a patch",
		)
		if strings.Contains(md, "**"+additiveNext+"**") {
			t.Errorf("the body suggests %s, a non-breaking bump, for a breaking change", additiveNext)
		}
		mustContain(t, "the output", out, "sha256 ", "took Clerk API version "+breakingVersion)
		// spec-update read the version from Clerk's URL, and its record says so.
		source, _ := readFile(repo, "spec/clerk/SOURCE")
		mustContain(t, "spec/clerk/SOURCE", string(source), "url: "+base+"/bapi/"+breakingVersion+".yml", "file: "+breakingVersion+".yml")
		if kept, _ := readFile(repo, "spec/clerk/"+breakingVersion+".yml"); !bytes.Equal(kept, files[breakingVersion+".yml"]) {
			t.Errorf("spec/clerk/%s.yml is not the file Clerk published", breakingVersion)
		}
		sum := sha256.Sum256(files[breakingVersion+".yml"])
		mustContain(t, "the body", md, fmt.Sprintf("(%d bytes, sha256 `%x`)", len(files[breakingVersion+".yml"]), sum))
		o := readOutputs(t, outputs)
		if o["changed"] != "true" || o["version"] != breakingVersion || o["next"] != breakingNext || o["bump"] != "minor" || o["breaking"] != "true" {
			t.Errorf("outputs %v, want a breaking change to %s", o, breakingNext)
		}
		if v, _ := specVersion(repo); v != breakingVersion {
			t.Errorf("openapi.yaml follows %s, want %s", v, breakingVersion)
		}
		if b, _ := readFile(repo, "spec.go"); !strings.Contains(string(b), `const APIVersion = "`+breakingVersion+`"`) {
			t.Error("APIVersion in spec.go was not set")
		}

		// release-check, on the same tree, judges the same way.
		out, err = makeIn(t, repo, listing, base, "release-check")
		if err != nil {
			t.Fatalf("make release-check: %v\n%s", err, out)
		}
		mustContain(t, "release-check", out, "Next version: "+breakingNext, "expires_in_seconds", "SignInToken.ExpiresAt: added")
	})

	t.Run("an additive version, asked for", func(t *testing.T) {
		repo := copyRepo(t, releasedToday)
		listing, base := publish(t, files)
		outputs := filepath.Join(t.TempDir(), "outputs")
		out, err := makeIn(t, repo, listing, base, "spec-watch", "VERSION="+additiveVersion, "OUTPUTS="+outputs)
		if err != nil {
			t.Fatalf("make spec-watch: %v\n%s", err, out)
		}
		mustContain(t, "the body", out, "→ "+additiveVersion, "**"+additiveNext+"** (additive since", "expires_at", "compatible: `SignInToken.ExpiresAt: added`")
		if strings.Contains(out, "**breaking**") || strings.Contains(out, "[!WARNING]") {
			t.Errorf("an additive version is called breaking:\n%s", out)
		}
		if o := readOutputs(t, outputs); o["next"] != additiveNext || o["breaking"] != "false" {
			t.Errorf("outputs %v, want %s, not breaking", o, additiveNext)
		}
	})

	// The newest published version is taken by default (the cases above ask for theirs).
	t.Run("a version after which the module does not build", func(t *testing.T) {
		repo := copyRepo(t, releasedToday)
		listing, base := publish(t, files)
		dir := t.TempDir()
		body, outputs := filepath.Join(dir, "body.md"), filepath.Join(dir, "outputs")
		out, err := makeIn(t, repo, listing, base, "spec-watch", "BODY="+body, "OUTPUTS="+outputs)
		if err != nil {
			t.Fatalf("make spec-watch: %v\n%s", err, out)
		}
		b, err := os.ReadFile(body)
		if err != nil {
			t.Fatal(err)
		}
		out = string(b)
		mustContain(t, "the body", out, "→ "+noBuildVersion, "**"+breakingNext+"** (breaking since",
			"**The module does not build**", "Go (API gate): the module does not build",
			"expires_in_seconds", "github.com/clerkgen/signintokens/api")
		if strings.Contains(out, repo) {
			t.Errorf("the body names the local directory %s", repo)
		}
		if o := readOutputs(t, outputs); o["next"] != breakingNext || o["breaking"] != "true" {
			t.Errorf("outputs %v, want %s, breaking", o, breakingNext)
		}
	})

	// Reading Clerk's file, and refusing a hostile one, is spec-update's: the watch stops with it.
	t.Run("a file spec-update refuses", func(t *testing.T) {
		repo := copyRepo(t, releasedToday)
		const huge = "2099-03-01"
		listing, base := publish(t, map[string][]byte{today + ".yml": todays, huge + ".yml": make([]byte, 10<<20+1)})
		before, _ := readFile(repo, "openapi.yaml")
		out, err := makeIn(t, repo, listing, base, "spec-watch")
		if err == nil || !strings.Contains(out, "larger than 10 MiB") || !strings.Contains(out, "spec-update FROM="+huge+" could not take") {
			t.Fatalf("make spec-watch, Clerk's newest file over 10 MiB: %v, want it refused by spec-update\n%s", err, out)
		}
		if after, _ := readFile(repo, "openapi.yaml"); !bytes.Equal(before, after) {
			t.Error("openapi.yaml changed")
		}
	})

	t.Run("a version Clerk did not publish", func(t *testing.T) {
		repo := copyRepo(t, releasedToday)
		listing, base := publish(t, files)
		out, err := makeIn(t, repo, listing, base, "spec-watch", "VERSION=2098-02-02")
		if err == nil || !strings.Contains(out, "Clerk has not published 2098-02-02") {
			t.Fatalf("make spec-watch VERSION=2098-02-02: %v, want a failure naming it\n%s", err, out)
		}
	})
}

// The body says what spec-update read, from spec-update's own line; make's echo of the command
// (which names the version, not the file) is not taken for it, and output without exactly one
// such line gives no body rather than a guess.
func TestWhatWasReadIsSpecUpdatesLine(t *testing.T) {
	const sha = "75df3a43fcb2d9fc4467a23c717714f5228aa3267b0930ba34612728365fd8f2"
	said := `go -C internal/tools/specupdate run . -from "2026-05-12" -dir "/repo"
read http://127.0.0.1:4242/raw/bapi/2026-05-12.yml: 738295 bytes, sha256 ` + sha + `
openapi.yaml is unchanged (Clerk API version 2026-05-12)
`
	where, size, got, err := whatWasRead(said)
	if err != nil || where != "http://127.0.0.1:4242/raw/bapi/2026-05-12.yml" || size != 738295 || got != sha {
		t.Fatalf("whatWasRead = %q, %d, %q, %v", where, size, got, err)
	}
	for _, bad := range []string{"", "specupdate: fetch x: 404 Not Found\n", said + said} {
		if _, _, _, err := whatWasRead(bad); err == nil {
			t.Errorf("whatWasRead(%q) gave no error", bad)
		}
	}
}
