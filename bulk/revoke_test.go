package bulk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/bulk"
)

// mintRun mints for n users on fake and returns the run's files.
func mintRun(t *testing.T, fake *fakeClerk, n int) runFiles {
	t.Helper()
	f := files(t, fake)
	if rep, err := f.mint(context.Background(), fake.client(t), users(n), fast()); err != nil || rep.Done != n {
		t.Fatalf("mint: %v %+v", err, rep)
	}
	return f
}

func pending(fake *fakeClerk) int {
	n := 0
	for _, tok := range fake.Tokens() {
		if tok.Status == api.StatusPending {
			n++
		}
	}
	return n
}

// fromLinks is a new state for undoing the run whose links file is path: the tokens read
// from it (ReadMinted), added to a state of their own (AddMinted).
func fromLinks(t *testing.T, path string, inst bulk.Instance) runFiles {
	t.Helper()
	minted, err := bulk.ReadMinted(path)
	if err != nil {
		t.Fatal(err)
	}
	f := runFiles{State: filepath.Join(t.TempDir(), "revoke.state"), inst: inst}
	st, err := bulk.OpenState(f.State, inst)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.AddMinted(append(minted, minted[0])); err != nil { // listed twice: kept once
		t.Fatal(err)
	}
	return f
}

// TestRevokeUndoesARun: from the run's state or from its links file, every token the run
// minted is revoked; one the user already used counts as not pending, not as a failure.
func TestRevokeUndoesARun(t *testing.T) {
	for _, from := range []string{"state", "links"} {
		t.Run(from, func(t *testing.T) {
			fake := newFake(t)
			f := mintRun(t, fake, 25)
			if err := fake.Accept(fake.Tokens()[3].ID); err != nil {
				t.Fatal(err)
			}
			if from == "links" {
				f = fromLinks(t, f.Output, f.inst)
			}
			rep, err := f.revoke(context.Background(), fake.client(t), fast())
			if err != nil {
				t.Fatal(err)
			}
			if rep.Total != 25 || rep.Done != 25 || rep.NotPending != 1 || rep.Failed != 0 || rep.NotFound != 0 {
				t.Fatalf("report %+v", rep.Progress)
			}
			if n := pending(fake); n != 0 {
				t.Fatalf("%d tokens still pending", n)
			}
			if st := f.status(t); st.Revoked != 24 || st.NotPending != 1 {
				t.Fatalf("status %+v", st)
			}
			if from == "state" { // an export after the undo says so: no revoked token listed as pending
				exportedStatuses(t, f, map[string]int{"revoked": 24, "not_pending": 1})
			}
		})
	}
}

// exportedStatuses exports f's state to a new file and checks how many lines carry each status.
func exportedStatuses(t *testing.T, f runFiles, want map[string]int) {
	t.Helper()
	st, err := bulk.OpenState(f.State, f.inst)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	path := filepath.Join(t.TempDir(), "after-undo.jsonl")
	if _, err := st.Export(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var l struct{ Status string }
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		got[l.Status]++
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("exported statuses %v, want %v", got, want)
	}
}

// TestRevokeResumes: a revoke run cancelled halfway and resumed revokes the rest, sending
// nothing for the tokens revoked before; a failed revoke is sent again.
func TestRevokeResumes(t *testing.T) {
	fake := newFake(t)
	f := mintRun(t, fake, 40)
	c := fake.client(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fake.FailNext(1, http.StatusBadRequest, 0)
	first, err := f.revoke(ctx, c, fast(), bulk.WithConcurrency(2), bulk.WithProgress(func(p bulk.Progress) {
		if p.Done >= 15 {
			cancel()
		}
	}))
	if !errors.Is(err, context.Canceled) || first.Failed != 1 {
		t.Fatalf("first run: %v %+v", err, first.Progress)
	}
	before := len(fake.Requests())
	second, err := f.revoke(context.Background(), c, fast())
	if err != nil {
		t.Fatal(err)
	}
	if second.Skipped != first.Done || second.Done != 40-first.Done || second.NotPending != 0 {
		t.Fatalf("resume: %+v after %+v", second.Progress, first.Progress)
	}
	if sent := len(fake.Requests()) - before; sent != 40-first.Done {
		t.Fatalf("resume sent %d requests for %d tokens left", sent, 40-first.Done)
	}
	if n := pending(fake); n != 0 {
		t.Fatalf("%d tokens still pending", n)
	}
}

// TestAnotherInstanceIsRefused: a resume or an undo with another instance's key or base URL
// (the development key given by mistake for a production run) is refused before anything is
// sent, naming both base URLs and both key fingerprints, never a key.
func TestAnotherInstanceIsRefused(t *testing.T) {
	fake := newFake(t)
	f := mintRun(t, fake, 3)
	other := newFake(t)
	for name, inst := range map[string]bulk.Instance{
		"another key":      {BaseURL: f.inst.BaseURL, SecretKey: api.NewSecret(other.SecretKey())},
		"another base URL": {BaseURL: other.srv.URL, SecretKey: f.inst.SecretKey},
		"the fake":         {Fake: true},
	} {
		t.Run(name, func(t *testing.T) {
			g := f
			g.inst = inst
			before := len(fake.Requests()) + len(other.Requests())
			_, err := g.revoke(context.Background(), other.client(t), fast())
			if !errors.Is(err, bulk.ErrOtherInstance) {
				t.Fatalf("err = %v, want ErrOtherInstance", err)
			}
			if _, err := g.mint(context.Background(), other.client(t), users(5), fast()); !errors.Is(err, bulk.ErrOtherInstance) {
				t.Fatalf("mint: err = %v, want ErrOtherInstance", err)
			}
			msg := err.Error()
			if strings.Contains(msg, fake.SecretKey()) || strings.Contains(msg, other.SecretKey()) {
				t.Fatalf("the error names a key: %s", msg)
			}
			if name != "the fake" && (!strings.Contains(msg, fake.srv.URL) || strings.Count(msg, "fingerprint") != 2) {
				t.Fatalf("the error does not name both instances: %s", msg)
			}
			if n := len(fake.Requests()) + len(other.Requests()) - before; n != 0 {
				t.Fatalf("%d requests sent", n)
			}
		})
	}
	if n := pending(fake); n != 3 {
		t.Fatalf("%d pending", n)
	}
}

// TestRevokeCountsNotFoundApart: undoing from a links file with another instance's key (no
// state to say which instance minted them) gets 404 for every token: counted as not found,
// not as done, and asked again on resume.
func TestRevokeCountsNotFoundApart(t *testing.T) {
	fake := newFake(t)
	f := mintRun(t, fake, 10)
	other := newFake(t)
	g := fromLinks(t, f.Output, bulk.Instance{BaseURL: other.srv.URL + "/v1", SecretKey: api.NewSecret(other.SecretKey())})
	rep, err := g.revoke(context.Background(), other.client(t), fast())
	if err != nil || rep.NotFound != 10 || rep.Done != 0 || rep.NotPending != 0 {
		t.Fatalf("with the other instance's key: %v %+v", err, rep)
	}
	before := len(other.Requests())
	if rep, err = g.revoke(context.Background(), other.client(t), fast()); err != nil || rep.Skipped != 0 || len(other.Requests())-before != 10 {
		t.Fatalf("resume: %v %+v, %d requests", err, rep, len(other.Requests())-before)
	}
	if st := g.status(t); st.NotFound != 10 {
		t.Fatalf("status %+v", st)
	}
	if n := pending(fake); n != 10 {
		t.Fatalf("%d pending on the minting instance", n)
	}
}

// TestOneRunAtATime: while one run holds a state (a create still minting), another (the
// undo) is refused before it sends anything.
func TestOneRunAtATime(t *testing.T) {
	fake := newFake(t)
	f := mintRun(t, fake, 3)
	st, err := bulk.OpenState(f.State, f.inst)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := f.revoke(context.Background(), fake.client(t), fast()); !errors.Is(err, bulk.ErrInUse) {
		t.Fatalf("err = %v, want ErrInUse", err)
	}
	if _, err := bulk.OpenExistingState(f.State); !errors.Is(err, bulk.ErrInUse) {
		t.Fatalf("status: err = %v, want ErrInUse", err)
	}
	if n := pending(fake); n != 3 {
		t.Fatalf("%d pending", n)
	}
}

// TestRevokeStopsOnARefusedKey: as for Mint, a 401 would repeat for every token, so the run
// stops and the tokens it did not reach stay to do.
func TestRevokeStopsOnARefusedKey(t *testing.T) {
	fake := newFake(t, allowViolations())
	f := mintRun(t, fake, 100)
	c, err := api.NewClient("sk_test_wrongkey", api.WithBaseURL(fake.srv.URL+"/v1"), api.WithRetryPolicy(bulk.ClientRetryPolicy()))
	if err != nil {
		t.Fatal(err)
	}
	before := len(fake.Requests())
	rep, err := f.revoke(context.Background(), c, fast(), bulk.WithConcurrency(2))
	if !errors.Is(err, api.ErrUnauthorized) {
		t.Fatalf("err = %v", err)
	}
	if n := len(fake.Requests()) - before; n > 4 || rep.Remaining < 90 || pending(fake) != 100 {
		t.Fatalf("%d requests sent with a refused key; report %+v", n, rep.Progress)
	}
}

// TestRevokeRateLimited: a 429 backs a revoke run off as it does a mint run (the pause itself is
// TestRateLimitPausesEveryWorker's: the two share one worker loop); the token is sent again
// after it and revoked, and nothing fails.
func TestRevokeRateLimited(t *testing.T) {
	fake := newFake(t)
	f := mintRun(t, fake, 10)
	fake.mu.Lock()
	third := len(fake.arrivals) + 3
	fake.intercept = func(n int, r *http.Request) int {
		if n == third {
			return http.StatusTooManyRequests // Retry-After: 1
		}
		return 0
	}
	fake.mu.Unlock()
	rep, err := f.revoke(context.Background(), fake.client(t), fast())
	if err != nil {
		t.Fatal(err)
	}
	if rep.RateLimited != 1 || len(fake.TooMany()) != 1 || rep.Done != 10 || rep.Failed != 0 || pending(fake) != 0 {
		t.Fatalf("report %+v; %d answered 429, %d still pending", rep.Progress, len(fake.TooMany()), pending(fake))
	}
}

// TestInstanceNeverShowsTheKey: an Instance holds the key; no fmt verb, at any depth, and no
// JSON shows it, and neither does the state file.
func TestInstanceNeverShowsTheKey(t *testing.T) {
	const key = "sk_live_0123456789abcdefSECRET"
	inst := bulk.Instance{BaseURL: "https://api.clerk.com", SecretKey: api.NewSecret(key)}
	nested := struct{ in struct{ i bulk.Instance } }{}
	nested.in.i = inst
	js, _ := json.Marshal(inst)
	for _, shown := range []string{fmt.Sprintf("%v %+v %#v", inst, inst, inst), fmt.Sprintf("%+v %#v", nested, nested), string(js)} {
		if strings.Contains(shown, "SECRET") {
			t.Fatalf("the key shows: %s", shown)
		}
	}
	path := filepath.Join(t.TempDir(), "run.state")
	st, err := bulk.OpenState(path, inst)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if b, _ := os.ReadFile(path); strings.Contains(string(b), "SECRET") {
		t.Fatal("the state file holds the key")
	}
}
