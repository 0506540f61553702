package api_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
)

var soakCreates = flag.Int("soak.creates", 1000, "Creates the fault soak test makes in all (e.g. 50000 for a long run)")

// Fault statuses, one meaning each, so a caller's error tells which fault it met: 503 and 500
// (FailNext) are answered before the fake acts; 502 (LoseNext) after it acted.
const (
	unprocessedStatus = http.StatusServiceUnavailable
	lostStatus        = http.StatusBadGateway
)

// A call that outlives its context is found by a bound on a wait, not by timing the call: a
// client that honours its context returns within a scheduling delay of its end (up to 1.1s
// seen on a loaded 2-core machine with the race detector, which failed the 500ms grace this
// test once had), and a wait it does not cut short lasts longRetryAfter, which no load comes
// near. hangBound lies far from both.
const (
	soakBound = 5 * time.Minute // the whole run, every call's context included
	// longRetryAfter is what some 429s ask for: a call whose context has no deadline of its
	// own (only soakBound's, further off) waits, until its context ends.
	longRetryAfter = 2 * time.Minute
	hangBound      = 30 * time.Second // how long a call may take to return once its context ended
)

// soakOutcome is what one Create call tells about the fake's state.
type soakOutcome int

const (
	created    soakOutcome = iota // returned a token: minted
	notMinted                     // failed before the fake could act: 429, a FailNext 5xx, refused
	lost                          // the fake minted, the answer was lost: a 502 or a dropped connection
	maybeActed                    // the context ended first: minted or not
)

// TestSoakUnderFaults makes thousands of Creates and Revokes from 32 goroutines while the
// fake injects faults at random (429 with and without Retry-After, 5xx before acting, answers
// lost after acting, dropped connections, latency), then checks what must hold whatever
// happened: no call outlives its context (see hangBound); each Create minted exactly what its
// result says (a token returned or an answer lost: one; refused: none; its context ended
// first: one at most), never more; no token is revoked twice; no goroutine is left behind.
func TestSoakUnderFaults(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // registered first: runs after the server is closed
	total := *soakCreates
	if testing.Short() {
		total = 300
	}
	const workers = 32
	s := clienttest.NewServer(t)
	c := s.Client(api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 2 * longRetryAfter}))

	// The whole run is bounded: every call's context derives from this one.
	runCtx, stop := context.WithTimeout(context.Background(), soakBound)
	defer stop()

	var (
		mu       sync.Mutex
		outcomes = map[soakOutcome]int{}
		byUser   = map[string]soakOutcome{} // each Create is for a user of its own
		createdI = map[string]bool{}        // ids Create returned
		revokedN = map[string]int{}         // successful Revokes per id
		tried    = map[string]bool{}        // ids a Revoke was sent for
	)
	injectFault := func(rng *rand.Rand) {
		switch rng.IntN(8) {
		case 0:
			s.FailNext(1, http.StatusTooManyRequests, 0)
		case 1:
			s.FailNext(1, http.StatusTooManyRequests, time.Second)
		case 2:
			s.FailNext(1, unprocessedStatus, 0)
		case 3:
			s.FailNext(1, http.StatusInternalServerError, 0)
		case 4:
			s.LoseNext(1, lostStatus)
		case 5:
			s.DropNext(1)
		case 6:
			s.SetLatency(time.Duration(rng.IntN(4)) * time.Millisecond)
		case 7:
			s.FailNext(1, http.StatusTooManyRequests, longRetryAfter)
		}
	}
	// callCtx gives one call in five an end it may well meet: a deadline of a few ms, which
	// the client can see coming, or a cancel after 20–100ms, which it cannot (and which may
	// find it sitting out a Retry-After, of longRetryAfter say); the others plenty of time.
	callCtx := func(rng *rand.Rand) (context.Context, time.Duration, context.CancelFunc) {
		d := 30 * time.Second
		if rng.IntN(5) != 0 {
			ctx, cancel := context.WithTimeout(runCtx, d)
			return ctx, d, cancel
		}
		if rng.IntN(2) == 0 {
			d = time.Duration(1+rng.IntN(20)) * time.Millisecond
			ctx, cancel := context.WithTimeout(runCtx, d)
			return ctx, d, cancel
		}
		d = time.Duration(20+rng.IntN(80)) * time.Millisecond
		ctx, cancel := context.WithCancel(runCtx)
		t := time.AfterFunc(d, cancel)
		return ctx, d, func() { t.Stop(); cancel() }
	}
	// timed runs call under a fresh context, watched from the moment that context ends: a call
	// still running hangBound later has outlived it, and is reported on hung.
	hung := make(chan string, 1)
	timed := func(rng *rand.Rand, name string, call func(ctx context.Context) error) error {
		ctx, d, cancel := callCtx(rng)
		defer cancel()
		returned := make(chan struct{})
		stopWatching := context.AfterFunc(ctx, func() {
			bound := time.NewTimer(hangBound)
			defer bound.Stop()
			select {
			case <-returned:
			case <-bound.C:
				select {
				case hung <- fmt.Sprintf("%s with a %v deadline was still running %v after it ended", name, d, hangBound):
				default: // one is enough to fail
				}
			}
		})
		err := call(ctx)
		close(returned)
		stopWatching()
		return err
	}

	perWorker := (total + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		rng := rand.New(rand.NewPCG(uint64(w), 12))
		wg.Go(func() {
			for i := range perWorker {
				if runCtx.Err() != nil {
					return
				}
				user := fmt.Sprintf("user_soak%dx%d", w, i)
				if rng.IntN(4) == 0 {
					injectFault(rng)
				}
				var tok *api.SignInToken
				err := timed(rng, "create", func(ctx context.Context) (err error) {
					tok, err = c.Create(ctx, api.CreateParams{UserID: user})
					return err
				})
				o := classifyCreate(err)
				mu.Lock()
				outcomes[o]++
				byUser[user] = o
				if o == created {
					if createdI[tok.ID] {
						t.Errorf("Create returned %s twice", tok.ID)
					}
					createdI[tok.ID] = true
				}
				mu.Unlock()
				if o != created || rng.IntN(4) == 0 { // a quarter stay pending
					continue
				}
				for range 1 + rng.IntN(2) { // sometimes a second Revoke of the same token
					mu.Lock()
					tried[tok.ID] = true
					mu.Unlock()
					err := timed(rng, "revoke", func(ctx context.Context) error {
						_, err := c.Revoke(ctx, tok.ID)
						return err
					})
					if err == nil {
						mu.Lock()
						revokedN[tok.ID]++
						mu.Unlock()
					}
				}
			}
		})
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case l := <-hung:
		t.Fatalf("a call outlived its context: %s", l) // the goroutine still in it is left behind
	}
	select {
	case l := <-hung: // it returned in the end, too late
		t.Errorf("a call outlived its context: %s", l)
	default:
	}
	if runCtx.Err() != nil {
		t.Fatalf("the soak did not finish within its bound: %d of %d creates done", sum(outcomes), total)
	}

	minted := s.Tokens()
	mintedFor := map[string]int{}
	for _, tok := range minted {
		mintedFor[tok.UserID]++
		switch {
		case revokedN[tok.ID] > 1:
			t.Errorf("token %s: Revoke succeeded %d times; a token is revoked at most once", tok.ID, revokedN[tok.ID])
		case revokedN[tok.ID] == 1 && tok.Status != api.StatusRevoked:
			t.Errorf("token %s: Revoke succeeded, yet the fake has it %s", tok.ID, tok.Status)
		case !tried[tok.ID] && tok.Status != api.StatusPending:
			t.Errorf("token %s: never revoked by a caller, yet the fake has it %s", tok.ID, tok.Status)
		}
		if o, ok := byUser[tok.UserID]; ok && o == created && !createdI[tok.ID] {
			t.Errorf("token %s: minted for %s, whose Create returned another token", tok.ID, tok.UserID)
		}
	}
	// Each Create minted what its result says: a returned token or a lost answer exactly one, a
	// refusal none, a call whose context ended first one at most. Never two: that would be a
	// second live credential the caller does not know of.
	for user, o := range byUser {
		n := mintedFor[user]
		want := map[soakOutcome]string{created: "1", lost: "1", notMinted: "0", maybeActed: "0 or 1"}[o]
		if ok := n == 1 && (o == created || o == lost || o == maybeActed) || n == 0 && (o == notMinted || o == maybeActed); !ok {
			t.Errorf("%s: the fake minted %d tokens for one Create whose outcome says %s", user, n, want)
		}
	}
	if len(mintedFor) > len(byUser) {
		t.Errorf("the fake minted tokens for %d users; only %d were asked for", len(mintedFor), len(byUser))
	}
	t.Logf("%d creates: %d created, %d not minted, %d lost, %d unknown; %d tokens minted, %d revoked by callers, %d requests",
		sum(outcomes), outcomes[created], outcomes[notMinted], outcomes[lost], outcomes[maybeActed],
		len(minted), len(revokedN), len(s.Requests()))
	if outcomes[created] == 0 || outcomes[lost] == 0 || outcomes[notMinted] == 0 {
		t.Errorf("the soak did not exercise every outcome: %v", outcomes)
	}
}

// classifyCreate says what a Create's result tells about the fake's state.
func classifyCreate(err error) soakOutcome {
	var apiErr *api.Error
	switch {
	case err == nil:
		return created
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return maybeActed
	case errors.As(err, &apiErr) && apiErr.StatusCode == lostStatus:
		return lost
	case errors.As(err, &apiErr):
		return notMinted // 429 (retries exhausted or Retry-After too long), 500, 503
	}
	// The connection broke. Against this fake only a drop does that, after the fake acted; a
	// break of any other kind would show up as a token too few.
	return lost
}

func sum(m map[soakOutcome]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
