package signintokens_test

import (
	"bufio"
	"context"
	"go/ast"
	"go/doc"
	"go/doc/comment"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The README is the front door: every link must lead somewhere, every code block must be
// true, and it states no rule its links already state. These tests hold it to that.

var (
	goBlock   = regexp.MustCompile("(?s)```go\n(.*?)```")
	anyBlock  = regexp.MustCompile("(?s)```[a-z]*\n(.*?)```")
	mdLink    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	runCmd    = regexp.MustCompile("\\| `go run ./cmd/signintoken ([^`]*)` \\|")
	modulePkg = "https://pkg.go.dev/github.com/clerkgen/signintokens"
)

// The files whose links are checked: the README, and the guides it leads to that live here.
var linkedDocs = []string{"README.md", "CONTRIBUTING.md", "docs/performance.md"}

func readREADME(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(readme)
}

// TestREADMESnippetsCompile builds and vets every Go snippet in README.md against this module,
// so the front door never shows code that has drifted from the API. The snippets are built in
// a module of their own in a temporary directory, which requires this one by a replace
// directive: the module's own directory is only read, so the test also passes where it is
// read-only (the module cache, under `go test all`).
func TestREADMESnippetsCompile(t *testing.T) {
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	before := tree(t, root)
	mod, dirs, blocks := snippetModule(t, root)
	if len(blocks) < 2 {
		t.Fatalf("README.md has %d Go snippets; expected the Quickstart and the clienttest one", len(blocks))
	}
	for i, dir := range dirs {
		cmd := goCommand(t, mod, "vet", "-mod=mod", "./"+filepath.Base(dir))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("README.md Go snippet %d does not build:\n%s\n%s", i+1, out, blocks[i])
		}
	}
	for _, path := range tree(t, root) {
		if !slices.Contains(before, path) {
			t.Errorf("building the snippets wrote %s into the module's directory", path)
		}
	}
}

// TestREADMEQuickstartRunsAgainstTheFake runs the README's two commands and its Quickstart as
// printed: the run command on the built-in fake, then `signintoken fake` as a process and the
// Quickstart with exactly the two lines the fake printed as its whole environment. The fake
// must see no contract violation (it exits 0).
func TestREADMEQuickstartRunsAgainstTheFake(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two programs")
	}
	readme := readREADME(t)
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "signintoken")
	if out, err := goCommand(t, root, "build", "-o", bin, "./cmd/signintoken").CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/signintoken: %v\n%s", err, out)
	}

	// The run command, from the README's table, with no CLERK_ variable: the built-in fake.
	m := runCmd.FindStringSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no `go run ./cmd/signintoken …` run command in its table")
	}
	run := exec.Command(bin, strings.Fields(m[1])...)
	run.Env = withoutClerk(os.Environ())
	if out, err := run.CombinedOutput(); err != nil || !strings.Contains(string(out), "url:") || !strings.Contains(string(out), "built-in fake") {
		t.Errorf("signintoken %s: %v\n%s", m[1], err, out)
	}

	// The Quickstart, built as printed.
	mod, dirs, blocks := snippetModule(t, root)
	i := slices.IndexFunc(blocks, func(b string) bool {
		return strings.Contains(b, "package main") && strings.Contains(b, "NewClientFromEnv")
	})
	if i < 0 {
		t.Fatal("README.md has no Quickstart (package main, api.NewClientFromEnv)")
	}
	quickstart := filepath.Join(mod, "quickstart")
	if out, err := goCommand(t, mod, "build", "-mod=mod", "-o", quickstart, "./"+filepath.Base(dirs[i])).CombinedOutput(); err != nil {
		t.Fatalf("building the Quickstart: %v\n%s", err, out)
	}

	// The fake, as a process, and the two lines it prints.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	fake := exec.CommandContext(ctx, bin, "fake", "--addr", "127.0.0.1:0")
	fake.Env = withoutClerk(os.Environ())
	stdout, err := fake.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var fakeErr strings.Builder
	fake.Stderr = &fakeErr
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	defer fake.Process.Kill() // on a failure below; a no-op once it has exited
	lines := bufio.NewScanner(stdout)
	var env []string
	for len(env) < 2 && lines.Scan() { // bounded by ctx: the fake is killed when it ends
		env = append(env, lines.Text())
	}
	if len(env) != 2 {
		t.Fatalf("the fake printed %q, not its two lines\n%s", env, fakeErr.String())
	}
	shown := regexp.MustCompile("(?m)^```\n(CLERK_API_URL=.*)\n(CLERK_SECRET_KEY=.*)\n```").FindStringSubmatch(readme)
	if shown == nil {
		t.Error("README.md does not show the fake's two lines")
	} else {
		for k, line := range env {
			if shape := lineShape(shown[k+1]); !shape.MatchString(line) {
				t.Errorf("the fake printed %q; the README shows %q", strings.SplitN(line, "=", 2)[0]+"=…", shown[k+1])
			}
		}
	}

	qs := exec.CommandContext(ctx, quickstart)
	qs.Env = env // exactly the two lines
	out, err := qs.CombinedOutput()
	if err != nil || !strings.HasSuffix(string(out), "\nrevoked\n") || !strings.Contains(string(out), "[REDACTED]") {
		t.Errorf("the Quickstart, run with the fake's two lines: %v\n%s", err, out)
	}

	go func() { // read to EOF before Wait, as os/exec asks
		for lines.Scan() {
		}
	}()
	if err := fake.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := fake.Wait(); err != nil {
		t.Errorf("the fake exited with %v (3: contract violations):\n%s", err, fakeErr.String())
	}
}

// lineShape turns a line the README shows (CLERK_API_URL=http://127.0.0.1:41234,
// CLERK_SECRET_KEY=sk_test_clienttest…) into the pattern of the lines the fake prints: the
// port is any port, and what "…" stands for is any key.
func lineShape(shown string) *regexp.Regexp {
	before, _, cut := strings.Cut(shown, "…")
	pattern := regexp.QuoteMeta(before)
	pattern = regexp.MustCompile(`:\d+$`).ReplaceAllString(pattern, `:\d+`)
	if cut {
		pattern += `\S+`
	}
	return regexp.MustCompile("^" + pattern + "$")
}

func withoutClerk(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "CLERK_") && !strings.HasPrefix(kv, "SIGNINTOKEN_") {
			out = append(out, kv)
		}
	}
	return out
}

// TestREADMELinks follows every link of the README and of the guides kept here: a file or
// directory of this repository must exist (a link to a guide not written yet fails), a
// #fragment must name a heading of that Markdown file, and a pkg.go.dev link into this module
// must name a package here and, after #, a heading of its documentation (hdr-…) or one of its
// exported identifiers. Links elsewhere are not fetched.
func TestREADMELinks(t *testing.T) {
	for _, name := range linkedDocs {
		text, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mdLink.FindAllStringSubmatch(withoutCode(string(text)), -1) {
			if problem := checkLink(name, m[1]); problem != "" {
				t.Errorf("%s: link %s: %s", name, m[1], problem)
			}
		}
	}
}

func checkLink(from, link string) string {
	target, fragment, _ := strings.Cut(link, "#")
	switch {
	case strings.HasPrefix(link, modulePkg):
		dir := strings.TrimPrefix(strings.TrimPrefix(target, modulePkg), "/")
		return checkPackageAnchor(cmpOr(dir, "."), fragment)
	case strings.HasPrefix(link, "http://"), strings.HasPrefix(link, "https://"), strings.HasPrefix(link, "mailto:"):
		return "" // elsewhere: not fetched
	case target == "":
		return checkHeading(from, fragment)
	}
	path := filepath.Join(filepath.Dir(from), filepath.FromSlash(target))
	if _, err := os.Stat(path); err != nil {
		return "no such file in the repository (" + path + ")"
	}
	if fragment != "" {
		return checkHeading(path, fragment)
	}
	return ""
}

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// checkHeading reports whether the Markdown file has a heading whose GitHub anchor is fragment.
func checkHeading(file, fragment string) string {
	text, err := os.ReadFile(file)
	if err != nil {
		return err.Error()
	}
	for line := range strings.SplitSeq(withoutCode(string(text)), "\n") {
		if h, ok := strings.CutPrefix(strings.TrimLeft(line, "#"), " "); ok && strings.HasPrefix(line, "#") && githubAnchor(h) == fragment {
			return ""
		}
	}
	return "no heading with that anchor in " + file
}

// githubAnchor is the id GitHub gives a Markdown heading.
func githubAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x7f:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// checkPackageAnchor reports whether dir holds a Go package and, if fragment is set, whether
// its documentation has that heading (hdr-…) or exported identifier (Name, Type.Method).
func checkPackageAnchor(dir, fragment string) string {
	fset := token.NewFileSet()
	var files []*ast.File
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "no such package directory " + dir
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
			f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.ParseComments)
			if err != nil {
				return err.Error()
			}
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return "no Go package in " + dir
	}
	pkg, err := doc.NewFromFiles(fset, files, "github.com/clerkgen/signintokens/"+dir)
	if err != nil {
		return err.Error()
	}
	if fragment == "" {
		return ""
	}
	if heading, ok := strings.CutPrefix(fragment, "hdr-"); ok {
		for _, block := range pkg.Parser().Parse(pkg.Doc).Content {
			if h, ok := block.(*comment.Heading); ok && h.DefaultID() == "hdr-"+heading {
				return ""
			}
		}
		return "package " + dir + " has no heading # " + strings.ReplaceAll(heading, "_", " ")
	}
	typ, method, _ := strings.Cut(fragment, ".")
	for _, f := range pkg.Funcs {
		if f.Name == fragment {
			return ""
		}
	}
	for _, v := range slices.Concat(pkg.Consts, pkg.Vars) {
		if slices.Contains(v.Names, fragment) {
			return ""
		}
	}
	for _, ty := range pkg.Types {
		if ty.Name != typ {
			continue
		}
		if method == "" {
			return ""
		}
		for _, f := range slices.Concat(ty.Methods, ty.Funcs) {
			if f.Name == method {
				return ""
			}
		}
	}
	return "package " + dir + " exports no " + fragment
}

// TestREADMECommands: every make target the README or CONTRIBUTING names exists, every
// directory a `go run`/`go build` in a README code block names exists, and CI runs the
// README's test command.
func TestREADMECommands(t *testing.T) {
	makefile, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	ci, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	readme := readREADME(t)
	if !strings.Contains(readme, "| `make test` |") || !regexp.MustCompile(`(?m)^make test$`).Match(ci) {
		t.Error("the README's test command is `make test`, and .ci/run must run it")
	}
	for _, name := range []string{"README.md", "CONTRIBUTING.md"} {
		text, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile("`make ([a-z-]+)").FindAllStringSubmatch(string(text), -1) {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(m[1]) + `:`).Match(makefile) {
				t.Errorf("%s names `make %s`, which the Makefile does not define", name, m[1])
			}
		}
	}
	for _, block := range anyBlock.FindAllStringSubmatch(readme, -1) {
		for _, m := range regexp.MustCompile(`go (?:run|build)(?: -o \S+)? (\./\S+)`).FindAllStringSubmatch(block[1], -1) {
			if fi, err := os.Stat(m[1]); err != nil || !fi.IsDir() {
				t.Errorf("README.md runs %s, which is not a directory here", m[1])
			}
		}
	}
}

// TestREADMEStatesNoRuleTwice: a sentence of the README that also stands, word for word, in a
// package's documentation or in a guide is a rule stated in two places; the README links to
// it instead. (A rule reworded is not caught: review catches that.)
func TestREADMEStatesNoRuleTwice(t *testing.T) {
	var homes strings.Builder
	for _, pattern := range []string{"*.go", "*/*.go", "cmd/*/*.go", "docs/*.md", "CONTRIBUTING.md", "clienttest/control.yaml"} {
		names, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") || strings.HasPrefix(name, "gen/") {
				continue
			}
			text, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			homes.WriteString(normalize(strings.ReplaceAll(string(text), "\n//", "\n")) + " ")
		}
	}
	all := homes.String()
	for _, sentence := range regexp.MustCompile(`[.:;]\s`).Split(withoutCode(readREADME(t)), -1) {
		s := normalize(sentence)
		if len(strings.Fields(s)) >= 8 && strings.Contains(all, s) {
			t.Errorf("README.md states what a package doc or guide states; link to it instead: %q", s)
		}
	}
}

// normalize drops Markdown's and comments' formatting and folds whitespace, so a sentence
// reads the same in the README and in a doc comment.
func normalize(s string) string {
	s = regexp.MustCompile(`\]\([^)]*\)`).ReplaceAllString(s, "]")
	s = strings.NewReplacer("`", "", "*", "", "[", "", "]", "", "|", " ", "#", " ").Replace(s)
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// withoutCode blanks out fenced code blocks, whose lines are not prose, links or headings.
func withoutCode(text string) string {
	return anyBlock.ReplaceAllString(text, "")
}

// snippetModule writes every Go snippet of the README into a module of its own in a temporary
// directory, one package each, requiring this module (at root) by a replace directive.
func snippetModule(t *testing.T, root string) (mod string, dirs, blocks []string) {
	t.Helper()
	for _, m := range goBlock.FindAllStringSubmatch(readREADME(t), -1) {
		blocks = append(blocks, m[1])
	}
	mod = t.TempDir()
	gomod := "module readme.example\n\ngo 1.26\n\n" +
		"require github.com/clerkgen/signintokens v0.0.0\n\n" +
		"replace github.com/clerkgen/signintokens => " + root + "\n"
	sums, err := os.ReadFile("go.sum") // the snippets need this module's dependencies, no others
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(mod, "go.mod"), gomod)
	write(t, filepath.Join(mod, "go.sum"), string(sums))
	for i, src := range blocks {
		name := "snippet.go"
		if strings.Contains(src, `"testing"`) {
			name = "snippet_test.go"
		}
		dir := filepath.Join(mod, "snippet"+string(rune('a'+i)))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(dir, name), src)
		dirs = append(dirs, dir)
	}
	return mod, dirs, blocks
}

// goCommand runs go in dir as a user's module would see it: this module alone (no workspace),
// and -mod=mod (given by the caller) lets go add this module's dependencies to the temporary
// go.mod, as `go get` would; their sums are in the go.sum copied beside it.
func goCommand(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the README's code: %v", err)
	}
	cmd := exec.Command(gobin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	return cmd
}

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tree lists every path under root but .git.
func tree(t *testing.T, root string) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.Name() == ".git" && d.IsDir():
			return filepath.SkipDir
		case d.Name() != ".git": // a file in a git worktree
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return paths
}
