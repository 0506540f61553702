package interop

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// The built `signintoken fake`, run as a process the way a CI job in any language runs it.

var (
	buildDir    string
	builtBinary = sync.OnceValues(func() (string, error) {
		var err error
		if buildDir, err = os.MkdirTemp("", "signintoken-interop-"); err != nil {
			return "", err
		}
		bin := filepath.Join(buildDir, "signintoken")
		// Built in the repository's own module: this module only adds clerk-sdk-go.
		out, err := exec.Command("go", "build", "-C", "../..", "-o", bin, "./cmd/signintoken").CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("go build ./cmd/signintoken: %v\n%s", err, out)
		}
		return bin, nil
	})
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// fake is one running `signintoken fake` process.
type fake struct {
	apiURL, secretKey string // the two lines it printed
	cmd               *exec.Cmd
	stderr            *strings.Builder
	summaryPath       string
	expected          []*regexp.Regexp // violations a test provokes on purpose
	stopOnce          sync.Once
}

// startFake starts the fake with flags and reads its two lines. When the test ends, the fake is
// stopped with SIGTERM; it must exit 0 (its --fail-on-violation default) or, if the test expected
// violations, list only those.
func startFake(t *testing.T, flags ...string) *fake {
	t.Helper()
	bin, err := builtBinary()
	if err != nil {
		t.Fatal(err)
	}
	f := &fake{stderr: &strings.Builder{}, summaryPath: filepath.Join(t.TempDir(), "summary.json")}
	f.cmd = exec.Command(bin, append([]string{"fake", "--addr", "127.0.0.1:0", "--summary-json", f.summaryPath}, flags...)...)
	f.cmd.Stderr = f.stderr
	stdout, err := f.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	for _, name := range []string{"CLERK_API_URL", "CLERK_SECRET_KEY"} {
		if !lines.Scan() {
			f.cmd.Process.Kill()
			f.cmd.Wait()
			t.Fatalf("the fake printed no %s line: %s", name, f.stderr)
		}
		value, ok := strings.CutPrefix(lines.Text(), name+"=")
		if !ok {
			f.cmd.Process.Kill()
			f.cmd.Wait()
			t.Fatalf("the fake printed %q, want %s=…", lines.Text(), name)
		}
		if name == "CLERK_API_URL" {
			f.apiURL = value
		} else {
			f.secretKey = value
		}
	}
	go io.Copy(io.Discard, stdout)
	t.Cleanup(func() { f.stop(t) })
	return f
}

// expectViolation declares that the test provokes a violation matching pattern on purpose.
func (f *fake) expectViolation(pattern string) {
	f.expected = append(f.expected, regexp.MustCompile(pattern))
}

// stop sends SIGTERM and checks the exit status and the summary: 0 unexpected violations.
func (f *fake) stop(t *testing.T) {
	t.Helper()
	f.stopOnce.Do(func() {
		f.cmd.Process.Signal(os.Interrupt)
		exited := make(chan error, 1)
		go func() { exited <- f.cmd.Wait() }()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			f.cmd.Process.Kill()
			<-exited
			t.Errorf("the fake did not stop within 10 s of SIGINT")
			return
		}
		data, err := os.ReadFile(f.summaryPath)
		if err != nil {
			t.Errorf("no summary: %v\n%s", err, f.stderr)
			return
		}
		var sum struct {
			Total      int `json:"total"`
			Violations []struct {
				Message string `json:"message"`
			} `json:"violations"`
		}
		if err := json.Unmarshal(data, &sum); err != nil {
			t.Errorf("summary: %v\n%s", err, data)
			return
		}
		unexpected := 0
		for _, v := range sum.Violations {
			if !f.isExpected(v.Message) {
				unexpected++
				t.Errorf("unexpected contract violation: %s", v.Message)
			}
		}
		code := f.cmd.ProcessState.ExitCode()
		switch {
		case sum.Total != len(sum.Violations):
			t.Errorf("the summary lists %d of %d violations", len(sum.Violations), sum.Total)
		case sum.Total == 0 && code != 0:
			t.Errorf("the fake exited %d with no violation:\n%s", code, f.stderr)
		case sum.Total > 0 && code != 3:
			t.Errorf("the fake exited %d after %d violations, want 3 (--fail-on-violation is the default)", code, sum.Total)
		}
		if unexpected > 0 {
			t.Logf("fake's stderr:\n%s", f.stderr)
		}
	})
}

func (f *fake) isExpected(violation string) bool {
	for _, re := range f.expected {
		if re.MatchString(violation) {
			return true
		}
	}
	return false
}

// control calls the fake's control API (see clienttest/control.yaml) and decodes its answer.
func (f *fake) control(t *testing.T, method, path, body string, out any) {
	t.Helper()
	req, err := http.NewRequest(method, f.apiURL+"/__clienttest/"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+f.secretKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s /__clienttest/%s: %d", method, path, resp.StatusCode)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

// storedToken is the fake's own record of a token, from the control API.
type storedToken struct {
	ID             string  `json:"id"`
	OrganizationID *string `json:"organization_id"`
	CreatedAt      int64   `json:"created_at"`
	ExpiresAt      int64   `json:"expires_at"`
}

func (f *fake) token(t *testing.T, id string) storedToken {
	t.Helper()
	var list struct{ Tokens []storedToken }
	f.control(t, "GET", "tokens", "", &list)
	for _, tok := range list.Tokens {
		if tok.ID == id {
			return tok
		}
	}
	t.Fatalf("the fake holds no token %s", id)
	return storedToken{}
}
