package signintokens_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMakeTestRunsWithoutACCompiler: the race detector needs cgo and a C compiler, and a fresh
// machine may have neither; `make test` must then still run every test, without -race, and
// say why. make evaluates the Makefile here with the compiler made unfindable, and prints what
// `make test` would run (-n), without running it.
func TestMakeTestRunsWithoutACCompiler(t *testing.T) {
	mk, err := exec.LookPath("make")
	if err != nil {
		t.Skip("no make here")
	}
	base := withoutMakeFlags()
	makeTest := func(env ...string) (race, plan string) {
		t.Helper()
		cmd := exec.Command(mk, "-s", "--eval=print-race: ; @echo $(RACE)", "print-race")
		cmd.Env = slices.Concat(base, env)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("make print-race %v: %v", env, err)
		}
		cmd = exec.Command(mk, "-n", "test")
		cmd.Env = slices.Concat(base, env)
		dry, err := cmd.Output()
		if err != nil {
			t.Fatalf("make -n test %v: %v", env, err)
		}
		return strings.TrimSpace(string(out)), string(dry)
	}
	for _, env := range [][]string{{"CC=/nonexistent/cc"}, {"CGO_ENABLED=0"}} {
		race, plan := makeTest(env...)
		if race != "" || strings.Contains(plan, "test -race") {
			t.Errorf("%v: make test would run with -race (RACE=%q):\n%s", env, race, plan)
		}
		if !strings.Contains(plan, "go test") || !strings.Contains(plan, "without -race") {
			t.Errorf("%v: make test would not run the tests, or not say why -race is off:\n%s", env, plan)
		}
	}
	// And the other way round: with a C compiler (this machine's, if it has one), -race is on.
	cgo, _ := exec.Command("go", "env", "CGO_ENABLED").Output()
	cc, _ := exec.Command("go", "env", "CC").Output()
	if fields := strings.Fields(string(cc)); strings.TrimSpace(string(cgo)) == "1" && len(fields) > 0 {
		if _, err := exec.LookPath(fields[0]); err == nil {
			if race, plan := makeTest(); race != "-race" || !strings.Contains(plan, "test -race") {
				t.Errorf("with a C compiler, make test would not use -race (RACE=%q):\n%s", race, plan)
			}
		}
	}
}

// TestMakeTestFindsEveryTestModuleWithoutGit: a copy of the repository without .git (a ZIP
// download) must still test every module of its own; before, make test listed them with git and,
// without it, silently tested only the root module. The modules are found here by walking the
// tree (not by find, which the Makefile uses), and make -n test must name each. When the listing
// itself fails, make test fails saying so, rather than test fewer.
func TestMakeTestFindsEveryTestModuleWithoutGit(t *testing.T) {
	mk, err := exec.LookPath("make")
	if err != nil {
		t.Skip("no make here")
	}
	dir := t.TempDir()
	var want []string
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != "." && (strings.HasPrefix(name, ".") || name == "node_modules") {
			return filepath.SkipDir // .git among them
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, path), 0o755)
		}
		if !d.Type().IsRegular() || name == ".git" { // a worktree's .git is a file
			return nil
		}
		if name == "go.mod" && path != "go.mod" && !strings.HasPrefix(path, "internal/tools/") && !strings.Contains("/"+path, "/testdata/") {
			want = append(want, filepath.Dir(path))
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, path), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 3 { // bench, internal/h2test, interop/go today
		t.Fatalf("found only %v; the walk is wrong", want)
	}
	if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
		t.Fatal("the copy has a .git")
	}
	makeIn := func(args ...string) (string, error) {
		cmd := exec.Command(mk, args...)
		cmd.Dir = dir
		cmd.Env = append(withoutMakeFlags(), "GIT_DIR="+filepath.Join(dir, "no-such-git-dir"), "GIT_CEILING_DIRECTORIES="+filepath.Dir(dir))
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	plan, err := makeIn("-n", "test")
	if err != nil {
		t.Fatalf("make -n test: %v\n%s", err, plan)
	}
	loop := ""
	for _, line := range strings.Split(plan, "\n") {
		if strings.Contains(line, "for m in ") {
			loop = line
		}
	}
	for _, m := range want {
		if !strings.Contains(loop, " "+m+" ") && !strings.Contains(loop, " "+m+";") {
			t.Errorf("without .git, make test would not test module %s:\n%s", m, plan)
		}
	}
	// GO=false: should the check be missing, nothing runs.
	if out, err := makeIn("test", "FIND=false", "GO=false"); err == nil || !strings.Contains(out, "cannot list the test modules") {
		t.Errorf("make test with a failing find: %v, want a failure saying it cannot list the modules:\n%s", err, out)
	}
}

// withoutMakeFlags is this environment minus what an outer make (make test) passes down.
func withoutMakeFlags() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MAKEFLAGS=") && !strings.HasPrefix(kv, "MFLAGS=") && !strings.HasPrefix(kv, "MAKELEVEL=") {
			env = append(env, kv)
		}
	}
	return env
}
