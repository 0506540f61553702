package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/bulk"
	"github.com/clerkgen/signintokens/clienttest"
)

// wantCounts checks the "label: N" lines of a summary.
func wantCounts(t *testing.T, summary string, want map[string]int) {
	t.Helper()
	got := map[string]int{}
	for line := range strings.Lines(summary) {
		label, rest, ok := strings.Cut(line, ":")
		var n int
		if ok && !strings.HasPrefix(line, " ") {
			if _, err := fmt.Sscan(rest, &n); err == nil {
				got[label] = n
			}
		}
	}
	for label, n := range want {
		if g, ok := got[label]; !ok || g != n {
			t.Errorf("summary: %s is %d (listed: %v), want %d:\n%s", label, g, ok, n, summary)
		}
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBulkCreateOnTheBuiltInFake: with --fake, bulk create mints on the built-in fake, writes
// the links file and the state 0600, and prints a summary; exit 0.
func TestBulkCreateOnTheBuiltInFake(t *testing.T) {
	in := writeFile(t, "users.csv", "user_id,org_id,expires_in_seconds\nuser_a,,\nuser_b,org_1,60\nuser_a,,\n")
	out := filepath.Join(t.TempDir(), "links.jsonl")
	code, stdout, stderr := signintoken(t, nil, "bulk", "create", "--fake", "--in", in, "--out", out, "--rate", "1000/1s", "--expires", "2d")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	wantCounts(t, stdout, map[string]int{"minted": 2, "duplicates": 1, "failed": 0, "unknown": 0})
	if !strings.Contains(stdout, out+" ") || !strings.Contains(stdout, out+".state ") {
		t.Errorf("summary does not name the files:\n%s", stdout)
	}
	if !strings.Contains(stderr, "built-in fake") || !strings.Contains(stderr, "2/2 settled") {
		t.Errorf("stderr:\n%s", stderr)
	}
	for _, path := range []string{out, out + ".state"} {
		info, err := os.Stat(path)
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v", path, err, info.Mode())
		}
	}
	minted, err := bulk.ReadMinted(out)
	if err != nil || len(minted) != 2 {
		t.Fatalf("output: %v, %d tokens", err, len(minted))
	}
	// The summary and the progress name counts, users and files: never a credential.
	for _, raw := range fileLines(t, out) {
		var l struct{ Token, URL string }
		if err := json.Unmarshal([]byte(raw), &l); err != nil || l.Token == "" || l.URL == "" {
			t.Fatalf("output line without its token and url: %v", err)
		}
		if strings.Contains(stdout+stderr, l.Token) || strings.Contains(stdout+stderr, l.URL) {
			t.Errorf("a token or sign-in URL reached the terminal:\n%s\n%s", stdout, stderr)
		}
	}
	// Run again: nothing to do, and the links file is exported again, whole.
	code, stdout, _ = signintoken(t, nil, "bulk", "create", "--fake", "--in", in, "--out", out, "--rate", "1000/1s")
	if code != exitOK {
		t.Fatalf("second run: exit %d\n%s", code, stdout)
	}
	wantCounts(t, stdout, map[string]int{"minted": 0, "skipped": 2})
	if again, _ := bulk.ReadMinted(out); len(again) != 2 {
		t.Fatalf("output has %d tokens after a second run", len(again))
	}
}

// TestBulkCreateReadsStdin: --in - reads the users from stdin, JSON lines here.
func TestBulkCreateReadsStdin(t *testing.T) {
	old := stdin
	stdin = strings.NewReader(`{"user_id":"user_a"}` + "\n" + `{"user_id":"user_b","org_id":"org_1"}` + "\n")
	defer func() { stdin = old }()
	out := filepath.Join(t.TempDir(), "links.jsonl")
	code, stdout, stderr := signintoken(t, nil, "bulk", "create", "--fake", "--in", "-", "--out", out, "--rate", "1000/1s")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	wantCounts(t, stdout, map[string]int{"minted": 2})
}

// TestBulkUsage: usage errors exit 2 and say what is wrong; nothing is written.
func TestBulkUsage(t *testing.T) {
	users := writeFile(t, "users.csv", "user_id\nuser_a\n")
	badLine := writeFile(t, "bad.csv", "user_id,expires_in_seconds\nuser_a,60\nuser_b,soon\n")
	out := filepath.Join(t.TempDir(), "links.jsonl")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bulk"}, "Usage:"},
		{[]string{"bulk", "mint"}, `unknown subcommand "mint"`},
		{[]string{"bulk", "create", "--out", out}, "--in and --out are required"},
		{[]string{"bulk", "create", "--in", users}, "--in and --out are required"},
		{[]string{"bulk", "create", "--in", users, "--out", "-"}, "--out must be a file"},
		{[]string{"bulk", "create", "--in", users, "--out", out, "extra"}, `unexpected argument "extra"`},
		{[]string{"bulk", "create", "--in", users, "--out", out, "--rate", "100"}, "flag -rate"},
		{[]string{"bulk", "create", "--in", users, "--out", out, "--rate", "100/0s"}, "flag -rate"},
		{[]string{"bulk", "create", "--in", users, "--out", out, "--concurrency", "0"}, "--concurrency must be from 1 to 256"},
		{[]string{"bulk", "create", "--in", users, "--out", out, "--concurrency", "4000000"}, "--concurrency must be from 1 to 256"},
		{[]string{"bulk", "create", "--in", users, "--out", out, "--expires", "soon"}, "--expires"},
		{[]string{"bulk", "create", "--in", users, "--out", out}, "CLERK_SECRET_KEY is not set (or is empty)"},
		{[]string{"bulk", "create", "--fake", "--in", users + ".missing", "--out", out}, "--in"},
		{[]string{"bulk", "create", "--fake", "--in", badLine, "--out", out}, "line 3: expires_in_seconds"},
		{[]string{"bulk", "revoke"}, "give --state FILE"},
		{[]string{"bulk", "revoke", "--in", users}, "--in"},
		{[]string{"bulk", "revoke", "--state", out + ".state"}, "--state"},
		{[]string{"bulk", "export", "--state", out + ".state"}, "--out FILE are required"},
		{[]string{"bulk", "export", "--state", out + ".state", "--out", out}, "no such file"},
		{[]string{"bulk", "status"}, "--state FILE is required"},
	} {
		code, _, stderr := signintoken(t, nil, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant exit 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused command created %s", out)
	}
}

// TestBulkExitStatus: 1 when some users failed or are unknown, with each listed and why.
func TestBulkExitStatus(t *testing.T) {
	fake := clienttest.NewServer(t)
	env := map[string]string{"CLERK_SECRET_KEY": fake.SecretKey(), "CLERK_API_URL": fake.URL()}
	in := writeFile(t, "users.csv", "user_id\nuser_a\nuser_b\nuser_c\n")
	out := filepath.Join(t.TempDir(), "links.jsonl")
	fake.FailNext(1, 404, 0)
	fake.FailNext(1, 503, 0)
	code, stdout, stderr := signintoken(t, env, "bulk", "create", "--in", in, "--out", out, "--rate", "1000/1s", "--concurrency", "1")
	if code != exitError {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	wantCounts(t, stdout, map[string]int{"minted": 1, "failed": 1, "unknown": 1})
	for _, want := range []string{"failed users:\n  user_a: ", "404", "unknown users:\n  user_b\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	// Resume: user_a is retried and minted; user_b stays unknown, so still exit 1.
	code, stdout, _ = signintoken(t, env, "bulk", "create", "--in", in, "--out", out, "--rate", "1000/1s")
	if code != exitError || !strings.Contains(stdout, "unknown users:\n  user_b\n") {
		t.Fatalf("resume: exit %d\n%s", code, stdout)
	}
	wantCounts(t, stdout, map[string]int{"minted": 1, "skipped": 1, "failed": 0, "unknown": 1})
	// --retry-unknown sends for user_b: everyone done, exit 0.
	code, stdout, _ = signintoken(t, env, "bulk", "create", "--in", in, "--out", out, "--rate", "1000/1s", "--retry-unknown")
	if code != exitOK {
		t.Fatalf("retry unknown: exit %d\n%s", code, stdout)
	}
	wantCounts(t, stdout, map[string]int{"minted": 1, "skipped": 2, "unknown": 0})
	// Undo: every token the run minted is revoked.
	code, stdout, _ = signintoken(t, env, "bulk", "revoke", "--in", out, "--rate", "1000/1s")
	if code != exitOK {
		t.Fatalf("revoke: exit %d\n%s", code, stdout)
	}
	wantCounts(t, stdout, map[string]int{"revoked": 3, "not pending": 0, "failed": 0})
	if !strings.Contains(stdout, out+".state\n") {
		t.Errorf("revoke did not record its revocations in the run's state, %s.state:\n%s", out, stdout)
	}
	for _, tok := range fake.Tokens() {
		if tok.Status != api.StatusRevoked {
			t.Errorf("%s of %s is %s after bulk revoke", tok.ID, tok.UserID, tok.Status)
		}
	}
}

// TestBulkInterrupted: a cancelled run (Ctrl-C) exits 1 and says how to resume.
func TestBulkInterrupted(t *testing.T) {
	fake := clienttest.NewServer(t, clienttest.WithLatency(50*time.Millisecond))
	env := map[string]string{"CLERK_SECRET_KEY": fake.SecretKey(), "CLERK_API_URL": fake.URL()}
	var b strings.Builder
	b.WriteString("user_id\n")
	for i := range 200 {
		b.WriteString("user_" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "\n")
	}
	in := writeFile(t, "users.csv", b.String())
	out := filepath.Join(t.TempDir(), "links.jsonl")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var stdout, stderr syncBuffer
	code := run(ctx, []string{"bulk", "create", "--in", in, "--out", out, "--rate", "1000/1s"}, func(k string) string { return env[k] }, &stdout, &stderr)
	if code != exitError || !strings.Contains(stderr.String(), "Run the same command again to resume") || !strings.Contains(stdout.String(), "remaining:") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
}

// TestProgressLines: off a terminal, progress is a plain line now and then, and at the end.
func TestProgressLines(t *testing.T) {
	var buf bytes.Buffer
	pp := newProgressPrinter(&buf, "minting")
	pp.every = time.Hour
	pp.update(bulk.Progress{Total: 10, Done: 1, Remaining: 9})
	if buf.Len() != 0 {
		t.Fatalf("printed before the interval: %q", buf.String())
	}
	pp.every = 0
	pp.update(bulk.Progress{Total: 10, Done: 4, Failed: 1, Unknown: 1, Remaining: 4, Rate: 12.5, RateLimited: 2})
	pp.every = time.Hour
	pp.update(bulk.Progress{Total: 10, Done: 8, Failed: 1, Unknown: 1, Remaining: 0})
	pp.finish()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "6/10 settled (4 done, 0 skipped, 1 failed, 1 unknown), 4 remaining, 12.5 req/s, 2 answered 429") || !strings.Contains(lines[1], "10/10 settled") {
		t.Fatalf("progress lines:\n%s", buf.String())
	}
}

// TestBulkSummaryEscapesTheServersWords: a failure's reason comes from the server, and reaches
// the terminal escaped, on one line.
func TestBulkSummaryEscapesTheServersWords(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		io.WriteString(w, `{"errors":[{"code":"form\u001b[2J","message":"bad","long_message":"\u001b[2J\u001b]0;pwned\u0007\nerror: fake line"}],"clerk_trace_id":"t\u001b[1m\u202e"}`)
	}))
	defer srv.Close()
	env := map[string]string{"CLERK_SECRET_KEY": "sk_test_0123456789abcdef", "CLERK_API_URL": srv.URL + "/v1"}
	in := writeFile(t, "users.csv", "user_id\nuser_a\n")
	code, stdout, stderr := signintoken(t, env, "bulk", "create", "--in", in, "--out", filepath.Join(t.TempDir(), "o.jsonl"), "--rate", "1000/1s")
	if code != exitError {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if strings.ContainsAny(stdout, "\x1b\x07\u202e") || strings.Contains(stdout, "\nerror: fake line") {
		t.Fatalf("summary shows the server's words raw:\n%q", stdout)
	}
	// The api package cleans Clerk's words already; the summary does not count on it, as a
	// failure's error can come from elsewhere (a transport, a file system).
	var buf bytes.Buffer
	printMintSummary(&buf, &bulk.Report{Failures: []bulk.Failure{{UserID: "user_a", Err: errors.New("\x1b[2J\nerror: fake line")}}},
		"s", "o", 0)
	if strings.Contains(buf.String(), "\x1b") || !strings.Contains(buf.String(), `user_a: \x1b[2J\nerror: fake line`) {
		t.Fatalf("summary shows an error raw:\n%q", buf.String())
	}
	// bulk revoke's user ids come from a file, unchecked: they are escaped too.
	buf.Reset()
	printRevokeSummary(&buf, &bulk.Report{Failures: []bulk.Failure{{UserID: "user_a\x1b[2J", ID: "sit_1", Err: errors.New("\x1b[2J\nerror: fake line")}}}, "j")
	if strings.Contains(buf.String(), "\x1b") || !strings.Contains(buf.String(), `sit_1 (user_a\x1b[2J): \x1b[2J\nerror: fake line`) {
		t.Fatalf("revoke summary shows an error or user id raw:\n%q", buf.String())
	}
}

// TestProgressSaysNothingForARunThatNeverStarted: a refused run (no report came) gets its
// error alone, on a terminal or not, without a "0/0 settled" line in front of it.
func TestProgressSaysNothingForARunThatNeverStarted(t *testing.T) {
	for _, terminal := range []bool{false, true} {
		var buf bytes.Buffer
		newProgress(&buf, "minting", terminal).finish()
		if buf.Len() != 0 {
			t.Errorf("terminal %v: %q", terminal, buf.String())
		}
	}
}

// TestProgressBar: on a terminal, the bar shows the settled count of the total and what went
// wrong, and is cleared at the end so that the summary stands alone.
func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	pp := newProgress(&buf, "minting", true)
	pp.throttle = 0 // redraw on every report
	pp.update(bulk.Progress{Total: 10, Remaining: 10})
	pp.update(bulk.Progress{Total: 10, Done: 6, Failed: 1, Unknown: 1, Remaining: 2, RateLimited: 3})
	drawn := buf.String()
	drawn = drawn[strings.LastIndex(drawn, "\r"):]
	if !strings.Contains(drawn, "8/10") || !strings.Contains(drawn, "1 failed, 1 unknown, 3 429s") {
		t.Fatalf("bar:\n%q", drawn)
	}
	before := buf.Len()
	pp.finish()
	if cleared := buf.String()[before:]; !strings.Contains(cleared, "\r") || strings.Contains(cleared, "minting") {
		t.Fatalf("the bar is not cleared at the end:\n%q", cleared)
	}
	if isTerminal(&buf) {
		t.Fatal("a buffer is not a terminal")
	}
}
