package clienttest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
)

// manualClock is a fake clock a test moves by hand.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func newManualClock() *manualClock {
	return &manualClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
}

func (c *manualClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *manualClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// create is one Create with no retries, reporting the status Clerk answered (200 on success)
// and the Retry-After it carried.
func create(t *testing.T, c *api.Client) (int, time.Duration) {
	t.Helper()
	_, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"})
	if err == nil {
		return 200, 0
	}
	var apiErr *api.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("Create: %v", err)
	}
	return apiErr.StatusCode, apiErr.RetryAfter
}

func noRetries() api.Option { return api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 1}) }

func TestRateLimitAnswers429WithAnAccurateRetryAfter(t *testing.T) {
	clock := newManualClock()
	// NewServer fails the test if the 429 (or any answer of the fake) breaks openapi.yaml.
	s := clienttest.NewServer(t, clienttest.WithClock(clock.Now), clienttest.WithRateLimit(3, 10*time.Second))
	c := s.Client(noRetries())
	for i := range 3 {
		if status, _ := create(t, c); status != 200 {
			t.Fatalf("request %d of 3: status %d", i+1, status)
		}
	}
	_, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"})
	var apiErr *api.Error
	if !errors.Is(err, api.ErrRateLimited) || !errors.As(err, &apiErr) || apiErr.Code() != "too_many_requests" || apiErr.RetryAfter != 10*time.Second {
		t.Fatalf("4th request: %v; want 429 too_many_requests with Retry-After 10", err)
	}
	if n := len(s.Tokens()); n != 3 {
		t.Fatalf("%d tokens; a rate-limited request must not be processed", n)
	}
	clock.Add(9500 * time.Millisecond)
	if status, wait := create(t, c); status != 429 || wait != time.Second {
		t.Fatalf("0.5 s before the window ends: %d, Retry-After %v; want 429 with 1 s (rounded up)", status, wait)
	}
	clock.Add(time.Second) // the Retry-After the fake gave
	for i := range 3 {
		if status, _ := create(t, c); status != 200 {
			t.Fatalf("after waiting out Retry-After, request %d: status %d; want a fresh window", i+1, status)
		}
	}
	if status, _ := create(t, c); status != 429 {
		t.Fatalf("the new window admitted more than 3: %d", status)
	}
}

func TestRateLimitWaitingOutRetryAfterSucceedsInRealTime(t *testing.T) {
	s := clienttest.NewServer(t, clienttest.WithRateLimit(1, 1500*time.Millisecond))
	c := s.Client(api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: 3 * time.Second}))
	if status, _ := create(t, c); status != 200 {
		t.Fatalf("first request: %d", status)
	}
	// The second is refused; the client waits the Retry-After it is given (2 s) and retries once.
	if _, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"}); err != nil {
		t.Fatalf("a client that waits out Retry-After was refused again: %v", err)
	}
	if n := len(s.Requests()); n != 3 {
		t.Fatalf("%d requests; want 3 (ok, 429, ok)", n)
	}
}

func TestRateLimitCountsOnlyAuthenticatedRequestsAndIsOffByDefault(t *testing.T) {
	clock := newManualClock()
	s := clienttest.NewServer(t, clienttest.WithClock(clock.Now), clienttest.WithRateLimit(2, time.Minute), clienttest.AllowContractViolations())
	for range 5 {
		if resp := post(t, s.URL()+"/sign_in_tokens", "sk_test_wrong", `{"user_id":"user_2abc"}`); resp.StatusCode != 401 {
			t.Fatalf("wrong key: %d, want 401 (not 429: it is not this instance's request)", resp.StatusCode)
		}
	}
	c := s.Client(noRetries())
	for i := range 2 {
		if status, _ := create(t, c); status != 200 {
			t.Fatalf("request %d: %d; unauthenticated requests were counted", i+1, status)
		}
	}

	unlimited := clienttest.NewServer(t, clienttest.WithClock(clock.Now))
	uc := unlimited.Client(noRetries())
	for i := range 150 { // more than Clerk's development limit, in one instant
		if status, _ := create(t, uc); status != 200 {
			t.Fatalf("no rate limit set, request %d: %d", i+1, status)
		}
	}
}

func TestRateLimitedRequestsLeaveQueuedFaultsAlone(t *testing.T) {
	clock := newManualClock()
	s := clienttest.NewServer(t, clienttest.WithClock(clock.Now), clienttest.WithRateLimit(1, time.Second))
	c := s.Client(noRetries())
	create(t, c)
	s.FailNext(1, 503, 0)
	if status, _ := create(t, c); status != 429 {
		t.Fatalf("status %d, want 429", status)
	}
	clock.Add(time.Second)
	if status, _ := create(t, c); status != 503 {
		t.Fatalf("status %d, want the queued 503: the 429 consumed it", status)
	}
}

func TestRateLimitRefusesNonsense(t *testing.T) {
	for _, tc := range []struct {
		n      int
		window time.Duration
	}{{0, time.Second}, {-1, time.Second}, {1, 0}, {1, -time.Second}} {
		if _, err := clienttest.NewHandler(clienttest.WithRateLimit(tc.n, tc.window)); err == nil {
			t.Errorf("WithRateLimit(%d, %v) accepted", tc.n, tc.window)
		}
	}
	if _, err := clienttest.NewHandler(clienttest.WithRateLimit(100, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
}
