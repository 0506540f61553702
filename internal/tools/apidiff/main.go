// Command apigate is the Go API gate of `make contract`: it compares the exported API of every
// public package of the module with the last release's, recorded as export data
// (golang.org/x/exp/apidiff's format) under spec/released/go/, and fails on an incompatible
// change unless the module's major version changed or the change is acknowledged, with a
// reason, in a reviewed file. Compatible changes pass and are listed.
//
// The public packages are found, not listed: every package of the module (`go list ./...`, so
// no nested module) that is not a command, not under an internal/ or cmd/ directory and has
// non-test Go files. A public package with no recorded API fails the gate: nothing would gate it.
//
//	apigate record -repo DIR -baseline DIR [-packages a,b]   record the current API as released
//	apigate check  -repo DIR -baseline DIR -accept FILE
//	apigate report -repo DIR -baseline DIR -accept FILE      the same comparison, as JSON
//
// record -packages records only the packages named (as check names them): how a package that
// shipped without a baseline gets one from its release (make api-baseline PKG=bulk AT=v0.1.0).
//
// An acknowledgement is one line of the accept file holding the change exactly as check prints
// it ("<package>: <change>"), then " -- " and why it is acceptable. Lines starting with # are
// comments. Recording a release clears the file: acknowledgements are for one release only.
//
// The pinned golang.org/x/exp/cmd/apidiff in this module's go.mod gives the same report by hand:
// go tool -modfile=internal/tools/apidiff/go.mod apidiff spec/released/go/api.export ./api
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/token"
	"go/types"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/exp/apidiff"
	"golang.org/x/mod/modfile"
	"golang.org/x/tools/go/gcexportdata"
	"golang.org/x/tools/go/packages"
)

// byPolicy are incompatible changes, as apidiff reports them, that this project treats as
// compatible, each with the reason the report gives.
var byPolicy = []struct {
	change *regexp.Regexp
	why    string
}{
	// oapi-codegen's interfaces describing gen's own client: a new operation in the spec adds a
	// method to each, which apidiff rightly calls incompatible for an interface someone else
	// implements; these are implemented by gen's Client types only (wrap api.Client to fake the
	// API, or use clienttest). Removing or changing a method is still incompatible.
	{regexp.MustCompile(`^gen: (ClientInterface|ClientWithResponsesInterface)\.[A-Za-z0-9_]+: added$`), "implemented only by gen"},
	// Version strings that change by design: api.Version with every release, the root package's
	// APIVersion with every Clerk API version taken (whose wire changes the spec gate judges).
	{regexp.MustCompile(`^(api: Version|signintokens: APIVersion): value changed from "[^"]*" to "[^"]*"$`), "a version string, meant to change"},
}

// moduleFile records, beside the export data, the module path the baseline was recorded under,
// so a major version change (a new /vN path) is recognised.
const moduleFile = "module"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "record" && args[0] != "check" && args[0] != "report") {
		fmt.Fprintln(stderr, "usage: apigate record|check|report -repo DIR -baseline DIR [-accept FILE] [-packages a,b]")
		return 2
	}
	fs := flag.NewFlagSet("apigate "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	repo := fs.String("repo", ".", "the module's root directory")
	baseline := fs.String("baseline", "spec/released/go", "the directory holding the released API's export data")
	accept := fs.String("accept", "spec/accepted-go-changes.txt", "the reviewed file acknowledging incompatible changes")
	only := fs.String("packages", "", "record: only these packages (comma-separated, as check names them)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	var err error
	switch args[0] {
	case "record":
		var names []string
		if *only != "" {
			names = strings.Split(*only, ",")
		}
		err = record(*repo, *baseline, names, stdout)
	case "report":
		err = report(*repo, *baseline, *accept, stdout)
	default:
		var ok bool
		ok, err = check(*repo, *baseline, *accept, stdout)
		if err == nil && !ok {
			return 1
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "apigate: %v\n", err)
		return 1
	}
	return 0
}

func modulePath(repo string) (string, error) {
	b, err := os.ReadFile(filepath.Join(repo, "go.mod"))
	if err != nil {
		return "", err
	}
	path := modfile.ModulePath(b)
	if path == "" {
		return "", fmt.Errorf("%s/go.mod declares no module", repo)
	}
	return path, nil
}

// gateName is how the gate names a package: its path inside the module ("api", "bulk"), or, for the
// module's root package, its package name ("signintokens"). Its export data is <name>.export.
func gateName(module string, p *packages.Package) string {
	if p.PkgPath == module {
		return p.Name
	}
	return strings.TrimPrefix(p.PkgPath, module+"/")
}

// public reports whether a package of the module is part of its Go API: not a command, not
// internal, not under cmd/, and with non-test Go files (a directory of tests only has no API).
func public(module string, p *packages.Package) bool {
	rel := strings.TrimPrefix(p.PkgPath, module)
	return p.Name != "main" && len(p.GoFiles) > 0 &&
		!strings.Contains(rel+"/", "/internal/") && !strings.HasPrefix(rel+"/", "/cmd/")
}

// load finds and type-checks the public packages of the module at repo, by name.
func load(repo, module string) (map[string]*types.Package, *token.FileSet, error) {
	fset := token.NewFileSet()
	cfg := &packages.Config{Dir: repo, Fset: fset, Mode: packages.NeedName | packages.NeedFiles | packages.NeedTypes}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		return nil, nil, err
	}
	out := map[string]*types.Package{}
	var errs []error
	for _, p := range pkgs {
		if !public(module, p) {
			continue
		}
		for _, e := range p.Errors {
			errs = append(errs, fmt.Errorf("%s: %v", p.PkgPath, e))
		}
		out[gateName(module, p)] = p.Types
	}
	if len(out) == 0 && len(errs) == 0 {
		return nil, nil, fmt.Errorf("found no public package in %s", repo)
	}
	return out, fset, errors.Join(errs...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func exportFile(baseline, name string) string {
	return filepath.Join(baseline, filepath.FromSlash(name)+".export")
}

// record writes the export data of the named packages (all public ones when names is empty).
func record(repo, baseline string, names []string, stdout io.Writer) error {
	module, err := modulePath(repo)
	if err != nil {
		return err
	}
	pkgs, fset, err := load(repo, module)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		// A release's whole API: a package it no longer has must not stay recorded.
		names = sortedKeys(pkgs)
		old, err := recordedNames(baseline)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		for _, n := range old {
			if err := os.Remove(exportFile(baseline, n)); err != nil {
				return err
			}
		}
	} else if released, err := os.ReadFile(filepath.Join(baseline, moduleFile)); err == nil && strings.TrimSpace(string(released)) != module {
		// Adding to a baseline: its packages must be of the same module path.
		return fmt.Errorf("%s was recorded for module %s, not %s", baseline, strings.TrimSpace(string(released)), module)
	}
	for _, name := range names {
		if pkgs[name] == nil {
			return fmt.Errorf("no public package %q in %s (its public packages: %s)", name, repo, strings.Join(sortedKeys(pkgs), ", "))
		}
		path := exportFile(baseline, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		err = gcexportdata.Write(f, fset, pkgs[name])
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write export data of %s: %w", name, err)
		}
	}
	if err := os.WriteFile(filepath.Join(baseline, moduleFile), []byte(module+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "recorded the Go API of %s as released in %s\n", strings.Join(names, ", "), baseline)
	return nil
}

// recordedNames are the packages whose API the baseline holds.
func recordedNames(baseline string) ([]string, error) {
	var names []string
	err := filepath.WalkDir(baseline, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".export") {
			return err
		}
		rel, err := filepath.Rel(baseline, path)
		names = append(names, strings.TrimSuffix(filepath.ToSlash(rel), ".export"))
		return err
	})
	return names, err
}

func readExport(path, pkgPath string) (*types.Package, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pkg, err := gcexportdata.Read(bufio.NewReader(f), token.NewFileSet(), map[string]*types.Package{}, pkgPath)
	if err != nil {
		return nil, fmt.Errorf("read export data %s: %w", path, err)
	}
	return pkg, nil
}

// change is one line of the report: "<package>: <apidiff message>".
type change struct {
	Package    string `json:"package"`
	Line       string `json:"line"`
	Compatible bool   `json:"compatible"`
	// Ungated: a public package with no recorded API; compatible (an addition) but, unless
	// acknowledged, a failure of the gate, since nothing would gate it.
	Ungated bool `json:"ungated,omitempty"`
}

// diff compares each public package's released API with the current one.
func diff(repo, baseline string) (changes []change, majorChanged bool, err error) {
	module, err := modulePath(repo)
	if err != nil {
		return nil, false, err
	}
	released, err := os.ReadFile(filepath.Join(baseline, moduleFile))
	if err != nil {
		return nil, false, fmt.Errorf("no released Go API to compare with (%w); record one with `make record-release VERSION=vX.Y.Z`", err)
	}
	releasedModule := strings.TrimSpace(string(released))
	majorChanged = majorSuffix(releasedModule) != majorSuffix(module)
	recorded, err := recordedNames(baseline)
	if err != nil {
		return nil, false, err
	}

	current, _, err := load(repo, module)
	if err != nil {
		return nil, false, &buildError{err}
	}
	for _, name := range recorded {
		if current[name] == nil {
			changes = append(changes, change{Package: name, Line: name + ": package removed"})
		}
	}
	for _, name := range sortedKeys(current) {
		pkgPath := releasedModule + "/" + name
		if !strings.Contains(name, "/") && current[name].Path() == module { // the root package
			pkgPath = releasedModule
		}
		old, err := readExport(exportFile(baseline, name), pkgPath)
		if errors.Is(err, os.ErrNotExist) {
			changes = append(changes, change{Package: name, Line: name + ": package added", Compatible: true, Ungated: true})
			continue
		}
		if err != nil {
			return nil, false, err
		}
		for _, c := range apidiff.Changes(old, current[name]).Changes {
			line := name + ": " + c.Message
			compatible := c.Compatible
			for _, p := range byPolicy {
				if !compatible && p.change.MatchString(line) {
					line, compatible = line+" (compatible by policy: "+p.why+")", true
				}
			}
			changes = append(changes, change{Package: name, Line: line, Compatible: compatible})
		}
	}
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].Line < changes[j].Line })
	return changes, majorChanged, nil
}

// buildError: the packages do not type-check, so there is no API to compare.
type buildError struct{ err error }

func (e *buildError) Error() string {
	return "the packages do not type-check, so their API cannot be compared (fix the build first):\n" + e.err.Error()
}

func (e *buildError) Unwrap() error { return e.err }

var majorPattern = regexp.MustCompile(`/v([2-9]|[1-9][0-9]+)$`)

// majorSuffix is a module path's major version suffix ("/v2"), "" for v0 and v1.
func majorSuffix(module string) string { return majorPattern.FindString(module) }

// verdict sorts the changes as the gate judges them.
type verdict struct {
	compatible, acknowledged, refused, ungated []string
}

func judge(changes []change, majorChanged bool, accepted map[string]string) verdict {
	var v verdict
	for _, c := range changes {
		switch {
		case c.Ungated && accepted[c.Line] != "":
			v.acknowledged = append(v.acknowledged, c.Line+" -- "+accepted[c.Line])
		case c.Ungated:
			v.ungated = append(v.ungated, c.Package)
		case c.Compatible:
			v.compatible = append(v.compatible, c.Line)
		case majorChanged:
			v.acknowledged = append(v.acknowledged, c.Line+" (allowed: the module's major version changed)")
		case accepted[c.Line] != "":
			v.acknowledged = append(v.acknowledged, c.Line+" -- "+accepted[c.Line])
		default:
			v.refused = append(v.refused, c.Line)
		}
	}
	return v
}

func check(repo, baseline, acceptPath string, stdout io.Writer) (bool, error) {
	changes, majorChanged, err := diff(repo, baseline)
	if err != nil {
		return false, err
	}
	accepted, err := readAccepted(acceptPath)
	if err != nil {
		return false, err
	}
	v := judge(changes, majorChanged, accepted)
	show := func(path string) string { // as the maintainer reading this, at the repository's root, would type it
		if rel, err := filepath.Rel(repo, path); err == nil && filepath.IsLocal(rel) {
			return rel
		}
		return path
	}
	section := func(title string, lines []string) {
		if len(lines) == 0 {
			return
		}
		fmt.Fprintln(stdout, title)
		for _, l := range lines {
			fmt.Fprintln(stdout, "  "+l)
		}
	}
	section("Go API: compatible changes since the last release (pass):", v.compatible)
	section("Go API: incompatible changes, acknowledged:", v.acknowledged)
	ok := true
	if len(v.refused) > 0 {
		section("Go API: INCOMPATIBLE changes since the last release (they break callers' code):", v.refused)
		fmt.Fprintf(stdout, "Go API gate: FAIL. Undo the change, or change the module's major version (a /vN module path), or acknowledge each line in %s as\n  <the line above> -- <why it is acceptable>\n", show(acceptPath))
		ok = false
	}
	for _, name := range v.ungated {
		fmt.Fprintf(stdout, "Go API gate: FAIL: package %s is public but has no recorded API in %s, so no change to it would be caught.\n", name, show(exportFile(baseline, name)))
		fmt.Fprintf(stdout, "  If %s shipped in a release, record that release's API: make api-baseline PKG=%s AT=<the release's tag or commit> (and commit %s).\n", name, name, show(exportFile(baseline, name)))
		fmt.Fprintf(stdout, "  If it is new since the last release, acknowledge it in %s as\n    %s: package added -- <why>\n  (make record-release records it with the next release).\n", show(acceptPath), name)
		ok = false
	}
	if !ok {
		return false, nil
	}
	if len(changes) == 0 {
		fmt.Fprintln(stdout, "Go API: no changes since the last release")
	}
	fmt.Fprintln(stdout, "Go API gate: ok")
	return true, nil
}

// Report is what `apigate report` prints: the comparison check makes, for tools that judge it
// (internal/tools/specwatch: the next version). BuildError is set, and Changes empty, when the
// packages do not type-check.
type Report struct {
	Module       string   `json:"module"`
	Released     string   `json:"released_module"`
	MajorChanged bool     `json:"major_changed"`
	Changes      []change `json:"changes"`
	Acknowledged []string `json:"acknowledged"` // the change lines the accept file acknowledges
	BuildError   string   `json:"build_error,omitempty"`
}

func report(repo, baseline, acceptPath string, stdout io.Writer) error {
	module, err := modulePath(repo)
	if err != nil {
		return err
	}
	r := Report{Module: module, Changes: []change{}, Acknowledged: []string{}}
	if b, err := os.ReadFile(filepath.Join(baseline, moduleFile)); err == nil {
		r.Released = strings.TrimSpace(string(b))
	}
	changes, majorChanged, err := diff(repo, baseline)
	var be *buildError
	switch {
	case errors.As(err, &be):
		r.BuildError = be.err.Error()
	case err != nil:
		return err
	default:
		r.Changes, r.MajorChanged = changes, majorChanged
	}
	accepted, err := readAccepted(acceptPath)
	if err != nil {
		return err
	}
	for _, c := range r.Changes {
		if accepted[c.Line] != "" {
			r.Acknowledged = append(r.Acknowledged, c.Line)
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// readAccepted reads the acknowledgements: change line -> reason. A line without a reason is an error.
func readAccepted(path string) (map[string]string, error) {
	out := map[string]string{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for n := 1; s.Scan(); n++ {
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		what, why, ok := strings.Cut(line, " -- ")
		if !ok || strings.TrimSpace(why) == "" {
			return nil, fmt.Errorf("%s:%d: an acknowledgement needs a reason: %q should read \"<change> -- <why>\"", path, n, line)
		}
		out[strings.TrimSpace(what)] = strings.TrimSpace(why)
	}
	return out, s.Err()
}
