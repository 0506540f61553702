//go:build unix

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/clienttest"
)

// The built `signintoken fake` as a shared CI service: run as a process, driven over HTTP the
// way a job in any language (or a neighbour on the machine) drives it.

// fakeProc is one running `signintoken fake` process.
type fakeProc struct {
	origin, key string
	cmd         *exec.Cmd
	stdout      *syncBuffer // what follows the two lines (a summary written to /dev/stdout)
	stderr      *syncBuffer
	copied      chan struct{} // stdout read to its end
	code        int
	stopOnce    sync.Once
}

// startFakeProcess starts the built fake with args (after --addr 127.0.0.1:0) and env added to
// this process's environment, and reads its two lines. It is stopped when the test ends.
func startFakeProcess(t *testing.T, env []string, args ...string) *fakeProc {
	t.Helper()
	p := &fakeProc{stdout: &syncBuffer{}, stderr: &syncBuffer{}, copied: make(chan struct{})}
	p.cmd = exec.Command(buildCommand(t), append([]string{"fake", "--addr", "127.0.0.1:0"}, args...)...)
	p.cmd.Env = append(withoutClerk(os.Environ()), env...)
	p.cmd.Stderr = p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(out)
	for _, name := range []string{"CLERK_API_URL=", "CLERK_SECRET_KEY="} {
		line, _ := r.ReadString('\n')
		value, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), name)
		if !ok {
			p.cmd.Process.Kill()
			p.cmd.Wait()
			t.Fatalf("the fake printed %q, want %s…; stderr:\n%s", line, name, p.stderr)
		}
		if name == "CLERK_API_URL=" {
			p.origin = value
		} else {
			p.key = value
		}
	}
	go func() { io.Copy(p.stdout, r); close(p.copied) }()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop sends SIGTERM and returns the exit status.
func (p *fakeProc) stop(t *testing.T) int {
	t.Helper()
	p.stopOnce.Do(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		exited := make(chan struct{})
		go func() { <-p.copied; p.cmd.Wait(); close(exited) }()
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			p.cmd.Process.Kill()
			<-exited
			t.Errorf("the fake did not stop within 15 s of SIGTERM")
		}
		p.code = p.cmd.ProcessState.ExitCode()
	})
	return p.code
}

// send sends one request with key as bearer (none when empty) and returns the status and body.
func (p *fakeProc) send(t *testing.T, key, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, p.origin+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// summaryJSON is --summary-json as a consumer reads it.
type summaryJSON struct {
	Counts     clienttest.Counts
	Violations []struct {
		Kind     string
		Expected bool
		Message  string
	}
	FakeErrors []struct{ Message string } `json:"fake_errors"`
	ExitCode   int                        `json:"exit_code"`
}

func readSummaryJSON(t *testing.T, data []byte) summaryJSON {
	t.Helper()
	var s summaryJSON
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("the summary is not JSON: %v\n%s", err, data)
	}
	return s
}

func readSummaryFile(t *testing.T, path string) summaryJSON {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return readSummaryJSON(t, data)
}

// withAndWithoutStrict runs f against a fresh fake writing --summary-json to path, once as it
// is and once with --strict; want is the exit status for a run with nothing unexpected but
// what only --strict fails on: 0, then 3.
func withAndWithoutStrict(t *testing.T, f func(t *testing.T, p *fakeProc, path string, want int)) {
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprintf("strict=%v", strict), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "summary.json")
			args, want := []string{"--summary-json", path}, exitOK
			if strict {
				args, want = append(args, "--strict"), exitViolations
			}
			f(t, startFakeProcess(t, nil, args...), path, want)
		})
	}
}

// TestFakeProcessNegativeTestsLeaveItGreen: a wrong key, no key, a Basic header, a health
// check, a port scan's GET /healthz and a browser's /favicon.ico are answered as Clerk answers
// them and counted, and the job stays green; --strict turns them red.
func TestFakeProcessNegativeTestsLeaveItGreen(t *testing.T) {
	withAndWithoutStrict(t, func(t *testing.T, p *fakeProc, path string, want int) {
		for _, key := range []string{"", "sk_test_wrong"} {
			if status, _ := p.send(t, key, "POST", "/v1/sign_in_tokens", `{"user_id":"user_a"}`); status != 401 {
				t.Fatalf("key %q: %d, want 401", key, status)
			}
		}
		req, _ := http.NewRequest("POST", p.origin+"/v1/sign_in_tokens", strings.NewReader(`{"user_id":"user_a"}`))
		req.SetBasicAuth("user", "pass")
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
			t.Fatalf("Basic: %v %v", resp, err)
		} else {
			resp.Body.Close()
		}
		for _, path := range []string{"/healthz", "/favicon.ico"} {
			if status, _ := p.send(t, "", "GET", path, ""); status != 404 {
				t.Fatalf("GET %s: %d, want 404", path, status)
			}
		}
		if status, body := p.send(t, "", "GET", "/__clienttest/health", ""); status != 200 || body != `{"status":"ok"}` {
			t.Fatalf("health: %d %s", status, body)
		}
		if code := p.stop(t); code != want {
			t.Fatalf("exit %d, want %d\n%s", code, want, p.stderr)
		}
		s := readSummaryFile(t, path)
		if s.Counts != (clienttest.Counts{AuthFailures: 3, UnknownRoutes: 2}) || s.ExitCode != want {
			t.Fatalf("summary %+v; want 3 auth failures, 2 unknown routes (the health check not counted)", s)
		}
		log := p.stderr.String()
		if strings.Count(log, `msg="auth failure"`) != 3 || strings.Count(log, `msg="unknown route"`) != 2 || strings.Contains(log, "/__clienttest/health") {
			t.Fatalf("want 3 auth failures and 2 unknown routes logged, and no health check:\n%s", log)
		}
	})
}

// TestFakeProcessHealthCheckByHEAD: a readiness check that asks with HEAD (curl -I, and
// wait-on's default for an http:// URL) is the health check too: 200, not counted, not logged,
// so it leaves --strict green. Before, it was an auth failure (an unknown route with the key),
// and a job waiting on the fake with wait-on exited 3.
func TestFakeProcessHealthCheckByHEAD(t *testing.T) {
	p := startFakeProcess(t, nil, "--strict")
	for _, key := range []string{"", p.key} {
		if status, _ := p.send(t, key, "HEAD", "/__clienttest/health", ""); status != 200 {
			t.Fatalf("HEAD /__clienttest/health with key %q: %d, want 200", key, status)
		}
	}
	if code := p.stop(t); code != exitOK {
		t.Fatalf("exit %d, want 0: HEAD health checks failed a --strict job\n%s", code, p.stderr)
	}
	if strings.Contains(p.stderr.String(), "/__clienttest/health") {
		t.Fatalf("a health check was logged:\n%s", p.stderr)
	}
}

// TestFakeProcessSummaryAgreesWithTheControlAPI: the exit summary's counts are the control
// API's, under the same words, whatever else was sent: control calls, ticket GETs, requests
// without the key, unknown routes.
func TestFakeProcessSummaryAgreesWithTheControlAPI(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.json")
	p := startFakeProcess(t, nil, "--summary-json", path)
	var tok struct{ ID, URL string }
	_, body := p.send(t, p.key, "POST", "/v1/sign_in_tokens", `{"user_id":"user_a"}`)
	json.Unmarshal([]byte(body), &tok)
	p.send(t, p.key, "POST", "/v1/sign_in_tokens/"+tok.ID+"/revoke", "")
	p.send(t, p.key, "POST", "/v1/sign_in_tokens", `{"user_id":""}`)
	_, body = p.send(t, p.key, "POST", "/v1/sign_in_tokens", `{"user_id":"user_b"}`)
	json.Unmarshal([]byte(body), &tok)
	if resp, err := http.Get(tok.URL); err == nil { // the user follows the sign-in URL
		resp.Body.Close()
	}
	p.send(t, "", "POST", "/v1/sign_in_tokens", `{"user_id":"user_a"}`)
	p.send(t, p.key, "GET", "/v1/users", "")
	p.send(t, p.key, "GET", "/__clienttest/tokens", "")
	p.send(t, "", "GET", "/__clienttest/health", "")
	var control struct {
		Total  int
		Counts clienttest.Counts
	}
	status, body := p.send(t, p.key, "GET", "/__clienttest/requests", "")
	if err := json.Unmarshal([]byte(body), &control); err != nil || status != 200 {
		t.Fatalf("GET /__clienttest/requests: %d %s", status, body)
	}
	want := clienttest.Counts{Requests: 4, UnexpectedViolations: 1, AuthFailures: 1, UnknownRoutes: 1}
	if control.Counts != want || control.Total != want.Requests {
		t.Fatalf("control API: total %d, counts %+v; want %+v", control.Total, control.Counts, want)
	}
	if code := p.stop(t); code != exitViolations {
		t.Fatalf("exit %d\n%s", code, p.stderr)
	}
	if s := readSummaryFile(t, path); s.Counts != control.Counts {
		t.Fatalf("--summary-json counts %+v; the control API said %+v", s.Counts, control.Counts)
	}
	// The text names each count by its JSON name, with spaces.
	line := "4 requests, 1 unexpected violation, 0 expected violations, 0 unmet expectations, 1 auth failure, 1 unknown route, 0 fake errors; exit 3"
	if !strings.Contains(p.stderr.String(), "signintoken fake: "+line) {
		t.Fatalf("stderr lacks %q:\n%s", line, p.stderr)
	}
}

// TestSummaryWordsAreTheControlAPIs: every count the control API names is printed by its
// name, and nothing else is.
func TestSummaryWordsAreTheControlAPIs(t *testing.T) {
	data, _ := json.Marshal(clienttest.Counts{})
	var names map[string]int
	json.Unmarshal(data, &names)
	words := countWords(clienttest.Counts{})
	if len(words) != len(names) {
		t.Fatalf("the summary prints %d counts, the control API has %d", len(words), len(names))
	}
	for _, w := range words {
		if _, ok := names[strings.ReplaceAll(w.noun, " ", "_")+"s"]; !ok {
			t.Errorf("the summary says %q, which no count of the control API is called (%v)", w.noun, names)
		}
	}
}

// TestFakeProcessExpectedViolationsAreReportedApart: a test in another language marks the bad
// requests it sends on purpose; they are listed as expected and the job stays green, while an
// unexpected one still turns it red.
func TestFakeProcessExpectedViolationsAreReportedApart(t *testing.T) {
	for _, extra := range []bool{false, true} {
		t.Run(fmt.Sprintf("unexpected=%v", extra), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "summary.json")
			p := startFakeProcess(t, nil, "--summary-json", path)
			if status, body := p.send(t, p.key, "POST", "/__clienttest/expectations", `{"count":2,"kind":"form_param_missing"}`); status != 204 {
				t.Fatalf("expectations: %d %s", status, body)
			}
			p.send(t, p.key, "POST", "/v1/sign_in_tokens", `{"user_id":""}`)
			p.send(t, p.key, "POST", "/v1/sign_in_tokens", `{"expires_in_seconds":60}`)
			if extra {
				p.send(t, p.key, "POST", "/v1/sign_in_tokens", `{"user_id":""}`) // a third: not expected
			}
			want := exitOK
			if extra {
				want = exitViolations
			}
			if code := p.stop(t); code != want {
				t.Fatalf("exit %d, want %d\n%s", code, want, p.stderr)
			}
			s := readSummaryFile(t, path)
			if s.Counts.ExpectedViolations != 2 || len(s.Violations) < 2 || !s.Violations[0].Expected || s.Violations[0].Kind != "form_param_missing" {
				t.Fatalf("summary %+v", s)
			}
			if got := strings.Count(p.stderr.String(), `msg="expected violation" kind=form_param_missing`); got != 2 {
				t.Fatalf("%d expected violations logged, want 2:\n%s", got, p.stderr)
			}
			if extra && (s.Counts.UnexpectedViolations != 1 || !strings.Contains(p.stderr.String(), "  - unexpected violation (form_param_missing)")) {
				t.Fatalf("the unexpected violation is not reported: %+v\n%s", s, p.stderr)
			}
		})
	}
}

// TestFakeProcessUnmetExpectationsAreShown: a job that marks a violation as expected and never
// sends it sees that in the control API's counts, the summary and --summary-json; it stays
// green by default (one not met is not an error) and turns red with --strict. Before, the
// expectation stayed queued unseen and the job passed.
func TestFakeProcessUnmetExpectationsAreShown(t *testing.T) {
	withAndWithoutStrict(t, func(t *testing.T, p *fakeProc, path string, want int) {
		if status, body := p.send(t, p.key, "POST", "/__clienttest/expectations", `{"count":2,"kind":"form_param_missing"}`); status != 204 {
			t.Fatalf("expectations: %d %s", status, body)
		}
		p.send(t, p.key, "POST", "/v1/sign_in_tokens", `{"user_id":""}`) // one of the two
		var control struct{ Counts clienttest.Counts }
		if _, body := p.send(t, p.key, "GET", "/__clienttest/requests", ""); json.Unmarshal([]byte(body), &control) != nil || control.Counts.UnmetExpectations != 1 {
			t.Fatalf("GET /__clienttest/requests: %s; want counts.unmet_expectations 1", body)
		}
		if code := p.stop(t); code != want {
			t.Fatalf("exit %d, want %d\n%s", code, want, p.stderr)
		}
		if s := readSummaryFile(t, path); s.Counts != (clienttest.Counts{Requests: 1, ExpectedViolations: 1, UnmetExpectations: 1}) || s.ExitCode != want {
			t.Fatalf("--summary-json %+v; want 1 unmet expectation, exit %d", s, want)
		}
		if line := fmt.Sprintf("1 expected violation, 1 unmet expectation, 0 auth failures, 0 unknown routes, 0 fake errors; exit %d", want); !strings.Contains(p.stderr.String(), line) {
			t.Fatalf("stderr lacks %q:\n%s", line, p.stderr)
		}
	})
}

// TestFakeProcessFakeErrorExitsFour: an answer of the fake's own that fails its contract check
// (here, a fault queued with a status the operation declares and a body it does not) is a fake
// error: logged, listed, exit 4 whatever --fail-on-violation says.
func TestFakeProcessFakeErrorExitsFour(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.json")
	p := startFakeProcess(t, nil, "--summary-json", path, "--fail-on-violation=false")
	p.send(t, p.key, "POST", "/__clienttest/faults", `{"kind":"fail","status":200}`)
	p.send(t, p.key, "POST", "/v1/sign_in_tokens", `{"user_id":"user_a"}`)
	if code := p.stop(t); code != exitFakeError {
		t.Fatalf("exit %d, want %d\n%s", code, exitFakeError, p.stderr)
	}
	s := readSummaryFile(t, path)
	if s.Counts.FakeErrors != 1 || len(s.FakeErrors) != 1 || s.ExitCode != exitFakeError || !strings.Contains(p.stderr.String(), `level=ERROR msg="fake error"`) {
		t.Fatalf("summary %+v\n%s", s, p.stderr)
	}
	if text := p.stderr.String(); !strings.Contains(text, "  - fake error: the fake's own") || strings.Contains(text, "fake error: fake error") {
		t.Fatalf("the summary's fake-error line should say it once:\n%s", text)
	}
}

// TestFakeProcessServesAKeyHolderPastIdleAndSlowConnections: another process holds 1,000
// connections to the fake, idle, sending their headers one byte a second, or sending whole
// headers (without the key) and then their body one byte a second, to the API or to the
// health check; a client with the key is still answered within a second. (Before, 128 such
// connections held every slot and a Create waited for one to time out; slow bodies held theirs
// for the 30 s read timeout, as the fake read them before answering 401.)
func TestFakeProcessServesAKeyHolderPastIdleAndSlowConnections(t *testing.T) {
	slowBody := "\r\nContent-Length: 1000\r\n\r\n|" + strings.Repeat(" ", 100) // whole headers; then a byte a second
	for _, tc := range []struct {
		name    string
		args    []string
		slow    bool
		request string // what a slow one sends, a byte a second after what it sends at once
	}{
		{"idle", []string{"--max-conns", "128"}, false, ""},
		{"slow", []string{"--max-conns", "128"}, true, "|POST /v1/sign_in_tokens HTTP/1.1\r\nHost: x\r\n"},
		{"slow body", []string{"--max-conns", "128"}, true, "POST /v1/sign_in_tokens HTTP/1.1\r\nHost: x" + slowBody},
		{"slow body to the health check", []string{"--max-conns", "128"}, true, "GET /__clienttest/health HTTP/1.1\r\nHost: x" + slowBody},
		// The sign-in URL needs no key and keeps its connection open (a browser's): answered,
		// then held idle for the 60 s idle timeout, renewably.
		{"idle after following a sign-in URL", []string{"--max-conns", "128"}, true, "GET /v1/tickets/accept?ticket=x HTTP/1.1\r\nHost: x\r\n\r\n|"},
		{"idle, default cap", nil, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startFakeProcess(t, nil, tc.args...)
			addr := strings.TrimPrefix(p.origin, "http://")
			stop := make(chan struct{})
			var held, sentAByte sync.WaitGroup
			for range 1000 {
				c, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				held.Add(1)
				if tc.slow {
					sentAByte.Add(1)
				}
				go func() {
					defer held.Done()
					defer c.Close()
					if !tc.slow {
						<-stop
						return
					}
					tick := time.NewTicker(time.Second)
					defer tick.Stop()
					atOnce, slowly, _ := strings.Cut(tc.request, "|")
					if _, err := io.WriteString(c, atOnce); err != nil {
						sentAByte.Done()
						return
					}
					if slowly == "" { // a whole request: read its answer, then hold the connection idle
						c.SetReadDeadline(time.Now().Add(10 * time.Second))
						if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
							resp.Body.Close()
						}
						sentAByte.Done()
						<-stop
						return
					}
					for i, b := range []byte(slowly) {
						_, err := c.Write([]byte{b})
						if i == 0 {
							sentAByte.Done()
						}
						if err != nil {
							return
						}
						select {
						case <-tick.C:
						case <-stop:
							return
						}
					}
				}()
			}
			defer func() { close(stop); held.Wait() }()
			sentAByte.Wait() // each slow one has begun its request
			start := time.Now()
			status, body := p.send(t, p.key, "POST", "/v1/sign_in_tokens", `{"user_id":"user_a"}`)
			took := time.Since(start)
			if status != 200 {
				t.Fatalf("create: %d %s", status, body)
			}
			t.Logf("a Create past 1,000 %s connections took %v", tc.name, took)
			if took > time.Second {
				t.Fatalf("a Create past 1,000 %s connections took %v, want under 1 s", tc.name, took)
			}
		})
	}
}

// TestFakeProcessLogFieldsAreBounded: a 60 KB method, a 30 KB path and a 30 KB header value
// are each written to the log bounded (and escaped by the log's quoting), never whole.
func TestFakeProcessLogFieldsAreBounded(t *testing.T) {
	p := startFakeProcess(t, nil, "--fail-on-violation=false")
	addr := strings.TrimPrefix(p.origin, "http://")
	raw := func(request string) {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, request)
		http.ReadResponse(bufio.NewReader(c), nil)
	}
	long := strings.Repeat("A", 60<<10)
	raw(long + " /v1/sign_in_tokens HTTP/1.1\r\nHost: x\r\n\r\n")
	raw("GET /v1/" + strings.Repeat("a/", 15<<10) + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + p.key + "\r\n\r\n")
	raw("POST /v1/sign_in_tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + p.key + "\r\nContent-Type: text/" +
		strings.Repeat("\xff", 30<<10) + "\r\nContent-Length: 2\r\n\r\n{}")
	p.stop(t)
	if !strings.Contains(p.stderr.String(), `msg="unexpected violation" kind=request_body_invalid`) {
		t.Fatalf("the request with a 30 KB Content-Type did not reach the fake:\n%.3000s", p.stderr)
	}
	lines := strings.Split(p.stderr.String(), "\n")
	if len(lines) < 8 {
		t.Fatalf("the three requests were not logged:\n%s", p.stderr)
	}
	for _, line := range lines {
		if len(line) > 4<<10 || strings.Contains(line, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") || strings.IndexByte(line, 0x1b) >= 0 || strings.IndexByte(line, 0xff) >= 0 {
			t.Fatalf("a log line of %d bytes, or a field written whole or raw: %.300q", len(line), line)
		}
	}
}

// TestFakeProcessKeyFromTheEnvironmentOrAFile: the key can stay out of /proc/PID/cmdline, and
// a neighbour who can connect but has no key can change nothing and read nothing secret.
func TestFakeProcessKeyFromTheEnvironmentOrAFile(t *testing.T) {
	const key = "sk_test_fromTheEnvironment"
	p := startFakeProcess(t, []string{fakeKeyEnv + "=" + key})
	if p.key != key {
		t.Fatalf("the fake printed key %q, want the one from %s", p.key, fakeKeyEnv)
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p.cmd.Process.Pid))
	if err == nil && strings.Contains(string(cmdline), key) {
		t.Fatal("the key is on the command line")
	}
	p.send(t, p.key, "POST", "/v1/sign_in_tokens", `{"user_id":""}`) // a violation the job must not lose
	for _, op := range [][3]string{{"POST", "/__clienttest/reset", ""}, {"POST", "/__clienttest/faults", `{"kind":"drop"}`},
		{"POST", "/__clienttest/expectations", `{"count":1}`}, {"GET", "/__clienttest/requests", ""}, {"GET", "/__clienttest/tokens", ""},
		{"GET", "/__clienttest/violations", ""}, {"POST", "/__clienttest/tokens/sit_1/accept", ""}} {
		for _, wrong := range []string{"", "sk_test_guess"} {
			if status, _ := p.send(t, wrong, op[0], op[1], op[2]); status != 401 {
				t.Fatalf("%s %s with key %q: %d, want 401", op[0], op[1], wrong, status)
			}
		}
	}
	// Even with the key, a reset forgets the state, not the verdict.
	if status, _ := p.send(t, p.key, "POST", "/__clienttest/reset", ""); status != 204 {
		t.Fatalf("reset with the key: %d", status)
	}
	if code := p.stop(t); code != exitViolations {
		t.Fatalf("exit %d: a neighbour, or a reset, turned the job green\n%s", code, p.stderr)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "key")
	os.WriteFile(file, []byte("sk_test_fromAFile\n"), 0o600)
	if p := startFakeProcess(t, nil, "--key-file", file); p.key != "sk_test_fromAFile" {
		t.Fatalf("--key-file: the fake printed key %q", p.key)
	}
	os.Chmod(file, 0o644)
	cmd := refusedAtStart(t, "--key-file", file)
	out, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != exitUsage || !strings.Contains(string(out), "chmod 600") || strings.Contains(string(out), "fromAFile") {
		t.Fatalf("a key file others can read: exit %d, %s", cmd.ProcessState.ExitCode(), out)
	}
}

// TestFakeProcessKeyFileThatIsAFIFO: a --key-file that is a FIFO (the wrong path, or one a
// neighbour planted where the key file was to be written) is refused at once, as any file
// that is not a regular one is. Before, the fake waited in open(2) for a writer: a CI job hung
// until its own timeout, without a line saying why.
func TestFakeProcessKeyFileThatIsAFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "key")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := refusedAtStart(t, "--key-file", fifo)
	out, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != exitUsage || !strings.Contains(string(out), "not a regular file") {
		t.Fatalf("--key-file FIFO: exit %d (-1: killed after 30 s), %s", cmd.ProcessState.ExitCode(), out)
	}
}

// TestFakeProcessSummaryJSONIsNotTheKeyFile: --summary-json naming the key file (by its path,
// or through a symlink) is refused at start. Before, the fake replaced the key with its summary
// at exit, and the job's key was gone.
func TestFakeProcessSummaryJSONIsNotTheKeyFile(t *testing.T) {
	dir := t.TempDir()
	keyFile, link := filepath.Join(dir, "key"), filepath.Join(dir, "summary.json")
	os.WriteFile(keyFile, []byte("sk_test_keepMe\n"), 0o600)
	os.Symlink(keyFile, link)
	for _, summary := range []string{keyFile, link} {
		cmd := refusedAtStart(t, "--key-file", keyFile, "--summary-json", summary)
		out, _ := cmd.CombinedOutput()
		if data, _ := os.ReadFile(keyFile); string(data) != "sk_test_keepMe\n" {
			t.Fatalf("--summary-json %s replaced the key file: %q", summary, data)
		}
		if cmd.ProcessState.ExitCode() != exitUsage || !strings.Contains(string(out), "key file") {
			t.Fatalf("--summary-json %s, the key file: exit %d (-1: killed after 30 s), %s", summary, cmd.ProcessState.ExitCode(), out)
		}
	}
}

// TestFakeProcessSummaryJSONKeepsSymlinksAndOthersFiles: --summary-json writes into a FIFO and
// through a symlink (the symlink stays one: /dev/stdout, run as root, is not replaced by a
// file), and replaces only a regular file this user owns.
func TestFakeProcessSummaryJSONKeepsSymlinksAndOthersFiles(t *testing.T) {
	stopped := func(t *testing.T, args ...string) *fakeProc {
		p := startFakeProcess(t, nil, args...)
		if code := p.stop(t); code != exitOK {
			t.Fatalf("exit %d\n%s", code, p.stderr)
		}
		return p
	}
	t.Run("/dev/stdout", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("only root can replace /dev/stdout")
		}
		if os.Getenv("SIGNINTOKEN_TEST_BINARY") != "" {
			t.Skip("another build could replace this machine's /dev/stdout")
		}
		before, err := os.Lstat("/dev/stdout")
		if err != nil || before.Mode()&os.ModeSymlink == 0 {
			t.Skip("/dev/stdout is not a symlink here")
		}
		p := stopped(t, "--summary-json", "/dev/stdout")
		if fi, err := os.Lstat("/dev/stdout"); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("/dev/stdout is no longer a symlink: %v %v", fi.Mode(), err)
		}
		if s := readSummaryJSON(t, []byte(p.stdout.String())); s.ExitCode != 0 {
			t.Fatalf("summary on stdout: %+v", s)
		}
	})
	t.Run("symlink to a file", func(t *testing.T) {
		dir := t.TempDir()
		target, link := filepath.Join(dir, "real.json"), filepath.Join(dir, "summary.json")
		os.WriteFile(target, []byte("old"), 0o600)
		os.Symlink(target, link)
		stopped(t, "--summary-json", link)
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("the symlink was replaced: %v %v", fi.Mode(), err)
		}
		readSummaryFile(t, target)
	})
	t.Run("FIFO", func(t *testing.T) {
		fifo := filepath.Join(t.TempDir(), "summary.fifo")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		// Read-write: the reader is there before the fake starts (it opens the FIFO without
		// waiting for one), and sees no end of file; it reads one JSON value.
		f, err := os.OpenFile(fifo, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		read := make(chan []byte, 1)
		go func() {
			var raw json.RawMessage
			json.NewDecoder(f).Decode(&raw)
			read <- raw
		}()
		p := startFakeProcess(t, nil, "--summary-json", fifo)
		if code := p.stop(t); code != exitOK {
			t.Fatalf("exit %d\n%s", code, p.stderr)
		}
		select {
		case data := <-read:
			readSummaryJSON(t, data)
		case <-time.After(10 * time.Second):
			t.Fatal("nothing was written into the FIFO")
		}
		if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
			t.Fatalf("the FIFO was replaced: %v", err)
		}
	})
	t.Run("a symlink another user planted", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to make a symlink another user owns")
		}
		// A directory others can write (a shared /tmp, where the kernel's protected_symlinks
		// is off, as on this machine and in many containers, or a group-writable one): while the
		// fake runs, a neighbour puts a symlink to one of this user's files where the summary
		// is to go. The fake must not write through it.
		dir := t.TempDir()
		os.Chmod(dir, 0o1777)
		precious := filepath.Join(t.TempDir(), "precious")
		os.WriteFile(precious, []byte("mine"), 0o600)
		path := filepath.Join(dir, "summary.json")
		p := startFakeProcess(t, nil, "--summary-json", path)
		if err := os.Symlink(precious, path); err != nil {
			t.Fatal(err)
		}
		if err := os.Lchown(path, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		code := p.stop(t)
		if data, _ := os.ReadFile(precious); string(data) != "mine" {
			t.Fatalf("the fake wrote its summary through another user's symlink into %s (exit %d):\n%s", precious, code, data)
		}
		if code != exitError || !strings.Contains(p.stderr.String(), "another user") {
			t.Fatalf("exit %d, want %d with a line saying why\n%s", code, exitError, p.stderr)
		}
	})
	t.Run("another user's file", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a file to another user")
		}
		dir := t.TempDir()
		theirs := filepath.Join(dir, "theirs.json")
		os.WriteFile(theirs, []byte("theirs"), 0o644)
		os.Chown(theirs, 65534, 65534)
		cmd := refusedAtStart(t, "--summary-json", theirs)
		out, _ := cmd.CombinedOutput()
		if cmd.ProcessState.ExitCode() != exitUsage || !strings.Contains(string(out), "another user owns") {
			t.Fatalf("exit %d: %s", cmd.ProcessState.ExitCode(), out)
		}
		if data, _ := os.ReadFile(theirs); string(data) != "theirs" {
			t.Fatal("another user's file was replaced")
		}
	})
}

// refusedAtStart is the fake command with args, for a test that expects it to refuse them and
// exit at once: a build that starts serving instead is killed after 30 s, not waited for.
func refusedAtStart(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return exec.CommandContext(ctx, buildCommand(t), append([]string{"fake", "--addr", "127.0.0.1:0"}, args...)...)
}
