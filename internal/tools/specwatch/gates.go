package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// tools are the commands the gates run, as the Makefile defines them (one home for each: its
// OASDIFF and APIGATE variables), split on spaces and run in the repository's root.
type tools struct {
	repo     string
	oasdiff  []string // e.g. go tool -modfile=internal/tools/specdiff/go.mod oasdiff
	apigate  []string // e.g. go -C internal/tools/apidiff run .
	released string   // the released contract's directory (spec/released)
	accepted string   // the acknowledged Go API changes (spec/accepted-go-changes.txt)
}

// wireChange is one entry of oasdiff's changelog (-f json).
type wireChange struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	Level     int    `json:"level"` // 1 INFO, 2 WARN, 3 ERR (breaking)
	Operation string `json:"operation"`
	Path      string `json:"path"`
}

const levelErr = 3

func (t tools) command(ctx context.Context, argv []string, args ...string) ([]byte, error) {
	if len(argv) == 0 {
		return nil, fmt.Errorf("no command configured")
	}
	cmd := exec.CommandContext(ctx, argv[0], append(argv[1:len(argv):len(argv)], args...)...)
	cmd.Dir = t.repo
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v\n%s", strings.Join(argv, " "), strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}

// wireChanges is oasdiff's changelog from base to revision (spec files relative to the repository).
func (t tools) wireChanges(ctx context.Context, base, revision string) ([]wireChange, error) {
	out, err := t.command(ctx, t.oasdiff, "changelog", "--format", "json", base, revision)
	if err != nil {
		return nil, err
	}
	changes := []wireChange{}
	if err := json.Unmarshal(out, &changes); err != nil {
		return nil, fmt.Errorf("oasdiff changelog: not the JSON expected: %w", err)
	}
	return changes, nil
}

// goChange and goReport are what `apigate report` prints (internal/tools/apidiff).
type goChange struct {
	Package    string `json:"package"`
	Line       string `json:"line"`
	Compatible bool   `json:"compatible"`
	Ungated    bool   `json:"ungated"`
}

type goReport struct {
	Module       string     `json:"module"`
	Released     string     `json:"released_module"`
	MajorChanged bool       `json:"major_changed"`
	Changes      []goChange `json:"changes"`
	Acknowledged []string   `json:"acknowledged"`
	BuildError   string     `json:"build_error"`
}

func (t tools) goChanges(ctx context.Context) (goReport, error) {
	var r goReport
	// apigate may run in a directory of its own (go -C): every path it gets is absolute.
	abs := func(rel string) string { return filepath.Join(t.repo, filepath.FromSlash(rel)) }
	out, err := t.command(ctx, t.apigate, "report", "-repo", abs("."), "-baseline", abs(t.released+"/go"), "-accept", abs(t.accepted))
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return r, fmt.Errorf("apigate report: not the JSON expected: %w", err)
	}
	// Compiler messages name files by absolute path: the reader's is the repository's root.
	r.BuildError = strings.ReplaceAll(r.BuildError, abs(".")+string(filepath.Separator), "")
	return r, nil
}

// verdict is both gates' judgement of the changes since the last release, and the version it asks for.
type verdict struct {
	Released string // the last release, e.g. v0.1.0
	Wire     []wireChange
	Go       goReport
	Change   change
	Reasons  []string // why Change, one line per gate
	Next     string
	Bump     string
}

// judge runs both gates against the last release and derives the next version from the worse.
func (t tools) judge(ctx context.Context) (verdict, error) {
	var v verdict
	b, err := readFile(t.repo, t.released+"/VERSION")
	if err != nil {
		return v, fmt.Errorf("no released version to bump from: %w", err)
	}
	v.Released = strings.TrimSpace(string(b))
	if v.Wire, err = t.wireChanges(ctx, t.released+"/openapi.yaml", "openapi.yaml"); err != nil {
		return v, err
	}
	if v.Go, err = t.goChanges(ctx); err != nil {
		return v, err
	}

	wire := noChange
	var errs int
	for _, c := range v.Wire {
		if c.Level >= levelErr {
			errs++
		}
	}
	switch {
	case errs > 0:
		wire = breaking
		v.Reasons = append(v.Reasons, fmt.Sprintf("Wire (spec gate, oasdiff): %d breaking change(s) since %s.", errs, v.Released))
	case len(v.Wire) > 0:
		wire = additive
		v.Reasons = append(v.Reasons, fmt.Sprintf("Wire (spec gate, oasdiff): %d change(s) since %s, none breaking.", len(v.Wire), v.Released))
	default:
		v.Reasons = append(v.Reasons, fmt.Sprintf("Wire (spec gate, oasdiff): no change since %s.", v.Released))
	}

	goc := noChange
	var incompatible int
	for _, c := range v.Go.Changes {
		if !c.Compatible {
			incompatible++
		}
	}
	switch {
	case v.Go.BuildError != "":
		goc = breaking
		v.Reasons = append(v.Reasons, "Go (API gate): the module does not build, so code that uses it must change: counted as breaking.")
	case incompatible > 0:
		goc = breaking
		v.Reasons = append(v.Reasons, fmt.Sprintf("Go (API gate, apidiff): %d incompatible change(s) since %s (acknowledged or not, they break callers' code).", incompatible, v.Released))
	case len(v.Go.Changes) > 0:
		goc = additive
		v.Reasons = append(v.Reasons, fmt.Sprintf("Go (API gate, apidiff): %d compatible change(s) since %s.", len(v.Go.Changes), v.Released))
	default:
		v.Reasons = append(v.Reasons, fmt.Sprintf("Go (API gate, apidiff): no change since %s.", v.Released))
	}

	v.Change = max(wire, goc)
	if v.Next, v.Bump, err = nextVersion(v.Released, v.Change); err != nil {
		return v, err
	}
	if v.Go.MajorChanged {
		// The module path names a new major version; semver's next version is that major's first.
		v.Reasons = append(v.Reasons, fmt.Sprintf("The module path changed to %s.", v.Go.Module))
		if m := majorOf(v.Go.Module); m > 0 {
			v.Next, v.Bump = fmt.Sprintf("v%d.0.0", m), "major"
		}
	}
	return v, nil
}

// majorOf is the major version a module path's /vN suffix names, 0 without one.
func majorOf(module string) int {
	i := strings.LastIndex(module, "/v")
	var n int
	if i < 0 {
		return 0
	}
	if _, err := fmt.Sscanf(module[i+2:], "%d", &n); err != nil || fmt.Sprint(n) != module[i+2:] {
		return 0
	}
	return n
}
