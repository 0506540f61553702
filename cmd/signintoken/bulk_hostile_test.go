package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
)

// The tests here are issue 15's: an operator's mistakes and a hostile neighbour or server,
// each against the built command as a process. SIGNINTOKEN_BULK_TEST_BIN runs them against
// another build (v0.1.0's, say, to watch them fail there).

func bulkBin(t *testing.T) string {
	if bin := os.Getenv("SIGNINTOKEN_BULK_TEST_BIN"); bin != "" {
		return bin
	}
	return buildCommand(t)
}

// runBulkProcess runs the command with env (added to the environment without CLERK_
// variables) and stdin, and returns its exit status and output. A run that does not end
// within a minute is killed and fails the test.
func runBulkProcess(t *testing.T, env []string, stdin io.Reader, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bulkBin(t), args...)
	cmd.Env = append(withoutClerk(os.Environ()), env...)
	cmd.Stdin = stdin
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%q ran for over a minute\n%s\n%s", args, stdout.String(), stderr.String())
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

func (f *bulkFake) keyEnv() []string {
	return []string{"CLERK_API_URL=" + f.URL(), "CLERK_SECRET_KEY=" + f.SecretKey()}
}

// TestBulkNeverTouchesAFileItDidNotWrite: --out or the state pointed at an existing private
// file this run did not write (a one-line JSON credentials file with no final newline, or one
// starting with a NUL byte; v0.1.0 took both for a torn line, cut them to zero and wrote its
// own lines, exit 0) is refused before anything is sent, and the file is left as it was.
func TestBulkNeverTouchesAFileItDidNotWrite(t *testing.T) {
	for _, content := range []string{`{"secret_key":"sk_live_precious"}`, "\x00\x00precious"} {
		for _, which := range []string{"out", "state"} {
			t.Run(fmt.Sprintf("%s %q", which, content[:2]), func(t *testing.T) {
				fake := startBulkFake(t)
				in, _ := writeUsersCSV(t, 3)
				dir := t.TempDir()
				out := filepath.Join(dir, "links.jsonl")
				target := out
				if which == "state" {
					target = out + ".state"
					os.WriteFile(out+".journal", []byte(content), 0o600) // v0.1.0's name for its state
				}
				if err := os.WriteFile(target, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
				code, stdout, stderr := runBulkProcess(t, fake.keyEnv(), nil, "bulk", "create", "--in", in, "--out", out)
				if code != exitUsage {
					t.Errorf("exit %d, want 2\n%s\n%s", code, stdout, stderr)
				}
				if got, _ := os.ReadFile(target); string(got) != content {
					t.Errorf("%s was changed to %q", which, got)
				}
				if entries, _ := os.ReadDir(dir); len(entries) != map[string]int{"out": 1, "state": 2}[which] {
					t.Errorf("the refused run left files behind: %v", entries)
				}
				if n := len(fake.Tokens()); n != 0 {
					t.Errorf("%d tokens minted", n)
				}
			})
		}
	}
}

// TestBulkNeverFallsBackToTheFake: an empty CLERK_SECRET_KEY (a CI secret that did not
// resolve) is no key: refused, exit 2, nothing written (v0.1.0 minted on the built-in fake,
// wrote dead links and exited 0). A --fake run cannot be resumed with a real key, and a run
// cannot be resumed with another instance's key (a development key where a production one
// was used): both refused, naming the instances, nothing sent (v0.1.0 skipped every user).
func TestBulkNeverFallsBackToTheFake(t *testing.T) {
	in, _ := writeUsersCSV(t, 3)
	out := filepath.Join(t.TempDir(), "links.jsonl")
	for _, env := range [][]string{{"CLERK_SECRET_KEY="}, nil} {
		code, _, stderr := runBulkProcess(t, env, nil, "bulk", "create", "--in", in, "--out", out)
		if code != exitUsage || !strings.Contains(stderr, "CLERK_SECRET_KEY") {
			t.Fatalf("%q: exit %d, want 2 naming CLERK_SECRET_KEY\n%s", env, code, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%q: the links file was written", env)
		}
	}

	// --fake, then the real key on the same files.
	if code, stdout, stderr := runBulkProcess(t, nil, nil, "bulk", "create", "--fake", "--in", in, "--out", out); code != exitOK {
		t.Fatalf("--fake run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	real := startBulkFake(t)
	code, _, stderr := runBulkProcess(t, real.keyEnv(), nil, "bulk", "create", "--in", in, "--out", out)
	if code != exitUsage || !strings.Contains(stderr, "built-in fake") || len(real.Requests()) != 0 {
		t.Fatalf("real key on a --fake run: exit %d, %d requests\n%s", code, len(real.Requests()), stderr)
	}

	// One instance's key, then another's.
	out = filepath.Join(t.TempDir(), "links.jsonl")
	if code, _, stderr := runBulkProcess(t, real.keyEnv(), nil, "bulk", "create", "--in", in, "--out", out); code != exitOK {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	other := startBulkFake(t)
	code, _, stderr = runBulkProcess(t, other.keyEnv(), nil, "bulk", "create", "--in", in, "--out", out)
	if code != exitUsage || len(other.Requests()) != 0 {
		t.Fatalf("another instance's key: exit %d, %d requests\n%s", code, len(other.Requests()), stderr)
	}
	if !strings.Contains(stderr, real.Origin()) || !strings.Contains(stderr, other.Origin()) || strings.Count(stderr, "fingerprint") < 2 ||
		strings.Contains(stderr, real.SecretKey()) || strings.Contains(stderr, other.SecretKey()) {
		t.Fatalf("the refusal does not name both instances, or names a key:\n%s", stderr)
	}
}

// TestBulkResumeWithoutItsStateIsRefused: the state deleted (or another --state given) beside
// an existing links file: the links file is not this new state's export, so the run is
// refused before sending. v0.1.0, with its journal deleted, minted a second live token for a
// user the first run had listed as unknown, and exited 0.
func TestBulkResumeWithoutItsStateIsRefused(t *testing.T) {
	fake := startBulkFake(t)
	in, _ := writeUsersCSV(t, 4)
	out := filepath.Join(t.TempDir(), "links.jsonl")
	fake.FailNext(1, http.StatusServiceUnavailable, 0) // one user unknown: Clerk may have minted
	if code, stdout, _ := runBulkProcess(t, fake.keyEnv(), nil, "bulk", "create", "--in", in, "--out", out, "--concurrency", "1"); code != exitError || len(listedUnknown(stdout)) != 1 {
		t.Fatalf("first run: exit %d\n%s", code, stdout)
	}
	os.Remove(out + ".state")
	os.Remove(out + ".journal") // v0.1.0's
	before := len(fake.Requests())
	code, _, stderr := runBulkProcess(t, fake.keyEnv(), nil, "bulk", "create", "--in", in, "--out", out)
	if code != exitUsage || len(fake.Requests()) != before {
		t.Fatalf("resume without the state: exit %d, %d requests\n%s", code, len(fake.Requests())-before, stderr)
	}
	for u, toks := range fake.tokensPerUser() {
		if len(toks) > 1 {
			t.Errorf("%s has %d tokens", u, len(toks))
		}
	}
}

// TestBulkRevokeSaysWhenItRevokedNothing: an undo with no key, with another instance's key, or
// from a links file whose tokens another instance minted, does not exit 0 (v0.1.0 counted
// every 404 as done): refused (exit 2) where the state names its instance, and otherwise exit
// 1 with a line naming how many were not found and the likely cause.
func TestBulkRevokeSaysWhenItRevokedNothing(t *testing.T) {
	fake := startBulkFake(t)
	in, _ := writeUsersCSV(t, 5)
	out := filepath.Join(t.TempDir(), "links.jsonl")
	if code, _, stderr := runBulkProcess(t, fake.keyEnv(), nil, "bulk", "create", "--in", in, "--out", out); code != exitOK {
		t.Fatalf("create: exit %d\n%s", code, stderr)
	}
	other := startBulkFake(t)
	if code, _, stderr := runBulkProcess(t, nil, nil, "bulk", "revoke", "--in", out); code != exitUsage {
		t.Errorf("no key: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runBulkProcess(t, other.keyEnv(), nil, "bulk", "revoke", "--in", out); code != exitUsage || !strings.Contains(stderr, "another Clerk instance") {
		t.Errorf("another instance's key, with the state: exit %d\n%s", code, stderr)
	}
	// The links file alone, copied elsewhere: no state says where its tokens live.
	copied := filepath.Join(t.TempDir(), "links.jsonl")
	b, _ := os.ReadFile(out)
	os.WriteFile(copied, b, 0o600)
	code, stdout, stderr := runBulkProcess(t, other.keyEnv(), nil, "bulk", "revoke", "--in", copied)
	if code != exitError || !strings.Contains(stderr, "5 of 5 tokens were not found") || !strings.Contains(stderr, "another Clerk instance") {
		t.Errorf("another instance's key, from the links: exit %d\n%s\n%s", code, stdout, stderr)
	}
	wantCounts(t, stdout, map[string]int{"revoked": 0, "not found": 5})
	for _, tok := range fake.Tokens() {
		if tok.Status != api.StatusPending {
			t.Errorf("%s is %s", tok.ID, tok.Status)
		}
	}
}

// TestBulkRevokeWaitsForTheCreateRun: an undo started while a create run (here a resume)
// holds the state is refused, and the create run finishes undisturbed: one token per user.
// v0.1.0 revoked alongside, exit 0, while the run went on minting. The same from the links
// file of a run that keeps its state elsewhere (--state): the undo cannot find that state, so
// it made a new one and revoked the earlier run's tokens, exit 0, while the run went on.
func TestBulkRevokeWaitsForTheCreateRun(t *testing.T) {
	for _, stateElsewhere := range []bool{false, true} {
		t.Run(fmt.Sprintf("state elsewhere %v", stateElsewhere), func(t *testing.T) {
			fake := startBulkFake(t)
			in, ids := writeUsersCSV(t, 60)
			first := writeFile(t, "first.csv", "user_id\n"+ids[0]+"\n")
			dir := t.TempDir()
			out := filepath.Join(dir, "links.jsonl")
			var stateArgs []string
			if stateElsewhere {
				stateArgs = []string{"--state", filepath.Join(t.TempDir(), "run.state")}
			}
			args := append([]string{"bulk", "create", "--in", first, "--out", out}, stateArgs...)
			if code, _, stderr := runBulkProcess(t, fake.keyEnv(), nil, args...); code != exitOK {
				t.Fatalf("first run: exit %d\n%s", code, stderr)
			}
			filesBefore, _ := os.ReadDir(dir)
			fake.SetLatency(50 * time.Millisecond)
			create := exec.Command(bulkBin(t), append([]string{"bulk", "create", "--in", in, "--out", out, "--concurrency", "2", "--rate", "1000/1s"}, stateArgs...)...)
			create.Env = append(withoutClerk(os.Environ()), fake.keyEnv()...)
			var createErr syncBuffer
			create.Stderr = &createErr
			if err := create.Start(); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(30 * time.Second); len(fake.Tokens()) < 5 && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
			code, _, stderr := runBulkProcess(t, fake.keyEnv(), nil, "bulk", "revoke", "--in", out)
			filesDuring, _ := os.ReadDir(dir)
			if err := create.Wait(); err != nil {
				t.Fatalf("the create run: %v\n%s", err, createErr.String())
			}
			if code != exitError || !strings.Contains(stderr, "in use") {
				t.Errorf("revoke during create: exit %d, want 1 and 'in use'\n%s", code, stderr)
			}
			for _, id := range ids {
				toks := fake.tokensPerUser()[id]
				if len(toks) != 1 || toks[0].Status != api.StatusPending {
					t.Errorf("%s: %d tokens, %v", id, len(toks), toks)
				}
			}
			if len(filesDuring) != len(filesBefore) {
				t.Errorf("the refused undo left files beside the links: %v", filesDuring)
			}
		})
	}
}

// TestBulkRefusesFilesOfAnotherUser: as root, empty 0600 files another user planted at --out
// and at the state are refused, and stay empty (v0.1.0 appended every credential to them).
func TestBulkRefusesFilesOfAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to plant a file owned by another user")
	}
	for _, which := range []string{"out", "state"} {
		t.Run(which, func(t *testing.T) {
			fake := startBulkFake(t)
			in, _ := writeUsersCSV(t, 2)
			dir := t.TempDir()
			out := filepath.Join(dir, "links.jsonl")
			planted := out
			if which == "state" {
				planted = out + ".state"
			}
			for _, p := range []string{planted, out + ".journal"} {
				os.WriteFile(p, nil, 0o600)
				if err := os.Chown(p, 4242, 4242); err != nil {
					t.Fatal(err)
				}
			}
			code, _, stderr := runBulkProcess(t, fake.keyEnv(), nil, "bulk", "create", "--in", in, "--out", out)
			if code != exitUsage || !strings.Contains(stderr, "owned by uid 4242") {
				t.Errorf("exit %d\n%s", code, stderr)
			}
			if b, err := os.ReadFile(planted); err != nil || len(b) != 0 {
				t.Errorf("the planted file now holds %d bytes (%v)", len(b), err)
			}
			if len(fake.Tokens()) != 0 {
				t.Errorf("%d tokens minted", len(fake.Tokens()))
			}
		})
	}
}

// TestBulkGroupReadableFilesAreRefused: a links file or state that group or others can read
// is refused, and not tightened in silence. (Issue 18 lists "a group-readable bulk output
// accepted" as a promise no test could fail; this one goes red without checkPrivate's mode
// check.)
func TestBulkGroupReadableFilesAreRefused(t *testing.T) {
	fake := startBulkFake(t)
	in, _ := writeUsersCSV(t, 2)
	out := filepath.Join(t.TempDir(), "links.jsonl")
	if code, _, stderr := runBulkProcess(t, fake.keyEnv(), nil, "bulk", "create", "--in", in, "--out", out); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, path := range []string{out, out + ".state"} {
		os.Chmod(path, 0o640)
		code, _, stderr := runBulkProcess(t, fake.keyEnv(), nil, "bulk", "create", "--in", in, "--out", out)
		if code != exitUsage || !strings.Contains(stderr, "0640") {
			t.Errorf("%s group-readable: exit %d\n%s", path, code, stderr)
		}
		if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o640 {
			t.Errorf("%s: %v, or its mode was changed", path, err)
		}
		os.Chmod(path, 0o600)
	}
}

// hostileClerk answers creates with a token for the user asked, but one of 200,000 '<' for
// user_00000, and revokes with a revoked token.
func hostileClerk(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/revoke") {
			id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/sign_in_tokens/"), "/revoke")
			json.NewEncoder(w).Encode(map[string]any{"object": "sign_in_token", "id": id, "user_id": "user_x", "status": "revoked", "created_at": 1, "updated_at": 1})
			return
		}
		var body struct {
			UserID string `json:"user_id"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		token := "eyJ.x." + body.UserID
		if body.UserID == "user_00000" {
			token = strings.Repeat("<", 200_000)
		}
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false) // 400 KB of answer, under the api's 1 MiB bound; escaped, 2.4 MB
		enc.Encode(map[string]any{"object": "sign_in_token", "id": "sit_" + body.UserID, "user_id": body.UserID, "status": "pending",
			"token": token, "url": "https://example.com/?ticket=" + token, "created_at": 1700000000000, "updated_at": 1700000000000})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestBulkHugeTokenIsAnInvalidAnswer: a token of 200,000 '<' (v0.1.0 wrote a 1.2 MB line that
// no resume or undo could read back) leaves its user unknown and is written nowhere; the run
// resumes and is undone.
func TestBulkHugeTokenIsAnInvalidAnswer(t *testing.T) {
	srv := hostileClerk(t)
	env := []string{"CLERK_API_URL=" + srv.URL, "CLERK_SECRET_KEY=sk_test_0123456789abcdef"}
	in, _ := writeUsersCSV(t, 3)
	out := filepath.Join(t.TempDir(), "links.jsonl")
	for run := range 2 {
		code, stdout, stderr := runBulkProcess(t, env, nil, "bulk", "create", "--in", in, "--out", out)
		if code != exitError || strings.Contains(stderr, "error:") || strings.Join(listedUnknown(stdout), ",") != "user_00000" {
			t.Fatalf("run %d: exit %d\n%s\n%s", run+1, code, stdout, stderr)
		}
	}
	b, _ := os.ReadFile(out)
	state, _ := os.ReadFile(out + ".state")
	if len(b) == 0 || bytes.Contains(b, []byte("<<<<")) || bytes.Contains(state, []byte("<<<<")) {
		t.Fatalf("no links file, or the huge token was recorded: links %d bytes, state %d bytes", len(b), len(state))
	}
	if code, stdout, stderr := runBulkProcess(t, env, nil, "bulk", "revoke", "--in", out); code != exitOK {
		t.Fatalf("undo: exit %d\n%s\n%s", code, stdout, stderr)
	} else {
		wantCounts(t, stdout, map[string]int{"revoked": 2})
		// user_00000's token exists on the server with no id on record: the undo cannot revoke
		// it, and must say so rather than look complete.
		if got := strings.Join(listedUnknown(stdout), ","); got != "user_00000" {
			t.Errorf("the undo lists unknown users %q, want user_00000\n%s", got, stdout)
		}
	}
}

// endlessQuotedField is a CSV whose second record is a quoted field that never ends, on short
// lines: every line is under the line bound, the record is not.
type endlessQuotedField struct{ sent, limit int }

func (e *endlessQuotedField) Read(p []byte) (int, error) {
	if e.sent >= e.limit {
		return 0, io.EOF
	}
	var n int
	if e.sent == 0 {
		n = copy(p, "user_id\n\"")
	} else {
		for n+2 <= len(p) {
			p[n], p[n+1] = 'a', '\n'
			n += 2
		}
	}
	e.sent += n
	return n, nil
}

// TestBulkBoundsItsInput: a quoted CSV field spread over short lines, on stdin, is cut off at
// the record bound (v0.1.0 read it whole: 200 MB of input took 751 MiB); --concurrency past
// 256 is refused (4,000,000 workers for 2 users took 10.8 GB).
func TestBulkBoundsItsInput(t *testing.T) {
	env := startBulkFake(t).keyEnv()
	code, _, stderr := runBulkProcess(t, env, &endlessQuotedField{limit: 50 << 20}, "bulk", "create", "--in", "-", "--out", filepath.Join(t.TempDir(), "o"))
	if code != exitUsage || !strings.Contains(stderr, "longer than 1048576 bytes") {
		t.Errorf("endless quoted field: exit %d\n%s", code, stderr)
	}
	in, _ := writeUsersCSV(t, 2)
	code, _, stderr = runBulkProcess(t, env, nil, "bulk", "create", "--in", in, "--out", filepath.Join(t.TempDir(), "o"), "--concurrency", "4000000")
	if code != exitUsage || !strings.Contains(stderr, "--concurrency") {
		t.Errorf("--concurrency 4000000: exit %d\n%s", code, stderr)
	}
}

// TestBulkSignalWhileReadingInput: SIGINT or SIGTERM while the input is still being read
// (stdin that has not ended) stops the run at once, exit 1 (v0.1.0 ignored both).
func TestBulkSignalWhileReadingInput(t *testing.T) {
	fake := startBulkFake(t)
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		cmd := exec.Command(bulkBin(t), "bulk", "create", "--in", "-", "--out", filepath.Join(t.TempDir(), "o"))
		cmd.Env = append(withoutClerk(os.Environ()), fake.keyEnv()...)
		stdinW, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		defer stdinW.Close()
		stopsOnSignal(t, cmd, sig, func() {
			io.WriteString(stdinW, "user_id\nuser_a\n") // and then nothing, for ever
			time.Sleep(300 * time.Millisecond)
		})
	}
}

// stopsOnSignal starts cmd, calls reading once it runs (to leave it reading an input that
// does not end), sends it sig, and checks that it ends at once, exit 1, saying it was
// interrupted.
func stopsOnSignal(t *testing.T, cmd *exec.Cmd, sig os.Signal, reading func()) {
	t.Helper()
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	reading()
	cmd.Process.Signal(sig)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%q: %v while reading the input: still running after 10 s", cmd.Args[1:], sig)
	}
	if code := cmd.ProcessState.ExitCode(); code != exitError || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("%q: %v: exit %d\n%s", cmd.Args[1:], sig, code, stderr.String())
	}
}

// TestBulkStopsWhenOnly429sCome: a server that answers nothing but 429 stops the run after
// 10 in a row, exit 1, saying it can be resumed; nothing is left unknown (v0.1.0 kept a
// 10,000-user run going for over 100 hours).
func TestBulkStopsWhenOnly429sCome(t *testing.T) {
	fake := startBulkFake(t)
	fake.FailNext(1_000_000, http.StatusTooManyRequests, time.Second)
	in, _ := writeUsersCSV(t, 10_000)
	out := filepath.Join(t.TempDir(), "links.jsonl")
	start := time.Now()
	code, stdout, stderr := runBulkProcess(t, fake.keyEnv(), nil, "bulk", "create", "--in", in, "--out", out, "--rate", "1000/1s")
	if code != exitError || !strings.Contains(stderr, "429") || !strings.Contains(stderr, "resume") {
		t.Fatalf("exit %d after %v\n%s\n%s", code, time.Since(start), stdout, stderr)
	}
	if n := len(fake.Requests()); n > 40 {
		t.Errorf("%d requests sent to a server answering only 429", n)
	}
	if _, unknown := stateOf(t, out+".state"); len(unknown) != 0 {
		t.Errorf("unknown after 429s: %v", unknown)
	}
	t.Logf("stopped after %v and %d requests", time.Since(start).Round(time.Millisecond), len(fake.Requests()))
}

// TestBulkSecondSignalExitsAtOnce: the first SIGINT lets the requests in flight finish (here
// they take 3 s); a second one ends the process at once, and the state it leaves resumes.
func TestBulkSecondSignalExitsAtOnce(t *testing.T) {
	fake := startBulkFake(t, clienttest.WithLatency(3*time.Second))
	in, ids := writeUsersCSV(t, 20)
	out := filepath.Join(t.TempDir(), "links.jsonl")
	cmd := exec.Command(bulkBin(t), "bulk", "create", "--in", in, "--out", out, "--rate", "1000/1s", "--concurrency", "4")
	cmd.Env = append(withoutClerk(os.Environ()), fake.keyEnv()...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	for deadline := time.Now().Add(10 * time.Second); len(fake.Requests()) < 4 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Signal(os.Interrupt)
	time.Sleep(200 * time.Millisecond)
	second := time.Now()
	cmd.Process.Signal(os.Interrupt)
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatal("a second SIGINT did not end the process within 2 s")
	}
	t.Logf("ended %v after the second SIGINT", time.Since(second).Round(time.Millisecond))
	fake.SetLatency(0)
	code, stdout, stderr := runBulkProcess(t, fake.keyEnv(), nil, "bulk", "create", "--in", in, "--out", out, "--rate", "1000/1s")
	if code == exitUsage || strings.Contains(stderr, "error:") {
		t.Fatalf("resume: exit %d\n%s\n%s", code, stdout, stderr)
	}
	minted := outputUsers(t, out)
	for _, id := range ids {
		if len(fake.tokensPerUser()[id]) > 1 {
			t.Errorf("%s has two tokens", id)
		}
		if _, ok := minted[id]; !ok && !strings.Contains(stdout, "  "+id+"\n") {
			t.Errorf("%s is neither minted nor listed unknown", id)
		}
	}
}
