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
	wantExit          int // 0, unless a test makes the fake fail on purpose
	summary           summary
	stopOnce          sync.Once
}

// summary is the fake's --summary-json: its counts are the control API's (clienttest/control.yaml).
type summary struct {
	Counts struct {
		Requests             int `json:"requests"`
		UnexpectedViolations int `json:"unexpected_violations"`
		ExpectedViolations   int `json:"expected_violations"`
		AuthFailures         int `json:"auth_failures"`
		UnknownRoutes        int `json:"unknown_routes"`
		FakeErrors           int `json:"fake_errors"`
	} `json:"counts"`
	Violations []struct {
		Kind     string `json:"kind"`
		Expected bool   `json:"expected"`
		Message  string `json:"message"`
	} `json:"violations"`
	ExitCode int `json:"exit_code"`
}

// startFake starts the fake with flags and reads its two lines. When the test ends, the fake is
// stopped with SIGINT; it must exit f.wantExit (0 unless the test set it): a test that provokes
// a violation on purpose marks it expected first (f.expect), as a test in any language does.
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

// expect marks the next count violations of kind (any kind when empty) as expected, through
// the control API.
func (f *fake) expect(t *testing.T, count int, kind string) {
	t.Helper()
	body := fmt.Sprintf(`{"count":%d}`, count)
	if kind != "" {
		body = fmt.Sprintf(`{"count":%d,"kind":%q}`, count, kind)
	}
	f.control(t, "POST", "expectations", body, nil)
}

// stop sends SIGINT, checks the exit status against f.wantExit, and returns the summary.
func (f *fake) stop(t *testing.T) summary {
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
		if err := json.Unmarshal(data, &f.summary); err != nil {
			t.Errorf("summary: %v\n%s", err, data)
			return
		}
		if code := f.cmd.ProcessState.ExitCode(); code != f.wantExit || f.summary.ExitCode != code {
			t.Errorf("the fake exited %d (its summary says %d), want %d:\n%s", code, f.summary.ExitCode, f.wantExit, f.stderr)
		}
	})
	return f.summary
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
