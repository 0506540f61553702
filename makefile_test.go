package signintokens_test

import (
	"os"
	"os/exec"
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
	var base []string // this environment, minus what an outer make (make test) passes down
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MAKEFLAGS=") && !strings.HasPrefix(kv, "MFLAGS=") && !strings.HasPrefix(kv, "MAKELEVEL=") {
			base = append(base, kv)
		}
	}
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
