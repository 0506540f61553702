package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
)

// runningFake is `signintoken fake` run in process, as far as its two printed lines.
type runningFake struct {
	origin, key string
	stderr      *syncBuffer
	cancel      context.CancelFunc
	done        chan int
}

// startFake runs the fake command with args (plus --addr 127.0.0.1:0) and reads its two
// lines. The fake is stopped when the test ends, if the test has not stopped it.
func startFake(t *testing.T, args ...string) *runningFake {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	f := &runningFake{stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() {
		f.done <- run(ctx, append([]string{"fake", "--addr", "127.0.0.1:0"}, args...), func(string) string { return "" }, outW, f.stderr)
		outW.Close()
	}()
	vars := readPrintedLines(outR)
	f.origin, f.key = vars["CLERK_API_URL"], vars["CLERK_SECRET_KEY"]
	if f.origin == "" || f.key == "" {
		cancel()
		t.Fatalf("fake printed %v; stderr:\n%s", vars, f.stderr.String())
	}
	t.Cleanup(func() { f.stop(t) })
	return f
}

// readPrintedLines reads the fake's two NAME=value lines from its stdout, then drains the rest.
func readPrintedLines(stdout io.Reader) map[string]string {
	vars := map[string]string{}
	lines := bufio.NewScanner(stdout)
	for len(vars) < 2 && lines.Scan() {
		k, v, _ := strings.Cut(lines.Text(), "=")
		vars[k] = v
	}
	go io.Copy(io.Discard, stdout)
	return vars
}

// stop is SIGTERM: it returns the exit status.
func (f *runningFake) stop(t *testing.T) int {
	t.Helper()
	f.cancel()
	select {
	case code := <-f.done:
		f.done <- code // for the cleanup's call
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("fake did not stop within 10s of being cancelled")
		return -1
	}
}

// call sends one request to the fake's API with key (none when empty).
func (f *runningFake) call(t *testing.T, key, method, path, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, f.origin+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestFakeServesUntilCancelled runs `signintoken fake` as another language's CI would: read
// the two lines it prints, call the API, then stop it.
func TestFakeServesUntilCancelled(t *testing.T) {
	f := startFake(t, "--users", "user_ci")
	if u, err := url.Parse(f.origin); err != nil || u.Path != "" || u.Scheme != "http" || !strings.HasPrefix(f.key, "sk_test_") {
		t.Fatalf("fake printed %q and %q; want CLERK_API_URL=http://host:port (an origin, as Clerk's SDKs take it) and CLERK_SECRET_KEY=sk_test_…", f.origin, f.key)
	}
	c, err := api.NewClient(f.key, api.WithBaseURL(f.origin)) // the origin, as printed
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Create(context.Background(), api.CreateParams{UserID: "user_ci"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(context.Background(), api.CreateParams{UserID: "user_other"}); err == nil {
		t.Fatal("--users did not limit the users")
	}
	if resp := f.call(t, "", "POST", "/v1/sign_in_tokens", `{"user_id":"user_ci"}`); resp.StatusCode != 401 {
		t.Fatalf("a request without a key got %d, want 401", resp.StatusCode)
	}

	if code := f.stop(t); code != exitOK { // SIGINT or SIGTERM, in main
		t.Fatalf("fake exited %d after a request without a key (an auth failure, not a violation), want 0: %s", code, f.stderr)
	}
	log := f.stderr.String()
	for _, want := range []string{`msg="auth failure" kind=no_key`, "no Authorization header", "path=/v1/sign_in_tokens", "status=200", "stopped",
		"2 requests, 0 unexpected violations, 0 expected violations, 0 unmet expectations, 1 auth failure, 0 unknown routes, 0 fake errors; exit 0\n"} {
		if !strings.Contains(log, want) {
			t.Errorf("stderr lacks %q:\n%s", want, log)
		}
	}
	if jwt, _ := credentials(tok); strings.Contains(log, jwt) || strings.Contains(log, f.key) {
		t.Errorf("stderr carries a credential:\n%s", log)
	}
}

func TestFakeExitsZeroWithoutViolations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.json")
	f := startFake(t, "--summary-json", path)
	if resp := f.call(t, f.key, "POST", "/v1/sign_in_tokens", `{"user_id":"user_a"}`); resp.StatusCode != 200 {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	if resp := f.call(t, f.key, "POST", "/v1/sign_in_tokens/sit_unknown/revoke", ``); resp.StatusCode != 404 {
		t.Fatalf("revoke unknown: %d", resp.StatusCode)
	}
	if code := f.stop(t); code != exitOK {
		t.Fatalf("exit %d, want 0\n%s", code, f.stderr)
	}
	if s := readSummaryFile(t, path); s.Counts != (clienttest.Counts{Requests: 2}) || len(s.Violations) != 0 || s.ExitCode != 0 {
		t.Fatalf("summary %+v, want 2 requests and no violations", s)
	}
	if !strings.Contains(f.stderr.String(), "signintoken fake: 2 requests, 0 unexpected violations") {
		t.Fatalf("stderr lacks the summary:\n%s", f.stderr)
	}
}

func TestFakeExitsThreeOnAViolationWithASummary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.json")
	f := startFake(t, "--summary-json", path)
	f.call(t, f.key, "POST", "/v1/sign_in_tokens", `{"user_id":"user_a","expires_in_seconds":"soon","note":"SECRETVALUE"}`)
	if code := f.stop(t); code != exitViolations {
		t.Fatalf("exit %d, want %d\n%s", code, exitViolations, f.stderr)
	}
	s := readSummaryFile(t, path)
	if s.Counts.UnexpectedViolations != 1 || len(s.Violations) != 1 || !strings.Contains(s.Violations[0].Message, "expires_in_seconds") ||
		s.Violations[0].Kind != "form_param_value_invalid" || s.Violations[0].Expected || s.ExitCode != exitViolations {
		t.Fatalf("summary %+v, want the one violation naming expires_in_seconds", s)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data)+f.stderr.String(), "SECRETVALUE") || strings.Contains(string(data)+f.stderr.String(), f.key) {
		t.Fatalf("the summary quotes a value sent:\n%s\n%s", data, f.stderr)
	}
}

func TestFakeFailOnViolationOff(t *testing.T) {
	f := startFake(t, "--fail-on-violation=false")
	f.call(t, f.key, "POST", "/v1/sign_in_tokens", `{"user_id":""}`)
	if code := f.stop(t); code != exitOK {
		t.Fatalf("exit %d, want 0 with --fail-on-violation=false\n%s", code, f.stderr)
	}
	if !strings.Contains(f.stderr.String(), "1 unexpected violation,") {
		t.Fatalf("the summary is still due:\n%s", f.stderr)
	}
}

func TestFakeUsersAreTrimmed(t *testing.T) {
	f := startFake(t, "--users", " user_a ,user_b, ,")
	for user, want := range map[string]int{"user_a": 200, "user_b": 200, "user_c": 404} {
		if resp := f.call(t, f.key, "POST", "/v1/sign_in_tokens", fmt.Sprintf(`{"user_id":%q}`, user)); resp.StatusCode != want {
			t.Errorf("create for %s: %d, want %d", user, resp.StatusCode, want)
		}
	}
}

func TestFakeRateLimitFlag(t *testing.T) {
	f := startFake(t, "--rate-limit", "2/1m")
	for i := range 2 {
		if resp := f.call(t, f.key, "POST", "/v1/sign_in_tokens", `{"user_id":"user_a"}`); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d, want 200", i+1, resp.StatusCode)
		}
	}
	resp := f.call(t, f.key, "POST", "/v1/sign_in_tokens", `{"user_id":"user_a"}`)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third request in the minute: %d, Retry-After %q; want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if code := f.stop(t); code != exitOK {
		t.Fatalf("a 429 is the fake's answer, not a violation: exit %d\n%s", code, f.stderr)
	}
}

func TestRateLimitFlagParsing(t *testing.T) {
	for in, want := range map[string]rateLimit{"100/10s": {100, 10 * time.Second}, "1000/10s": {1000, 10 * time.Second}, "1/1m": {1, time.Minute}} {
		var got rateLimit
		if err := got.Set(in); err != nil || got != want {
			t.Errorf("%q: %v, %v; want %v", in, got, err, want)
		}
		if got.String() != fmt.Sprintf("%d/%s", want.n, want.window) {
			t.Errorf("%q prints as %q", in, got.String())
		}
	}
	for _, in := range []string{"", "100", "100/", "/10s", "0/10s", "-1/10s", "1.5/10s", "100/10", "100/0s", "100/-1s", "100/soon"} {
		var got rateLimit
		if err := got.Set(in); err == nil {
			t.Errorf("%q accepted as %v", in, got)
		}
	}
}

// TestSummaryIsBounded: the summary lists the most recent violations, and says how many
// earlier ones it leaves out; all are counted.
func TestSummaryIsBounded(t *testing.T) {
	h, err := clienttest.NewHandler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for range 150 {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/sign_in_tokens", strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+h.SecretKey())
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	s := summarize(h, exitViolations)
	if s.Counts.UnexpectedViolations != 150 || len(s.Violations) != maxListed {
		t.Fatalf("counted %d, listed %d; want 150 counted, %d listed", s.Counts.UnexpectedViolations, len(s.Violations), maxListed)
	}
	var out strings.Builder
	s.writeText(&out)
	if !strings.Contains(out.String(), "… and 50 earlier violations") {
		t.Fatalf("text summary does not say how many are not listed:\n%s", out.String())
	}
}

// control calls the fake's control API and decodes its JSON answer into out (when not nil).
func (f *runningFake) control(t *testing.T, method, path, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, f.origin+"/__clienttest/"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+f.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

// The control API reaches the process's own fake, through the fake's server and its request log.
func TestFakeServesTheControlAPI(t *testing.T) {
	f := startFake(t, "--history", "2", "--token-limit", "1")
	if status := f.control(t, "POST", "faults", `{"kind":"fail","status":429,"retry_after_seconds":7}`, nil); status != http.StatusNoContent {
		t.Fatalf("queue a fault: %d", status)
	}
	if resp := f.call(t, f.key, "POST", "/v1/sign_in_tokens", `{"user_id":"user_a"}`); resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" {
		t.Fatalf("after a queued 429: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if status := f.control(t, "POST", "faults", `{"kind":"drop"}`, nil); status != http.StatusNoContent {
		t.Fatalf("queue a drop: %d", status)
	}
	req, _ := http.NewRequest("POST", f.origin+"/v1/sign_in_tokens", strings.NewReader(`{"user_id":"user_a"}`))
	req.Header.Set("Authorization", "Bearer "+f.key)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("a dropped request got %d", resp.StatusCode)
	}

	// --token-limit 1: revoked tokens are evicted as more are minted.
	var tok struct{ ID string }
	for range 5 {
		req, _ := http.NewRequest("POST", f.origin+"/v1/sign_in_tokens", strings.NewReader(`{"user_id":"user_a"}`))
		req.Header.Set("Authorization", "Bearer "+f.key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		f.call(t, f.key, "POST", "/v1/sign_in_tokens/"+tok.ID+"/revoke", "")
	}
	var tokens struct{ Tokens []struct{ ID string } }
	f.control(t, "GET", "tokens", "", &tokens)
	if len(tokens.Tokens) > 2 || tokens.Tokens[len(tokens.Tokens)-1].ID != tok.ID {
		t.Errorf("--token-limit 1 kept %+v of 5 revoked tokens, want at most 2, the last %s among them", tokens.Tokens, tok.ID)
	}
	// --history 2: the two most recent requests are kept, all are counted.
	var reqs struct {
		Requests []struct{ Path string }
		Total    int
	}
	f.control(t, "GET", "requests", "", &reqs)
	if len(reqs.Requests) != 2 || reqs.Total != 12 {
		t.Errorf("--history 2 kept %d of %d requests, want 2 of 12", len(reqs.Requests), reqs.Total)
	}
	if code := f.stop(t); code != exitOK {
		t.Fatalf("exit %d\n%s", code, f.stderr)
	}
	// Each request is logged, the dropped one too (the README says so).
	if logged := strings.Count(f.stderr.String(), "msg=request "); logged != reqs.Total+4 || !strings.Contains(f.stderr.String(), "status=dropped") {
		t.Errorf("%d request lines for %d requests to the API and 4 to the control API, or no status=dropped:\n%s", logged, reqs.Total, f.stderr)
	}
}

// TestFakeStopReleasesAnswersWaitingOutALatency: at SIGTERM the fake lets answers held by a
// latency go (Handler.Close) before its server's Shutdown, which waits for active requests (5 s
// at most, and then the process exits): the caller gets its answer, not a dropped connection.
func TestFakeStopReleasesAnswersWaitingOutALatency(t *testing.T) {
	f := startFake(t)
	if status := f.control(t, "POST", "faults", `{"kind":"latency","latency_ms":3600000}`, nil); status != http.StatusNoContent {
		t.Fatalf("set an hour's latency: %d", status)
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(f.origin, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"user_id":"user_a"}`
	fmt.Fprintf(conn, "POST /v1/sign_in_tokens HTTP/1.1\r\nHost: fake\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", f.key, len(body))
	conn.SetReadDeadline(time.Now().Add(10 * time.Second)) // a guard: each read below has been sent
	r := bufio.NewReader(conn)
	// 100 Continue: the handler has started; it reads the body, then waits out the latency.
	if line, err := r.ReadString('\n'); err != nil || !strings.Contains(line, "100") {
		t.Fatalf("read %q, %v; want 100 Continue", line, err)
	}
	r.ReadString('\n')
	fmt.Fprint(conn, body)
	if code := f.stop(t); code != exitOK {
		t.Fatalf("exit %d\n%s", code, f.stderr)
	}
	// Answered before the server stopped, not after (in process, a late answer would still
	// come; from the binary, which exits, never).
	log := f.stderr.String()
	answered, stopped := strings.Index(log, "path=/v1/sign_in_tokens status=200"), strings.Index(log, "fake Clerk API stopped")
	if answered < 0 || stopped < 0 || answered > stopped {
		t.Fatalf("the request waiting out the latency was not answered before the fake stopped:\n%s", log)
	}
	if resp, err := http.ReadResponse(r, nil); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the request waiting out the latency: %v, %v; want its answer", resp, err)
	}
}

// TestFakeResetKeepsTheVerdict: a reset (a suite's beforeEach, or a neighbour with the key)
// cannot erase a violation; a test that provokes one on purpose marks it expected instead.
func TestFakeResetKeepsTheVerdict(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.json")
	f := startFake(t, "--summary-json", path)
	if status := f.control(t, "POST", "expectations", `{"count":1,"kind":"form_param_missing"}`, nil); status != http.StatusNoContent {
		t.Fatalf("expectations: %d", status)
	}
	f.call(t, f.key, "POST", "/v1/sign_in_tokens", `{"user_id":""}`)                              // expected
	f.call(t, f.key, "POST", "/v1/sign_in_tokens", `{"user_id":"user_a","expires_in_seconds":0}`) // not
	if status := f.control(t, "POST", "reset", "", nil); status != http.StatusNoContent {
		t.Fatalf("reset: %d", status)
	}
	if code := f.stop(t); code != exitViolations {
		t.Fatalf("exit %d after an unexpected violation and a reset, want %d\n%s", code, exitViolations, f.stderr)
	}
	s := readSummaryFile(t, path)
	if s.Counts.UnexpectedViolations != 1 || s.Counts.ExpectedViolations != 1 || len(s.Violations) != 2 || !s.Violations[0].Expected {
		t.Fatalf("summary %+v", s)
	}
}

// Each of these is refused before the fake listens. The context is already cancelled, so a
// check that lets the command through makes it start and stop at once, exit 0, and fail here.
func TestFakeUsageErrorsExitTwo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, tc := range map[string]struct {
		args []string
		says string
	}{
		"live key":            {[]string{"--key", "sk_live_SECRETISH"}, "a live sk_live_ key never belongs in a fake"},
		"publishable key":     {[]string{"--key", "pk_test_SECRETISH"}, "--key: clienttest: WithSecretKey: want a development key"},
		"key with space":      {[]string{"--key", "sk_test_SECRETISH x"}, "--key: clienttest: WithSecretKey: want a development key"},
		"port alone":          {[]string{"--addr", "8080"}, `--addr: "8080" is not host:port`},
		"named port":          {[]string{"--addr", "127.0.0.1:http"}, `port "http"`},
		"port too big":        {[]string{"--addr", "127.0.0.1:70000"}, `port "70000"`},
		"no users":            {[]string{"--users", " , "}, "--users: no user ids"},
		"user with a newline": {[]string{"--users", "user_a\n::warning::injected,user_b"}, "--users: user id 1 holds a space or control character"},
		"user with a space":   {[]string{"--users", "user_a,user b"}, "--users: user id 2 holds a space or control character"},
		"rate limit":          {[]string{"--rate-limit", "100"}, "N/DURATION"},
		"max conns":           {[]string{"--max-conns", "0"}, "--max-conns: want at least 1"},
		"history":             {[]string{"--history", "0"}, "--history: want at least 1"},
		"token limit":         {[]string{"--token-limit", "-1"}, "--token-limit: want at least 1"},
		"summary dir":         {[]string{"--summary-json", "/nonexistent/dir/s.json"}, "--summary-json: no directory"},
		"summary a dir":       {[]string{"--summary-json", os.TempDir()}, "not a file, device or FIFO"},
		"two keys":            {[]string{"--key", "sk_test_SECRETISH", "--key-file", "/nonexistent"}, "--key and --key-file: give one"},
		"no key file":         {[]string{"--key-file", "/nonexistent/key"}, "--key-file: open /nonexistent/key"},
	} {
		t.Run(name, func(t *testing.T) {
			var out, errOut syncBuffer
			code := run(ctx, append([]string{"fake", "--addr", "127.0.0.1:0"}, tc.args...), func(string) string { return "" }, &out, &errOut)
			if code != exitUsage || !strings.Contains(errOut.String(), tc.says) {
				t.Fatalf("exit %d, stderr %q; want 2 saying %q", code, errOut.String(), tc.says)
			}
			if strings.Contains(errOut.String(), "SECRETISH") || out.String() != "" {
				t.Fatalf("printed the key, or the lines of a fake that started: %q %q", out.String(), errOut.String())
			}
		})
	}
}

// TestSummaryPrintsViolationsEscaped: a violation names the request's path, which a client
// chose and net/http decoded ("/v1/%1b[2J%0aerror: forged" holds an escape and a newline);
// the summary on stderr shows it escaped, one line per violation, like every other line the
// command prints.
func TestSummaryPrintsViolationsEscaped(t *testing.T) {
	s := fakeSummary{Counts: clienttest.Counts{Requests: 1, UnexpectedViolations: 1},
		Violations: []summaryViolation{{Kind: "path_has_v1_twice", Message: "POST /v1/" + evil + " is not an operation of the contract"}}}
	var out strings.Builder
	s.writeText(&out)
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("summary has %d lines; want the count and one line for the violation:\n%q", len(lines), out.String())
	}
	if strings.ContainsFunc(lines[1], func(r rune) bool { return !terminalSafe(r) }) {
		t.Fatalf("a violation reaches the terminal raw: %q", lines[1])
	}
}
