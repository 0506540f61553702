// Command apigate is the Go API gate of `make contract`: it compares the exported API of the
// library's packages (api, gen, clienttest) with the last release's, recorded as export data
// (golang.org/x/exp/apidiff's format) under spec/released/go/, and fails on an incompatible
// change unless the module's major version changed or the change is acknowledged, with a
// reason, in a reviewed file. Compatible changes pass and are listed.
//
//	apigate record -repo DIR -baseline DIR         record the current API as released
//	apigate check  -repo DIR -baseline DIR -accept FILE
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
	"errors"
	"flag"
	"fmt"
	"go/token"
	"go/types"
	"io"
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

// gatedPackages are the packages whose exported API is a promise to callers, relative to the module.
var gatedPackages = []string{"api", "gen", "clienttest"}

// generatedInterfaces are the interfaces oapi-codegen writes to describe gen's own client. A new
// operation in the spec adds a method to each, which apidiff rightly calls incompatible for an
// interface someone else implements; these are implemented by gen's Client types only (wrap
// api.Client to fake the API, or use clienttest), so an added method is a compatible change by
// this project's policy. Removing or changing a method is still incompatible.
var generatedInterfaces = regexp.MustCompile(`^gen: (ClientInterface|ClientWithResponsesInterface)\.[A-Za-z0-9_]+: added$`)

// moduleFile records, beside the export data, the module path the baseline was recorded under,
// so a major version change (a new /vN path) is recognised.
const moduleFile = "module"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "record" && args[0] != "check") {
		fmt.Fprintln(stderr, "usage: apigate record|check -repo DIR -baseline DIR [-accept FILE]")
		return 2
	}
	fs := flag.NewFlagSet("apigate "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	repo := fs.String("repo", ".", "the module's root directory")
	baseline := fs.String("baseline", "spec/released/go", "the directory holding the released API's export data")
	accept := fs.String("accept", "spec/accepted-go-changes.txt", "the reviewed file acknowledging incompatible changes")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	var err error
	if args[0] == "record" {
		err = record(*repo, *baseline, stdout)
	} else {
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

// load type-checks the gated packages of the module at repo.
func load(repo, module string) (map[string]*types.Package, *token.FileSet, error) {
	fset := token.NewFileSet()
	cfg := &packages.Config{Dir: repo, Fset: fset, Mode: packages.NeedName | packages.NeedTypes}
	var patterns []string
	for _, p := range gatedPackages {
		patterns = append(patterns, module+"/"+p)
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, nil, err
	}
	out := map[string]*types.Package{}
	var errs []error
	for _, p := range pkgs {
		for _, e := range p.Errors {
			errs = append(errs, fmt.Errorf("%s: %v", p.PkgPath, e))
		}
		out[strings.TrimPrefix(p.PkgPath, module+"/")] = p.Types
	}
	return out, fset, errors.Join(errs...)
}

func record(repo, baseline string, stdout io.Writer) error {
	module, err := modulePath(repo)
	if err != nil {
		return err
	}
	pkgs, fset, err := load(repo, module)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(baseline, 0o755); err != nil {
		return err
	}
	for _, name := range gatedPackages {
		f, err := os.Create(filepath.Join(baseline, name+".export"))
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
	fmt.Fprintf(stdout, "recorded the Go API of %s as released in %s\n", strings.Join(gatedPackages, ", "), baseline)
	return nil
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
	line       string
	compatible bool
}

// diff compares each gated package's released API with the current one.
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

	current, _, err := load(repo, module)
	if err != nil {
		return nil, false, fmt.Errorf("the packages do not type-check, so their API cannot be compared (fix the build first):\n%w", err)
	}
	for _, name := range gatedPackages {
		old, err := readExport(filepath.Join(baseline, name+".export"), releasedModule+"/"+name)
		if errors.Is(err, os.ErrNotExist) {
			changes = append(changes, change{line: name + ": package added", compatible: true})
			continue
		}
		if err != nil {
			return nil, false, err
		}
		if current[name] == nil {
			changes = append(changes, change{line: name + ": package removed"})
			continue
		}
		for _, c := range apidiff.Changes(old, current[name]).Changes {
			line := name + ": " + c.Message
			compatible := c.Compatible
			if !compatible && generatedInterfaces.MatchString(line) {
				line, compatible = line+" (compatible by policy: implemented only by gen)", true
			}
			changes = append(changes, change{line: line, compatible: compatible})
		}
	}
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].line < changes[j].line })
	return changes, majorChanged, nil
}

var majorPattern = regexp.MustCompile(`/v([2-9]|[1-9][0-9]+)$`)

// majorSuffix is a module path's major version suffix ("/v2"), "" for v0 and v1.
func majorSuffix(module string) string { return majorPattern.FindString(module) }

func check(repo, baseline, acceptPath string, stdout io.Writer) (bool, error) {
	changes, majorChanged, err := diff(repo, baseline)
	if err != nil {
		return false, err
	}
	accepted, err := readAccepted(acceptPath)
	if err != nil {
		return false, err
	}
	var compatible, acknowledged, refused []string
	for _, c := range changes {
		switch {
		case c.compatible:
			compatible = append(compatible, c.line)
		case majorChanged:
			acknowledged = append(acknowledged, c.line+" (allowed: the module's major version changed)")
		case accepted[c.line] != "":
			acknowledged = append(acknowledged, c.line+" -- "+accepted[c.line])
		default:
			refused = append(refused, c.line)
		}
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
	section("Go API: compatible changes since the last release (pass):", compatible)
	section("Go API: incompatible changes, acknowledged:", acknowledged)
	if len(refused) > 0 {
		section("Go API: INCOMPATIBLE changes since the last release (they break callers' code):", refused)
		fmt.Fprintf(stdout, "Go API gate: FAIL. Undo the change, or change the module's major version (a /vN module path), or acknowledge each line in %s as\n  <the line above> -- <why it is acceptable>\n", acceptPath)
		return false, nil
	}
	if len(changes) == 0 {
		fmt.Fprintln(stdout, "Go API: no changes since the last release")
	}
	fmt.Fprintln(stdout, "Go API gate: ok")
	return true, nil
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
