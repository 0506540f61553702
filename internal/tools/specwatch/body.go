package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// update is what the watch did, for the pull request body.
type update struct {
	From, To   string // Clerk API versions
	URL        string // where the new version's spec was read
	Size       int64
	SHA256     string
	ThisUpdate []wireChange // oasdiff changelog of openapi.yaml, before → after this update
}

var levelNames = map[int]string{1: "info", 2: "warning", 3: "**breaking**"}

// code quotes text as Markdown inline code, whatever backticks it holds.
func code(s string) string {
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// writeWire lists oasdiff changes, breaking ones first.
func writeWire(w io.Writer, changes []wireChange) {
	sorted := append([]wireChange(nil), changes...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Level > sorted[j].Level })
	for _, c := range sorted {
		level := levelNames[c.Level]
		if level == "" {
			level = fmt.Sprint("level ", c.Level)
		}
		// oasdiff's text quotes names in backticks already; the rest is plain.
		fmt.Fprintf(w, "- %s — %s %s: %s (%s)\n", level, c.Operation, code(c.Path), c.Text, code(c.ID))
	}
}

// writeGo lists the Go API changes per package, incompatible first.
func writeGo(w io.Writer, r goReport) {
	if r.BuildError != "" {
		fmt.Fprintf(w, "**The module does not build** after the update, so the API cannot be compared; code that uses `gen` must change:\n\n```text\n%s\n```\n", strings.ReplaceAll(r.BuildError, "```", "'''"))
		return
	}
	if len(r.Changes) == 0 {
		fmt.Fprintln(w, "No change to any public package.")
		return
	}
	acknowledged := map[string]bool{}
	for _, a := range r.Acknowledged {
		acknowledged[a] = true
	}
	byPackage := map[string][]goChange{}
	for _, c := range r.Changes {
		byPackage[c.Package] = append(byPackage[c.Package], c)
	}
	var names []string
	for p := range byPackage {
		names = append(names, p)
	}
	sort.Strings(names)
	for i, p := range names {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "#### `%s`\n\n", p)
		changes := byPackage[p]
		sort.SliceStable(changes, func(i, j int) bool { return !changes[i].Compatible && changes[j].Compatible })
		for _, c := range changes {
			what := "compatible"
			switch {
			case c.Ungated:
				what = "new package, not yet gated"
			case !c.Compatible && acknowledged[c.Line]:
				what = "**incompatible** (acknowledged)"
			case !c.Compatible:
				what = "**incompatible**"
			}
			fmt.Fprintf(w, "- %s: %s\n", what, code(strings.TrimPrefix(c.Line, p+": ")))
		}
	}
}

// writeVerdict states the next version, why, and the rule.
func writeVerdict(w io.Writer, v verdict, current string) {
	fmt.Fprintf(w, "**%s** (%s since %s: a %s bump)\n\n", v.Next, v.Change, v.Released, v.Bump)
	for _, r := range v.Reasons {
		fmt.Fprintf(w, "- %s\n", r)
	}
	fmt.Fprintf(w, "\nRule: %s\n", semverRule)
	if current != "" && "v"+current != v.Next {
		fmt.Fprintf(w, "\n`api.Version` is %s; set it to %s when releasing.\n", code(current), code(strings.TrimPrefix(v.Next, "v")))
	}
}

// writeBody is the pull request body of a spec watch that took a new version.
func writeBody(w io.Writer, u update, v verdict, current string) {
	fmt.Fprintf(w, "## Clerk Backend API %s → %s\n\n", u.From, u.To)
	fmt.Fprintf(w, "Opened by the spec watch (`make spec-watch`, `.github/workflows/spec-watch.yml`). It took Clerk's published spec for %s, %s (%d bytes, sha256 `%s`), with `make spec-update`, which rewrote `openapi.yaml` and regenerated `gen/`, and set `APIVersion` in `spec.go`.\n\n", u.To, u.URL, u.Size, u.SHA256)

	fmt.Fprintln(w, "### Next version of this module")
	fmt.Fprintln(w)
	writeVerdict(w, v, current)
	if v.Change == breaking {
		fmt.Fprintf(w, "\n> [!WARNING]\n> **Breaking.** A gate says this update can break users, so it cannot ship as a %s. `make contract` fails on this pull request until each breaking change is undone or acknowledged with a reason in `spec/accepted-spec-changes.txt` or `spec/accepted-go-changes.txt` (see CONTRIBUTING.md, \"Taking a new Clerk API version\").\n", nonBreakingBump(v.Released))
	}

	fmt.Fprintf(w, "\n### Wire changes in this update (oasdiff changelog, %s → %s)\n\n", u.From, u.To)
	if len(u.ThisUpdate) == 0 {
		fmt.Fprintln(w, "None: Clerk's new version changes nothing in the two operations this module wraps (only `info.version`).")
	} else {
		writeWire(w, u.ThisUpdate)
	}
	if len(v.Wire) != len(u.ThisUpdate) {
		fmt.Fprintf(w, "\nSince the last release (%s), the spec gate counts %d wire change(s) in all:\n\n", v.Released, len(v.Wire))
		writeWire(w, v.Wire)
	}

	fmt.Fprintf(w, "\n### Go API changes since %s (apidiff), per package\n\n", v.Released)
	writeGo(w, v.Go)

	fmt.Fprintln(w, "\n### Before merging")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "- [ ] CI (`.ci/run`: `make contract`, `make test`, interop) passes; the fake and the client follow the new contract.")
	if v.Change == breaking {
		fmt.Fprintln(w, "- [ ] Each breaking change is acknowledged with a reason, or this version is not taken yet.")
	}
	fmt.Fprintln(w, "- [ ] A `CHANGELOG.md` entry under Unreleased names the Clerk API version taken and each change users will notice.")
}

// nonBreakingBump names the bumps a breaking change rules out, for the released version's major.
func nonBreakingBump(released string) string {
	if strings.HasPrefix(released, "v0.") {
		return "patch"
	}
	return "minor or patch"
}
