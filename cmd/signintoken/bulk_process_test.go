package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/bulk"
	"github.com/clerkgen/signintokens/clienttest"
)

// bulkFake is the fake Clerk API for the bulk process tests that watch a run as it goes. It
// runs in the test process, so that the test counts what was minted for each user on the
// server's side, not from what the command says.
type bulkFake struct{ *clienttest.Server }

func startBulkFake(t *testing.T, opts ...clienttest.Option) *bulkFake {
	t.Helper()
	return &bulkFake{clienttest.NewServer(t, opts...)}
}

// env is the environment of a command run against the fake.
func (f *bulkFake) env() []string {
	return append(withoutClerk(os.Environ()), "CLERK_API_URL="+f.URL(), "CLERK_SECRET_KEY="+f.SecretKey())
}

func (f *bulkFake) tokensPerUser() map[string][]clienttest.Token {
	m := map[string][]clienttest.Token{}
	for _, tok := range f.Tokens() {
		m[tok.UserID] = append(m[tok.UserID], tok)
	}
	return m
}

func writeUsersCSV(t *testing.T, n int) (path string, ids []string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("user_id,email\n")
	for i := range n {
		id := fmt.Sprintf("user_%05d", i)
		ids = append(ids, id)
		fmt.Fprintf(&b, "%s,%s@example.com\n", id, id)
	}
	path = filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, ids
}

// outputUsers reads a bulk create output: user id → token id, failing on a user listed twice.
func outputUsers(t *testing.T, path string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, raw := range fileLines(t, path) {
		var l struct {
			UserID string `json:"user_id"`
			ID     string `json:"id"`
			URL    string `json:"url"`
			Token  string `json:"token"`
		}
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if _, dup := m[l.UserID]; dup {
			t.Errorf("%s lists %s twice", path, l.UserID)
		}
		if l.ID == "" || l.URL == "" || l.Token == "" {
			t.Errorf("%s: the line for %s lacks its id, url or token", path, l.UserID)
		}
		m[l.UserID] = l.ID
	}
	return m
}

// stateOf reads a run's state file as the next run would (the process that held it is gone):
// user id → token id for every minted token (exported to a file of the test's), and the users
// whose outcome is unknown (an intent with no outcome, or an answer that may hide a token).
func stateOf(t *testing.T, statePath string) (minted map[string]string, unknown []string) {
	t.Helper()
	st, err := bulk.OpenExistingState(statePath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	links := filepath.Join(t.TempDir(), "links.jsonl")
	if _, err := st.Export(links); err != nil {
		t.Fatal(err)
	}
	status, err := st.Status()
	if err != nil {
		t.Fatal(err)
	}
	return outputUsers(t, links), status.UnknownUsers
}

func fileLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// listedUnknown reads the user ids listed under "unknown users:" in a bulk create summary.
func listedUnknown(stdout string) []string {
	var ids []string
	in := false
	for line := range strings.Lines(stdout) {
		switch {
		case line == "unknown users:\n":
			in = true
		case in && strings.HasPrefix(line, "  "):
			ids = append(ids, strings.TrimSpace(line))
		default:
			in = false
		}
	}
	slices.Sort(ids)
	return ids
}

// TestBulkCreateAtTheRateLimit: 2,000 users against `signintoken fake --rate-limit 200/1s`,
// with --rate 200/1s: every user minted once (counted through the fake's control API), no
// 429 answered (counted from the fake's request log), no contract violation (the fake exits 0).
// Both run as built binaries, without the race detector's slowdown, so that the figure is the
// command's. The rate reached is logged; BenchmarkMintAtTheRateLimit reports it as a metric.
func TestBulkCreateAtTheRateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("takes ~11 s")
	}
	const n = 2000
	bin := buildCommand(t)
	fake := exec.Command(bin, "fake", "--addr", "127.0.0.1:0", "--rate-limit", "200/1s")
	fake.Env = withoutClerk(os.Environ())
	fakeOut, err := fake.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var fakeLog syncBuffer // a line per request, with its status
	fake.Stderr = &fakeLog
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stopFake := func() int {
		if !stopped {
			stopped = true
			fake.Process.Signal(syscall.SIGTERM)
			fake.Wait()
		}
		return fake.ProcessState.ExitCode()
	}
	defer stopFake()
	vars := readPrintedLines(fakeOut)
	origin, key := vars["CLERK_API_URL"], vars["CLERK_SECRET_KEY"]
	if origin == "" || key == "" {
		t.Fatalf("fake printed %v\n%s", vars, fakeLog.String())
	}

	in, ids := writeUsersCSV(t, n)
	out := filepath.Join(t.TempDir(), "links.jsonl")
	cmd := exec.Command(bin, "bulk", "create", "--in", in, "--out", out, "--rate", "200/1s")
	cmd.Env = append(withoutClerk(os.Environ()), "CLERK_API_URL="+origin, "CLERK_SECRET_KEY="+key)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, stdout.String(), stderr.String())
	}

	var listed struct {
		Tokens []struct {
			ID     string `json:"id"`
			UserID string `json:"user_id"`
		} `json:"tokens"`
	}
	req, _ := http.NewRequest(http.MethodGet, origin+"/__clienttest/tokens", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&listed)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /__clienttest/tokens: %v %s", err, resp.Status)
	}
	perUser := map[string][]string{}
	for _, tok := range listed.Tokens {
		perUser[tok.UserID] = append(perUser[tok.UserID], tok.ID)
	}
	minted := outputUsers(t, out)
	for _, id := range ids {
		if len(perUser[id]) != 1 || minted[id] != perUser[id][0] {
			t.Errorf("%s: tokens %v on the fake; the output says %q", id, perUser[id], minted[id])
		}
	}
	if code := stopFake(); code != exitOK {
		t.Errorf("the fake exited %d (3: a contract violation)\n%s", code, fakeLog.String())
	}
	requests, tooMany := 0, 0
	for line := range strings.Lines(fakeLog.String()) {
		if strings.Contains(line, "path=/v1/sign_in_tokens ") {
			requests++
			if strings.Contains(line, " status=429 ") {
				tooMany++
			}
		}
	}
	if requests != n || tooMany != 0 {
		t.Errorf("the fake logged %d create requests, %d answered 429; want %d and 0", requests, tooMany, n)
	}
	rate := float64(n) / elapsed.Seconds()
	t.Logf("%d users in %v, the whole process: %.1f tokens/s, %.1f%% of the 200/s limit; 429s answered: %d",
		n, elapsed.Round(time.Millisecond), rate, rate/2, tooMany)
}

// TestBulkCreateSurvivesSIGKILL kills bulk create with SIGKILL at random points 20 times,
// resuming each time, then lets it finish and undoes it. On the fake's side: at most one token
// per user. In the state: every user minted or unknown, and the unknown ones exactly those
// whose request was in flight (intent recorded, outcome not) at one of the kills. The final
// export lists every minted user once, with the fake's token; the undo leaves pending only
// tokens whose answers a kill cut off.
func TestBulkCreateSurvivesSIGKILL(t *testing.T) {
	const n, kills, concurrency = 1200, 20, 8
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("seed %d", seed)
	fake := startBulkFake(t, clienttest.WithLatency(20*time.Millisecond))
	in, ids := writeUsersCSV(t, n)
	out := filepath.Join(t.TempDir(), "links.jsonl")
	bin := buildCommand(t)
	run := func() *exec.Cmd {
		cmd := exec.Command(bin, "bulk", "create", "--in", in, "--out", out, "--rate", "1000/1s", "--concurrency", strconv.Itoa(concurrency))
		cmd.Env = fake.env()
		return cmd
	}

	inFlight := map[string]bool{} // users in flight at some kill
	for k := range kills {
		cmd := run()
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		// Kill after a random number of new tokens, plus up to 15 ms, so that the kill lands
		// anywhere: between intent and request, with requests in flight, in a commit.
		target := len(fake.Tokens()) + 5 + rng.IntN(30)
		deadline := time.Now().Add(30 * time.Second)
		for len(fake.Tokens()) < target && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(15_000)) * time.Microsecond)
		cmd.Process.Kill() // SIGKILL
		err := <-exited
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) || exitErr.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("kill %d: the run ended before it was killed (%v); make the test's user count larger\n%s", k+1, err, stderr.String())
		}
		done, unknown := stateOf(t, out+".state")
		before := len(inFlight)
		for _, u := range unknown {
			if _, ok := done[u]; ok {
				t.Errorf("kill %d: %s is both minted and unknown", k+1, u)
			}
			inFlight[u] = true
		}
		// Only what the workers held at the kill: at most one user each.
		if held := len(inFlight) - before; held > concurrency {
			t.Errorf("kill %d left %d users in flight, more than the %d workers", k+1, held, concurrency)
		}
		// What the fake minted and the state lacks was in flight, nothing else.
		for u, toks := range fake.tokensPerUser() {
			if _, ok := done[u]; !ok && !inFlight[u] {
				t.Errorf("kill %d: %s has %d token(s) on the fake, but is neither in the state nor in flight", k+1, u, len(toks))
			}
		}
	}
	t.Logf("%d kills: %d tokens on the fake, %d in flight at a kill", kills, len(fake.Tokens()), len(inFlight))

	cmd := run()
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	wantExit := 0
	if len(inFlight) > 0 {
		wantExit = 1
	}
	if code := cmd.ProcessState.ExitCode(); code != wantExit {
		t.Fatalf("final run: exit %d (%v), want %d\n%s\n%s", code, err, wantExit, stdout.String(), stderr.String())
	}

	perUser := fake.tokensPerUser()
	minted := outputUsers(t, out) // fails on a user listed twice
	unknown := listedUnknown(stdout.String())
	wantUnknown := slices.Sorted(maps.Keys(inFlight))
	if !slices.Equal(unknown, wantUnknown) {
		t.Errorf("listed unknown %v, want those in flight at a kill %v", unknown, wantUnknown)
	}
	for _, id := range ids {
		toks := perUser[id]
		if len(toks) > 1 {
			t.Errorf("%s has %d tokens on the fake", id, len(toks))
		}
		_, inOutput := minted[id]
		switch {
		case inOutput && inFlight[id]:
			t.Errorf("%s is in the export and unknown", id)
		case !inOutput && !inFlight[id]:
			t.Errorf("%s is neither in the export nor unknown", id)
		case inOutput && (len(toks) != 1 || toks[0].ID != minted[id]):
			t.Errorf("%s: the export's token is not the fake's", id)
		}
	}

	// The undo, from the export: what stays pending is only what a kill cut the answer off.
	undo := exec.Command(bin, "bulk", "revoke", "--in", out, "--rate", "1000/1s")
	undo.Env = fake.env()
	if b, err := undo.CombinedOutput(); err != nil {
		t.Fatalf("undo: %v\n%s", err, b)
	}
	cutOff := 0
	for _, tok := range fake.Tokens() {
		if tok.Status != api.StatusPending {
			continue
		}
		if !inFlight[tok.UserID] {
			t.Errorf("after the undo, %s of %s is pending, though its answer was recorded", tok.ID, tok.UserID)
		}
		cutOff++
	}
	t.Logf("%d users minted, %d unknown (in flight at a kill), %d of them with a token the undo could not know; max tokens per user on the fake: 1", len(minted), len(unknown), cutOff)
}

// TestBulkRevokeUndoesARun: bulk revoke of a finished run, killed once halfway and resumed,
// leaves no token of the run pending.
func TestBulkRevokeUndoesARun(t *testing.T) {
	const n = 150
	fake := startBulkFake(t, clienttest.WithLatency(5*time.Millisecond))
	in, _ := writeUsersCSV(t, n)
	out := filepath.Join(t.TempDir(), "links.jsonl")
	bin := buildCommand(t)
	create := exec.Command(bin, "bulk", "create", "--in", in, "--out", out, "--rate", "2000/1s")
	create.Env = fake.env()
	if b, err := create.CombinedOutput(); err != nil {
		t.Fatalf("create: %v\n%s", err, b)
	}
	pending := func() int {
		p := 0
		for _, tok := range fake.Tokens() {
			if tok.Status == api.StatusPending {
				p++
			}
		}
		return p
	}
	if pending() != n {
		t.Fatalf("%d pending after create", pending())
	}
	revoke := func() *exec.Cmd {
		cmd := exec.Command(bin, "bulk", "revoke", "--in", out, "--rate", "2000/1s", "--concurrency", "4")
		cmd.Env = fake.env()
		return cmd
	}
	first := revoke()
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); pending() > n/2 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	first.Process.Kill()
	first.Wait()
	if p := pending(); p == 0 || p == n {
		t.Fatalf("%d pending after the kill: it missed the middle of the run", p)
	}
	var stdout strings.Builder
	second := revoke()
	second.Stdout = &stdout
	if err := second.Run(); err != nil {
		t.Fatalf("resumed revoke: %v\n%s", err, stdout.String())
	}
	if p := pending(); p != 0 {
		t.Fatalf("%d tokens of the run still pending", p)
	}
	if !strings.Contains(stdout.String(), "skipped:") {
		t.Fatalf("summary:\n%s", stdout.String())
	}
}

// TestBulkCreateStopsCleanlyOnSIGINT: Ctrl-C stops new requests, lets those in flight finish
// and be recorded (so nobody is left unknown), exits 1 saying how to resume; the resumed run
// finishes the job with one token per user.
func TestBulkCreateStopsCleanlyOnSIGINT(t *testing.T) {
	const n = 200
	fake := startBulkFake(t, clienttest.WithLatency(100*time.Millisecond))
	in, ids := writeUsersCSV(t, n)
	out := filepath.Join(t.TempDir(), "links.jsonl")
	bin := buildCommand(t)
	cmd := exec.Command(bin, "bulk", "create", "--in", in, "--out", out, "--rate", "1000/1s", "--concurrency", "8")
	cmd.Env = fake.env()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for deadline := time.Now().Add(30 * time.Second); len(fake.Tokens()) < 10 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("bulk create did not stop within 30 s of SIGINT\n%s", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != exitError || !strings.Contains(stderr.String(), "Run the same command again to resume") {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	done := outputUsers(t, out) // exported, interrupted or not
	if _, unknown := stateOf(t, out+".state"); len(unknown) > 0 {
		t.Errorf("%v were left in flight by SIGINT", unknown)
	}
	if len(done) != len(fake.Tokens()) || len(done) >= n {
		t.Fatalf("after SIGINT: %d in the output, %d on the fake, of %d", len(done), len(fake.Tokens()), n)
	}

	resume := exec.Command(bin, "bulk", "create", "--in", in, "--out", out, "--rate", "1000/1s")
	resume.Env = fake.env()
	if b, err := resume.CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	perUser := fake.tokensPerUser()
	for _, id := range ids {
		if len(perUser[id]) != 1 {
			t.Errorf("%s has %d tokens", id, len(perUser[id]))
		}
	}
}
