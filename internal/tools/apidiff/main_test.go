package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// copyLib copies testdata/lib (a tiny module with api, gen and clienttest packages, and an
// internal package, a command with a package of its own and a test-only directory, none public) to a
// temporary directory, with its go.mod (kept as go.mod.txt so it is no module in this repo).
func copyLib(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir("testdata/lib", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/lib", path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, strings.TrimSuffix(rel, ".txt")), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func edit(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

func runGate(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String() + stderr.String()
}

// recorded returns a copy of the library with its API recorded as released.
func recorded(t *testing.T) (lib, baseline, accept string) {
	t.Helper()
	lib = copyLib(t)
	baseline = filepath.Join(lib, "released")
	accept = filepath.Join(lib, "accepted.txt")
	if code, out := runGate(t, "record", "-repo", lib, "-baseline", baseline); code != 0 {
		t.Fatalf("record: exit %d\n%s", code, out)
	}
	return lib, baseline, accept
}

func TestGateOnTheRecordedAPIPasses(t *testing.T) {
	lib, baseline, accept := recorded(t)
	code, out := runGate(t, "check", "-repo", lib, "-baseline", baseline, "-accept", accept)
	if code != 0 || !strings.Contains(out, "no changes") {
		t.Fatalf("exit %d, want 0 with no changes:\n%s", code, out)
	}
}

func TestGateRefusesIncompatibleChanges(t *testing.T) {
	for name, tc := range map[string]struct {
		file, old, new, want string
	}{
		"renamed function":       {"api/api.go", "func NewClient(", "func NewClientWith(", "api: NewClient: removed"},
		"field became a pointer": {"gen/gen.go", "ID  string", "ID  *string", "gen: SignInToken.ID: changed from string to *string"},
		"field type changed":     {"clienttest/clienttest.go", "Client *api.Client", "Client api.Client", "clienttest: Server.Client: changed from *example.com/lib/api.Client to example.com/lib/api.Client"},
	} {
		t.Run(name, func(t *testing.T) {
			lib, baseline, accept := recorded(t)
			edit(t, filepath.Join(lib, tc.file), tc.old, tc.new)
			code, out := runGate(t, "check", "-repo", lib, "-baseline", baseline, "-accept", accept)
			if code != 1 || !strings.Contains(out, tc.want) || !strings.Contains(out, "FAIL") {
				t.Fatalf("exit %d, want 1 naming %q:\n%s", code, tc.want, out)
			}
		})
	}
}

func TestGateListsCompatibleAdditionsAndPasses(t *testing.T) {
	lib, baseline, accept := recorded(t)
	edit(t, filepath.Join(lib, "api/api.go"), "// NewClient returns", "// Version is new.\nconst Version = 1\n\n// NewClient returns")
	code, out := runGate(t, "check", "-repo", lib, "-baseline", baseline, "-accept", accept)
	if code != 0 || !strings.Contains(out, "api: Version: added") {
		t.Fatalf("exit %d, want 0 listing the addition:\n%s", code, out)
	}
}

func TestGateAcceptsAnAcknowledgedChange(t *testing.T) {
	lib, baseline, accept := recorded(t)
	edit(t, filepath.Join(lib, "api/api.go"), "func NewClient(", "func NewClientWith(")

	if err := os.WriteFile(accept, []byte("# reviewed\napi: NewClient: removed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := runGate(t, "check", "-repo", lib, "-baseline", baseline, "-accept", accept); code != 1 || !strings.Contains(out, "needs a reason") {
		t.Fatalf("an acknowledgement without a reason: exit %d, want 1 asking for a reason:\n%s", code, out)
	}

	if err := os.WriteFile(accept, []byte("# reviewed\napi: NewClient: removed -- renamed before anyone used it\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := runGate(t, "check", "-repo", lib, "-baseline", baseline, "-accept", accept); code != 0 || !strings.Contains(out, "renamed before anyone used it") {
		t.Fatalf("acknowledged: exit %d, want 0 quoting the reason:\n%s", code, out)
	}
}

func TestGateAllowsIncompatibleChangesWithANewMajorVersion(t *testing.T) {
	lib, baseline, accept := recorded(t)
	edit(t, filepath.Join(lib, "api/api.go"), "func NewClient(", "func NewClientWith(")
	edit(t, filepath.Join(lib, "go.mod"), "module example.com/lib", "module example.com/lib/v2")
	edit(t, filepath.Join(lib, "clienttest/clienttest.go"), `"example.com/lib/api"`, `"example.com/lib/v2/api"`)
	code, out := runGate(t, "check", "-repo", lib, "-baseline", baseline, "-accept", accept)
	if code != 0 || !strings.Contains(out, "major version changed") {
		t.Fatalf("exit %d, want 0 with the major version change named:\n%s", code, out)
	}
}

func TestGateWithoutABaselineSaysHowToRecordOne(t *testing.T) {
	lib := copyLib(t)
	code, out := runGate(t, "check", "-repo", lib, "-baseline", filepath.Join(lib, "none"), "-accept", filepath.Join(lib, "a.txt"))
	if code != 1 || !strings.Contains(out, "record-release") {
		t.Fatalf("exit %d, want 1 pointing at record-release:\n%s", code, out)
	}
}

// A new operation adds a method to gen's generated client interfaces: compatible by policy. A
// removed method stays incompatible.
func TestGateTreatsAMethodAddedToGeneratedClientInterfacesAsCompatible(t *testing.T) {
	lib, baseline, accept := recorded(t)
	edit(t, filepath.Join(lib, "gen/gen.go"), "// SignInToken is", "// ClientInterface is generated.\ntype ClientInterface interface {\n\tCreate() error\n}\n\n// SignInToken is")
	if code, out := runGate(t, "record", "-repo", lib, "-baseline", baseline); code != 0 {
		t.Fatalf("record: %s", out)
	}
	edit(t, filepath.Join(lib, "gen/gen.go"), "\tCreate() error\n", "\tCreate() error\n\tGet() error\n")
	code, out := runGate(t, "check", "-repo", lib, "-baseline", baseline, "-accept", accept)
	if code != 0 || !strings.Contains(out, "gen: ClientInterface.Get: added (compatible by policy") {
		t.Fatalf("added method: exit %d, want 0 listing it as compatible by policy:\n%s", code, out)
	}
	edit(t, filepath.Join(lib, "gen/gen.go"), "\tCreate() error\n", "")
	if code, out := runGate(t, "check", "-repo", lib, "-baseline", baseline, "-accept", accept); code != 1 || !strings.Contains(out, "gen: ClientInterface.Create: removed") {
		t.Fatalf("removed method: exit %d, want 1 naming it:\n%s", code, out)
	}
}

// The public packages are found, not listed: internal/, cmd/ and a directory of tests only are
// not gated; every other package is.
func TestGateFindsThePublicPackages(t *testing.T) {
	_, baseline, _ := recorded(t)
	got, err := recordedNames(baseline)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"api", "clienttest", "gen"}; !slices.Equal(got, want) {
		t.Fatalf("recorded %v, want %v", got, want)
	}
}

// A public package added to the module with no recorded API fails the gate, saying how to record
// its released API or acknowledge it as new; either way the gate then passes. Until then, a
// change to it would pass unseen.
func TestGateFailsOnAPublicPackageWithoutARecordedAPI(t *testing.T) {
	for _, path := range []string{"bulk", "nested/deeper"} {
		t.Run(path, func(t *testing.T) {
			lib, baseline, accept := recorded(t)
			dir := filepath.Join(lib, filepath.FromSlash(path))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			src := "// Package x is new.\npackage x\n\n// Mint mints.\nfunc Mint(n int) error { return nil }\n"
			if err := os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out := runGate(t, "check", "-repo", lib, "-baseline", baseline, "-accept", accept)
			for _, want := range []string{"FAIL: package " + path + " is public but has no recorded API", "make api-baseline PKG=" + path, path + ": package added -- <why>"} {
				if code != 1 || !strings.Contains(out, want) {
					t.Fatalf("exit %d, want 1 saying %q:\n%s", code, want, out)
				}
			}

			if err := os.WriteFile(accept, []byte(path+": package added -- new in the next release\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if code, out := runGate(t, "check", "-repo", lib, "-baseline", baseline, "-accept", accept); code != 0 || !strings.Contains(out, "new in the next release") {
				t.Fatalf("acknowledged: exit %d, want 0 quoting the reason:\n%s", code, out)
			}
			if err := os.WriteFile(accept, nil, 0o644); err != nil {
				t.Fatal(err)
			}

			// Recorded alone (as make api-baseline does from a release), it is gated: a breaking
			// change to it fails.
			if code, out := runGate(t, "record", "-repo", lib, "-baseline", baseline, "-packages", path); code != 0 {
				t.Fatalf("record -packages %s: exit %d\n%s", path, code, out)
			}
			if code, out := runGate(t, "check", "-repo", lib, "-baseline", baseline, "-accept", accept); code != 0 {
				t.Fatalf("recorded: exit %d, want 0\n%s", code, out)
			}
			edit(t, filepath.Join(dir, "x.go"), "Mint(n int)", "Mint(n int64)")
			if code, out := runGate(t, "check", "-repo", lib, "-baseline", baseline, "-accept", accept); code != 1 || !strings.Contains(out, path+": Mint: changed from func(int) error to func(int64) error") {
				t.Fatalf("breaking change to %s.Mint: exit %d, want 1 naming it\n%s", path, code, out)
			}
		})
	}
}

func TestRecordRefusesAPackageThatIsNotPublic(t *testing.T) {
	lib, baseline, _ := recorded(t)
	for _, name := range []string{"internal/helper", "cmd/tool", "nosuch"} {
		if code, out := runGate(t, "record", "-repo", lib, "-baseline", baseline, "-packages", name); code != 1 || !strings.Contains(out, "no public package") {
			t.Errorf("record -packages %s: exit %d, want 1 saying it is no public package\n%s", name, code, out)
		}
	}
}

// A removed public package is an incompatible change.
func TestGateRefusesARemovedPackage(t *testing.T) {
	lib, baseline, accept := recorded(t)
	if err := os.RemoveAll(filepath.Join(lib, "gen")); err != nil {
		t.Fatal(err)
	}
	if code, out := runGate(t, "check", "-repo", lib, "-baseline", baseline, "-accept", accept); code != 1 || !strings.Contains(out, "gen: package removed") {
		t.Fatalf("exit %d, want 1 naming the removed package\n%s", code, out)
	}
}

// api.Version changes with every release: compatible by policy, as is any other addition; any
// other constant's value change stays incompatible.
func TestGateTreatsTheVersionStringAsCompatible(t *testing.T) {
	lib, baseline, accept := recorded(t)
	edit(t, filepath.Join(lib, "api/api.go"), "// NewClient returns", "// Version is the library's version.\nconst Version = \"0.1.0\"\n\n// Other is not a version.\nconst Other = \"a\"\n\n// NewClient returns")
	if code, out := runGate(t, "record", "-repo", lib, "-baseline", baseline); code != 0 {
		t.Fatal(out)
	}
	edit(t, filepath.Join(lib, "api/api.go"), `Version = "0.1.0"`, `Version = "0.2.0"`)
	if code, out := runGate(t, "check", "-repo", lib, "-baseline", baseline, "-accept", accept); code != 0 || !strings.Contains(out, "compatible by policy: a version string") {
		t.Fatalf("Version changed: exit %d, want 0 by policy\n%s", code, out)
	}
	edit(t, filepath.Join(lib, "api/api.go"), `Other = "a"`, `Other = "b"`)
	if code, out := runGate(t, "check", "-repo", lib, "-baseline", baseline, "-accept", accept); code != 1 || !strings.Contains(out, "api: Other: value changed") {
		t.Fatalf("Other changed: exit %d, want 1\n%s", code, out)
	}
}

func TestReportIsTheComparisonAsJSON(t *testing.T) {
	lib, baseline, accept := recorded(t)
	edit(t, filepath.Join(lib, "api/api.go"), "func NewClient(", "func NewClientWith(")
	edit(t, filepath.Join(lib, "gen/gen.go"), "\tURL *string\n", "\tURL *string\n\tExpiresAt int64\n")
	code, out := runGate(t, "report", "-repo", lib, "-baseline", baseline, "-accept", accept)
	if code != 0 {
		t.Fatalf("report: exit %d\n%s", code, out)
	}
	var r Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := []change{
		{Package: "api", Line: "api: NewClient: removed"},
		{Package: "api", Line: "api: NewClientWith: added", Compatible: true},
		{Package: "gen", Line: "gen: SignInToken.ExpiresAt: added", Compatible: true},
	}
	if !slices.Equal(r.Changes, want) || r.BuildError != "" {
		t.Fatalf("report %+v, want changes %+v", r, want)
	}

	edit(t, filepath.Join(lib, "clienttest/clienttest.go"), "*api.Client", "*api.Nope")
	code, out = runGate(t, "report", "-repo", lib, "-baseline", baseline, "-accept", accept)
	if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil || !strings.Contains(r.BuildError, "Nope") {
		t.Fatalf("a build failure: exit %d, want 0 with build_error naming it\n%s", code, out)
	}
}

// Recording a release's whole API drops a package it no longer has.
func TestRecordDropsARemovedPackage(t *testing.T) {
	lib, baseline, accept := recorded(t)
	if err := os.RemoveAll(filepath.Join(lib, "gen")); err != nil {
		t.Fatal(err)
	}
	if code, out := runGate(t, "record", "-repo", lib, "-baseline", baseline); code != 0 {
		t.Fatal(out)
	}
	if code, out := runGate(t, "check", "-repo", lib, "-baseline", baseline, "-accept", accept); code != 0 {
		t.Fatalf("exit %d after recording without gen\n%s", code, out)
	}
}
