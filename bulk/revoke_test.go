package bulk_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/bulk"
)

// mintRun mints for n users on fake and returns the run's files.
func mintRun(t *testing.T, fake *fakeClerk, n int) bulk.Files {
	t.Helper()
	f := files(t)
	if rep, err := bulk.Mint(context.Background(), fake.client(t), users(n), f, fast()); err != nil || rep.Done != n {
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

// TestRevokeUndoesARun: from the output or from the journal, every token the run minted is
// revoked, once however often it is listed; one the user already used counts as not pending,
// not as a failure.
func TestRevokeUndoesARun(t *testing.T) {
	for _, from := range []string{"output", "journal"} {
		t.Run(from, func(t *testing.T) {
			fake := newFake(t)
			f := mintRun(t, fake, 25)
			if err := fake.Accept(fake.Tokens()[3].ID); err != nil {
				t.Fatal(err)
			}
			path := f.Output
			if from == "journal" {
				path = f.Output + ".journal"
			}
			minted, err := bulk.ReadMinted(path)
			if err != nil || len(minted) != 25 {
				t.Fatalf("ReadMinted: %v, %d tokens", err, len(minted))
			}
			minted = append(minted, minted[7]) // listed twice: revoked once
			rep, err := bulk.Revoke(context.Background(), fake.client(t), minted, filepath.Join(t.TempDir(), "revoke.journal"), fast())
			if err != nil {
				t.Fatal(err)
			}
			if rep.Done != 25 || rep.NotPending != 1 || rep.Failed != 0 || rep.Duplicates != 1 {
				t.Fatalf("report %+v", rep.Progress)
			}
			if n := pending(fake); n != 0 {
				t.Fatalf("%d tokens still pending", n)
			}
		})
	}
}

// TestRevokeResumes: a revoke run cancelled halfway and resumed revokes the rest, sending
// nothing for the tokens revoked before; a failed revoke is sent again.
func TestRevokeResumes(t *testing.T) {
	fake := newFake(t)
	f := mintRun(t, fake, 40)
	minted, err := bulk.ReadMinted(f.Output)
	if err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(t.TempDir(), "revoke.journal")
	c := fake.client(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fake.FailNext(1, http.StatusInternalServerError, 0) // the client does not retry a 500: one failure
	first, err := bulk.Revoke(ctx, c, minted, journal, fast(), bulk.WithConcurrency(2), bulk.WithProgress(func(p bulk.Progress) {
		if p.Done >= 15 {
			cancel()
		}
	}))
	if !errors.Is(err, context.Canceled) || first.Failed != 1 {
		t.Fatalf("first run: %v %+v", err, first.Progress)
	}
	before := len(fake.Requests())
	second, err := bulk.Revoke(context.Background(), c, minted, journal, fast())
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

// TestJournalsAreNotInterchangeable: a create journal cannot be resumed as a revoke one.
func TestJournalsAreNotInterchangeable(t *testing.T) {
	fake := newFake(t)
	f := mintRun(t, fake, 2)
	minted, _ := bulk.ReadMinted(f.Output)
	if _, err := bulk.Revoke(context.Background(), fake.client(t), minted, f.Output+".journal", fast()); err == nil {
		t.Fatal("Revoke accepted a create journal as its own")
	}
	if n := pending(fake); n != 2 {
		t.Fatalf("%d pending after a refused run", n)
	}
}

// TestRevokeWithAnotherInstancesKeyIsNotFinal: Clerk answers 404 for every token to a key of
// another instance (the development key given by mistake for a production run). Such a run
// must not close the journal on those tokens: the same run with the right key revokes them.
func TestRevokeWithAnotherInstancesKeyIsNotFinal(t *testing.T) {
	fake := newFake(t)
	f := mintRun(t, fake, 10)
	minted, err := bulk.ReadMinted(f.Output)
	if err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(t.TempDir(), "revoke.journal")
	other := newFake(t)
	rep, err := bulk.Revoke(context.Background(), other.client(t), minted, journal, fast())
	if err != nil || rep.NotPending != 10 {
		t.Fatalf("with the other instance's key: %v %+v", err, rep)
	}
	rep, err = bulk.Revoke(context.Background(), fake.client(t), minted, journal, fast())
	if err != nil {
		t.Fatal(err)
	}
	if n := pending(fake); n != 0 || rep.Skipped != 0 {
		t.Fatalf("with the right key: %d tokens still pending; report %+v", n, rep.Progress)
	}
}

// TestRevokeStopsOnARefusedKey: as for Mint, a 401 would repeat for every token, so the run
// stops and the tokens it did not reach stay to do.
func TestRevokeStopsOnARefusedKey(t *testing.T) {
	fake := newFake(t, allowViolations())
	minted, err := bulk.ReadMinted(mintRun(t, fake, 100).Output)
	if err != nil {
		t.Fatal(err)
	}
	c, err := api.NewClient("sk_test_wrongkey", api.WithBaseURL(fake.srv.URL+"/v1"), api.WithRetryPolicy(bulk.ClientRetryPolicy()))
	if err != nil {
		t.Fatal(err)
	}
	before := len(fake.Requests())
	rep, err := bulk.Revoke(context.Background(), c, minted, filepath.Join(t.TempDir(), "revoke.journal"), fast(), bulk.WithConcurrency(2))
	if !errors.Is(err, api.ErrUnauthorized) {
		t.Fatalf("err = %v", err)
	}
	if n := len(fake.Requests()) - before; n > 4 || rep.Remaining < 90 || pending(fake) != 100 {
		t.Fatalf("%d requests sent with a refused key; report %+v", n, rep.Progress)
	}
}

// TestRevokeRateLimited: a 429 backs a revoke run off as it does a mint run (the pause itself is
// TestRateLimitPausesEveryWorker's: the two share the pacer); the token is sent again after
// it and revoked, and nothing fails.
func TestRevokeRateLimited(t *testing.T) {
	fake := newFake(t)
	minted, err := bulk.ReadMinted(mintRun(t, fake, 10).Output)
	if err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	third := len(fake.arrivals) + 3
	fake.intercept = func(n int, r *http.Request) int {
		if n == third {
			return http.StatusTooManyRequests // Retry-After: 1
		}
		return 0
	}
	fake.mu.Unlock()
	rep, err := bulk.Revoke(context.Background(), fake.client(t), minted, filepath.Join(t.TempDir(), "revoke.journal"), fast())
	if err != nil {
		t.Fatal(err)
	}
	if rep.RateLimited != 1 || len(fake.TooMany()) != 1 || rep.Done != 10 || rep.Failed != 0 || pending(fake) != 0 {
		t.Fatalf("report %+v; %d answered 429, %d still pending", rep.Progress, len(fake.TooMany()), pending(fake))
	}
}
