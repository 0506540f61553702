//go:build unix

package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The CI recipe of docs/fake-in-ci.md, interop/with-fake.sh, run as a real process tree: bash starts the
// built fake, waits for its lines, runs a client, stops the fake. Each test then checks that
// no signintoken process is left and nothing listens on the fake's port.

const recipe = "../../interop/with-fake.sh"

func needLinuxAndBash(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc to find processes left behind")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("the recipe is a bash script")
	}
	return bash
}

// runRecipe runs the recipe with a bash client script; the client writes the environment it
// was given to env.txt in dir. It returns the recipe's exit status and its output.
func runRecipe(t *testing.T, dir string, fakeFlags []string, client string) (int, string) {
	t.Helper()
	bash := needLinuxAndBash(t)
	bin := buildCommand(t)
	args := append([]string{recipe, bin}, fakeFlags...)
	args = append(args, "--", bash, "-c", `env | grep ^CLERK_ > "$DIR/env.txt"; `+client)
	cmd := exec.Command(bash, args...)
	cmd.Env = append(withoutClerk(os.Environ()), "DIR="+dir, "BIN="+bin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
		}
	}()
	err := cmd.Run()
	close(done)
	if err != nil && cmd.ProcessState == nil {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), out.String()
}

// clientEnv reads what the client was given.
func clientEnv(t *testing.T, dir string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "env.txt"))
	if err != nil {
		t.Fatalf("the client did not run: %v", err)
	}
	vars := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		k, v, _ := strings.Cut(line, "=")
		vars[k] = v
	}
	return vars
}

// assertNothingLeft fails if a process of bin runs or something still listens at origin.
func assertNothingLeft(t *testing.T, bin, origin string) {
	t.Helper()
	if pids := processesOf(bin); len(pids) > 0 {
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		t.Fatalf("signintoken processes left running: %v", pids)
	}
	if c, err := net.DialTimeout("tcp", strings.TrimPrefix(origin, "http://"), time.Second); err == nil {
		c.Close()
		t.Fatalf("something still listens at %s", origin)
	}
}

// processesOf lists the live processes running bin (zombies have no command line).
func processesOf(bin string) []int {
	return processesWhere(func(_, cmdline []byte) bool { return bytes.HasPrefix(cmdline, []byte(bin+"\x00")) })
}

// processesWhere lists the processes whose /proc stat and cmdline match.
func processesWhere(match func(stat, cmdline []byte) bool) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err1 := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		cmdline, err2 := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err1 == nil && err2 == nil && match(stat, cmdline) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func TestRecipeRunsAClientAndLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	// The CLI reads CLERK_API_URL and CLERK_SECRET_KEY as the fake printed them.
	code, out := runRecipe(t, dir, nil, `exec "$BIN" create --user user_ci`)
	if code != 0 {
		t.Fatalf("recipe exited %d:\n%s", code, out)
	}
	for _, want := range []string{"status:   pending", "1 request, 0 unexpected violations", "fake Clerk API stopped"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	vars := clientEnv(t, dir)
	if !strings.HasPrefix(vars["CLERK_SECRET_KEY"], "sk_test_") || len(vars) != 2 {
		t.Fatalf("the client was given %v; want exactly CLERK_API_URL and CLERK_SECRET_KEY", vars)
	}
	assertNothingLeft(t, buildCommand(t), vars["CLERK_API_URL"])
}

func TestRecipeFailsWhenTheClientFails(t *testing.T) {
	dir := t.TempDir()
	code, out := runRecipe(t, dir, nil, `exit 7`)
	if code != 7 {
		t.Fatalf("recipe exited %d, want the client's 7:\n%s", code, out)
	}
	assertNothingLeft(t, buildCommand(t), clientEnv(t, dir)["CLERK_API_URL"])
}

// A request that breaks the contract fails the job even though the client exited 0.
func TestRecipeFailsOnAViolation(t *testing.T) {
	dir := t.TempDir()
	// A raw request with the key and no user_id, through bash's /dev/tcp.
	client := `hostport=${CLERK_API_URL#http://}
exec 5<>"/dev/tcp/${hostport%:*}/${hostport#*:}"
printf 'POST /v1/sign_in_tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}' "$CLERK_SECRET_KEY" >&5
cat <&5 >/dev/null || true # the answer (a 422) is not what this test is about`
	code, out := runRecipe(t, dir, nil, client)
	if code != exitViolations || !strings.Contains(out, "1 unexpected violation,") || !strings.Contains(out, "  - unexpected violation (form_param_missing): ") {
		t.Fatalf("recipe exited %d, want %d with the violation listed:\n%s", code, exitViolations, out)
	}
	assertNothingLeft(t, buildCommand(t), clientEnv(t, dir)["CLERK_API_URL"])
}

// Killed with SIGKILL (a CI timeout), the recipe cannot stop the fake; --exit-with-parent does.
func TestRecipeKilledLeavesNoFake(t *testing.T) {
	bash := needLinuxAndBash(t)
	bin := buildCommand(t)
	dir := t.TempDir()
	cmd := exec.Command(bash, recipe, bin, "--", bash, "-c", `env | grep ^CLERK_ > "$DIR/env.tmp"; mv "$DIR/env.tmp" "$DIR/env.txt"; exec sleep 60`)
	cmd.Env = append(withoutClerk(os.Environ()), "DIR="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // to clean up the sleep afterwards
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	envFile := filepath.Join(dir, "env.txt")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(envFile); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the client never started")
		}
	}
	origin := clientEnv(t, dir)["CLERK_API_URL"]
	cmd.Process.Kill() // SIGKILL to the recipe's bash only: no trap runs
	cmd.Wait()
	for deadline := time.Now().Add(10 * time.Second); len(processesOf(bin)) > 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			break // assertNothingLeft reports it
		}
	}
	assertNothingLeft(t, bin, origin)
}

// TestFakeInCIDocShowsTheRecipe keeps the CI guide's recipe and interop/with-fake.sh one text.
func TestFakeInCIDocShowsTheRecipe(t *testing.T) {
	doc, err := os.ReadFile("../../docs/fake-in-ci.md")
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(recipe)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(doc, []byte("```bash\n"+string(script)+"```\n")) {
		t.Fatal("docs/fake-in-ci.md does not show interop/with-fake.sh as it is, in a ```bash block")
	}
}

// TestGoRunFakeStopsWithItsParent: `go run ./cmd/signintoken fake &` then `kill $!` stops go
// run, not the server it started; --exit-with-parent makes the server follow.
func TestGoRunFakeStopsWithItsParent(t *testing.T) {
	needLinuxAndBash(t)
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go command")
	}
	cmd := exec.Command(gobin, "run", ".", "fake", "--addr", "127.0.0.1:0", "--exit-with-parent")
	cmd.Env = withoutClerk(os.Environ())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	origin := readPrintedLines(stdout)["CLERK_API_URL"]
	if origin == "" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("the fake printed no CLERK_API_URL")
	}
	server := childrenOf(cmd.Process.Pid) // the binary go run built and started
	defer func() {
		for _, pid := range server {
			syscall.Kill(pid, syscall.SIGKILL) // if the test failed, leave nothing behind
		}
	}()
	cmd.Process.Signal(syscall.SIGTERM) // to go run, as `kill $!` would
	cmd.Wait()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(origin, "http://"), time.Second)
		if err != nil {
			return // nothing listens any more
		}
		c.Close()
	}
	t.Fatalf("the server go run started still listens at %s", origin)
}

// childrenOf lists the processes whose parent is pid.
func childrenOf(pid int) []int {
	return processesWhere(func(stat, _ []byte) bool {
		// pid (comm) state ppid …; comm may hold spaces, so read after its closing paren.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		return len(fields) > 1 && fields[1] == strconv.Itoa(pid)
	})
}
