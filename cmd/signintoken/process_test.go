package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	signintokens "github.com/clerkgen/signintokens"
)

// built is the signintoken binary the process tests run, built on first use, once for all of
// them; TestMain removes it.
// SIGNINTOKEN_TEST_BINARY runs them against another build instead (an older release, to see
// a new test fail there first).
var built = sync.OnceValues(func() (string, error) {
	if bin := os.Getenv("SIGNINTOKEN_TEST_BINARY"); bin != "" {
		return bin, nil
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go command is needed to build signintoken: %w", err)
	}
	dir, err := os.MkdirTemp("", "signintoken-test-")
	if err != nil {
		return "", err
	}
	builtDir = dir
	bin := filepath.Join(dir, "signintoken")
	if out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
})

var builtDir string // where built put the binary, if it ran

// buildCommand returns the signintoken binary, or fails the test.
func buildCommand(t *testing.T) string {
	t.Helper()
	bin, err := built()
	if err != nil {
		t.Fatal(err)
	}
	return bin
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

// TestVersionAsAProcess: a binary says the version the go command recorded for it (go version
// -m: a release, a pseudo-version, or (devel)), and a release build says the version its
// linker stamp gives, as GoReleaser passes it (-X main.version=0.9.9, without the v). A
// stamp the binary ignored (the variable renamed: the linker does not complain) fails here.
func TestVersionAsAProcess(t *testing.T) {
	bin := buildCommand(t)
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	info, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	recorded := regexp.MustCompile(`(?m)^\tmod\t\S+\t(\S+)`).FindSubmatch(info)
	if recorded == nil {
		t.Fatalf("go version -m names no main module:\n%s", info)
	}
	if want := fmt.Sprintf("signintoken %s (Clerk API %s)\n", recorded[1], signintokens.APIVersion); string(out) != want {
		t.Errorf("signintoken --version = %q; the go command recorded %s, so want %q", out, recorded[1], want)
	}

	release := filepath.Join(t.TempDir(), "signintoken")
	if out, err := exec.Command("go", "build", "-ldflags=-X main.version=0.9.9", "-o", release, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err = exec.Command(release, "version").Output()
	if want := "signintoken v0.9.9 (Clerk API " + signintokens.APIVersion + ")\n"; err != nil || string(out) != want {
		t.Errorf("built with -X main.version=0.9.9: signintoken version = %q, %v; want %q", out, err, want)
	}
}

// TestUnwritableStdoutAsAProcess: with stdout on a full disk, or a pipe whose reader has gone,
// the command has minted a token it cannot print. It must say so, with the token's id, and
// exit 1; not exit 0, and not die of SIGPIPE in silence.
func TestUnwritableStdoutAsAProcess(t *testing.T) {
	bin := buildCommand(t)
	stdouts := map[string]func(t *testing.T) *os.File{
		"no space left on device": func(t *testing.T) *os.File {
			full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
			if err != nil {
				t.Skipf("no /dev/full here: %v", err)
			}
			return full
		},
		"broken pipe": func(t *testing.T) *os.File {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			r.Close() // the reader is gone, as with "signintoken create … | head -c0"
			return w
		},
	}
	for why, stdout := range stdouts {
		for _, args := range [][]string{{"create", "--user", "user_demo"}, {"create", "--user", "user_demo", "--json"}} {
			t.Run(strings.TrimSpace(why+" "+strings.Join(args[3:], " ")), func(t *testing.T) {
				out := stdout(t)
				defer out.Close()
				cmd := exec.Command(bin, args...)
				cmd.Env = withoutClerk(os.Environ())
				cmd.Stdout = out
				var stderr strings.Builder
				cmd.Stderr = &stderr
				err := cmd.Run()
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != exitError {
					t.Fatalf("exit: %v (%v), want status 1\n%s", err, cmd.ProcessState, stderr.String())
				}
				if !regexp.MustCompile(`sign-in token sit_\w+ WAS minted, but printing it failed: .*` + why).MatchString(stderr.String()) {
					t.Errorf("stderr does not name the minted token and the failure:\n%s", stderr.String())
				}
				if strings.Contains(stderr.String(), "ticket=") {
					t.Errorf("stderr carries the URL:\n%s", stderr.String())
				}
			})
		}
	}
}
