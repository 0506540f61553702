package main

import (
	"strings"
	"testing"
)

func TestWriteGoSaysWhatEachChangeIs(t *testing.T) {
	var b strings.Builder
	writeGo(&b, goReport{
		Changes: []goChange{
			{Package: "bulk", Line: "bulk: Mint: removed"},
			{Package: "api", Line: "api: Client.Do: removed"},
			{Package: "api", Line: "api: Client.New: added", Compatible: true},
			{Package: "extra", Line: "extra: package added", Compatible: true, Ungated: true},
		},
		Acknowledged: []string{"bulk: Mint: removed"},
	})
	got := b.String()
	for _, want := range []string{
		"#### `api`\n\n- **incompatible**: `Client.Do: removed`\n- compatible: `Client.New: added`\n",
		"#### `bulk`\n\n- **incompatible** (acknowledged): `Mint: removed`\n",
		"#### `extra`\n\n- new package, not yet gated: `package added`\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("writeGo wrote\n%s\nwant it to contain\n%s", got, want)
		}
	}

	b.Reset()
	writeGo(&b, goReport{BuildError: "api/operations.go:119:24: cannot use &seconds (```)"})
	if got := b.String(); !strings.Contains(got, "**The module does not build**") || !strings.Contains(got, "api/operations.go:119:24") || strings.Count(got, "```") != 2 {
		t.Errorf("a build failure is not reported, or breaks out of its code block:\n%s", got)
	}
}

func TestCodeQuotesBackticks(t *testing.T) {
	for in, want := range map[string]string{
		"a":      "`a`",
		"a`b":    "``a`b``",
		"`a`":    "`` `a` ``",
		"a``b`c": "```a``b`c```",
	} {
		if got := code(in); got != want {
			t.Errorf("code(%q) = %q, want %q", in, got, want)
		}
	}
}
