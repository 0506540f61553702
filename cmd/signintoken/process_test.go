package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildCommand builds signintoken once for all the process tests; TestMain removes it.
func buildCommand(t *testing.T) string {
	t.Helper()
	bin, err := builtCommand()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

var buildDir string

var builtCommand = sync.OnceValues(func() (string, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go command is needed to build signintoken: %w", err)
	}
	if buildDir, err = os.MkdirTemp("", "signintoken-test-"); err != nil {
		return "", err
	}
	bin := filepath.Join(buildDir, "signintoken")
	if out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func removeBuiltCommand() {
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
}

// TestREADMERunCommand runs the README's main job as a process with no CLERK_ variables: it
// must mint a link on the built-in fake and exit 0.
func TestREADMERunCommand(t *testing.T) {
	bin := buildCommand(t)
	cmd := exec.Command(bin, "create", "--user", "user_demo")
	cmd.Env = withoutClerk(os.Environ())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.Contains(string(out), "url:") || !strings.Contains(stderr.String(), "built-in fake") {
		t.Fatalf("stdout:\n%s\nstderr:\n%s", out, stderr.String())
	}
}

// TestFakeStopsCleanlyOnSIGTERM runs `signintoken fake` as a CI job in another language would,
// and stops it with SIGTERM.
func TestFakeStopsCleanlyOnSIGTERM(t *testing.T) {
	bin := buildCommand(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		cmd := exec.Command(bin, "fake", "--addr", "127.0.0.1:0")
		cmd.Env = withoutClerk(os.Environ())
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stdout)
		var got []string
		for len(got) < 2 && lines.Scan() {
			got = append(got, lines.Text())
		}
		if len(got) != 2 || !strings.HasPrefix(got[0], "CLERK_API_URL=http://127.0.0.1:") || !strings.HasPrefix(got[1], "CLERK_SECRET_KEY=sk_test_") {
			cmd.Process.Kill()
			t.Fatalf("fake printed %q", got)
		}
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() {
			io.Copy(io.Discard, stdout) // read to EOF before Wait, as os/exec asks
			exited <- cmd.Wait()
		}()
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("%v: fake exited with %v\n%s", sig, err, stderr.String())
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Fatalf("%v: fake did not stop within 10s", sig)
		}
		if !strings.Contains(stderr.String(), "stopped") {
			t.Errorf("%v: stderr lacks the stop notice:\n%s", sig, stderr.String())
		}
	}
}

func withoutClerk(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "CLERK_") {
			out = append(out, kv)
		}
	}
	return out
}
