package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// As a fake oasdiff or apigate, the test binary prints $SPECWATCH_FAKE_OUTPUT and exits.
func TestMain(m *testing.M) {
	if out, ok := os.LookupEnv("SPECWATCH_FAKE_OUTPUT"); ok {
		fmt.Print(out)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fakeTools are gates whose tools print the given JSON.
func fakeTools(t *testing.T, released, wire, goReport string) tools {
	t.Helper()
	repo := t.TempDir()
	if err := os.MkdirAll(filepath.Join(repo, "spec/released"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "spec/released/VERSION"), []byte(released+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// env(1) sets the output for each tool; the arguments the gates append are ignored.
	return tools{
		repo:     repo,
		oasdiff:  []string{"env", "SPECWATCH_FAKE_OUTPUT=" + wire, self},
		apigate:  []string{"env", "SPECWATCH_FAKE_OUTPUT=" + goReport, self},
		released: "spec/released",
		accepted: "spec/accepted-go-changes.txt",
	}
}

// The next version is the worse of both gates' verdicts: a breaking change in either is never
// given a non-breaking bump, whichever gate says it and whether or not it is acknowledged.
func TestJudgeTakesTheWorseGate(t *testing.T) {
	const (
		noWire       = `[]`
		wireInfo     = `[{"id":"response-optional-property-added","text":"added","level":1,"operation":"POST","path":"/sign_in_tokens"}]`
		wireWarn     = `[{"id":"response-property-removed","text":"removed","level":2,"operation":"POST","path":"/sign_in_tokens"}]`
		wireErr      = `[{"id":"request-property-min-increased","text":"min","level":3,"operation":"POST","path":"/sign_in_tokens"}]`
		noGo         = `{"module":"m","changes":[]}`
		goAdded      = `{"module":"m","changes":[{"package":"gen","line":"gen: X: added","compatible":true}]}`
		goNewPackage = `{"module":"m","changes":[{"package":"extra","line":"extra: package added","compatible":true,"ungated":true}]}`
		goBroken     = `{"module":"m","changes":[{"package":"bulk","line":"bulk: Mint: removed","compatible":false}]}`
		goAcked      = `{"module":"m","changes":[{"package":"bulk","line":"bulk: Mint: removed","compatible":false}],"acknowledged":["bulk: Mint: removed"]}`
		goNoBuild    = `{"module":"m","changes":[],"build_error":"api/operations.go:119: cannot use &seconds"}`
		goNewMajor   = `{"module":"m/v2","major_changed":true,"changes":[{"package":"api","line":"api: Do: removed","compatible":false}]}`
	)
	for _, tc := range []struct {
		name, released, wire, goReport string
		change                         change
		next                           string
	}{
		{"nothing", "v0.1.0", noWire, noGo, noChange, "v0.1.1"},
		{"wire addition", "v0.1.0", wireInfo, noGo, additive, "v0.1.1"},
		{"wire warning", "v1.0.0", wireWarn, noGo, additive, "v1.1.0"},
		{"Go addition", "v1.0.0", noWire, goAdded, additive, "v1.1.0"},
		{"new package", "v1.0.0", noWire, goNewPackage, additive, "v1.1.0"},
		{"wire breaking, Go compatible", "v0.1.0", wireErr, goAdded, breaking, "v0.2.0"},
		{"wire compatible, Go breaking", "v0.1.0", wireInfo, goBroken, breaking, "v0.2.0"},
		{"Go breaking, acknowledged", "v1.4.2", noWire, goAcked, breaking, "v2.0.0"},
		{"does not build", "v0.3.1", wireInfo, goNoBuild, breaking, "v0.4.0"},
		{"new major module path", "v1.4.2", noWire, goNewMajor, breaking, "v2.0.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := fakeTools(t, tc.released, tc.wire, tc.goReport).judge(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if v.Change != tc.change || v.Next != tc.next {
				t.Errorf("judged %v, next %s; want %v, %s (reasons: %q)", v.Change, v.Next, tc.change, tc.next, v.Reasons)
			}
			var b strings.Builder
			writeVerdict(&b, v, "")
			if !strings.Contains(b.String(), "**"+tc.next+"**") || !strings.Contains(b.String(), "Below v1.0.0") {
				t.Errorf("the verdict does not state %s and the rule:\n%s", tc.next, b.String())
			}
		})
	}
}

// A gate that cannot run gives no verdict at all, rather than a guess.
func TestJudgeFailsWhenAGateCannotRun(t *testing.T) {
	tl := fakeTools(t, "v0.1.0", `not json`, `{"changes":[]}`)
	if _, err := tl.judge(context.Background()); err == nil {
		t.Fatal("judged on oasdiff output that is not JSON")
	}
	tl = fakeTools(t, "v0.1.0", `[]`, `{"changes":[]}`)
	tl.apigate = []string{"false"}
	if _, err := tl.judge(context.Background()); err == nil {
		t.Fatal("judged with an API gate that failed")
	}
}
