package clienttest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
)

func TestFailNextAnswersUnprocessed(t *testing.T) {
	s := clienttest.NewServer(t)
	s.FailNext(1, 429, 1500*time.Millisecond)
	c := s.Client(api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 1}))
	_, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"})
	var apiErr *api.Error
	if !errors.Is(err, api.ErrRateLimited) || !errors.As(err, &apiErr) || apiErr.RetryAfter != 2*time.Second || apiErr.Code() != "too_many_requests" {
		t.Fatalf("err = %v; want 429 too_many_requests with Retry-After 2 (1.5s rounded up)", err)
	}
	s.FailNext(2, 503, 0)
	for range 2 {
		if _, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"}); !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
			t.Fatalf("err = %v; want 503", err)
		}
	}
	if len(s.Tokens()) != 0 {
		t.Fatal("a failed request minted a token")
	}
	if _, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"}); err != nil {
		t.Fatalf("after the faults: %v", err)
	}
}

func TestCreateRidesOutARateLimitWithoutMintingTwice(t *testing.T) {
	s := clienttest.NewServer(t)
	s.FailNext(2, 429, 0)
	c := s.Client(api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}))
	if _, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"}); err != nil {
		t.Fatal(err)
	}
	if len(s.Requests()) != 3 || len(s.Tokens()) != 1 {
		t.Fatalf("%d requests, %d tokens; want 3 and 1", len(s.Requests()), len(s.Tokens()))
	}
}

func TestLostResponsesNeverMintTwice(t *testing.T) {
	for _, status := range []int{0, 500, 502, 503, 504} {
		s := clienttest.NewServer(t)
		if status == 0 {
			s.DropNext(1)
		} else {
			s.LoseNext(1, status)
		}
		c := s.Client(api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 5, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}))
		if _, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"}); err == nil {
			t.Fatalf("lost answer (%d): Create reported success", status)
		}
		if n := len(s.Tokens()); n != 1 {
			t.Fatalf("lost answer (%d): %d tokens minted; the fake processed the request once and the client must not repeat it", status, n)
		}
	}
}

func TestALostRevokeIsRetriedAndExplained(t *testing.T) {
	s := clienttest.NewServer(t)
	c := s.Client(api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}))
	tok, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"})
	if err != nil {
		t.Fatal(err)
	}
	s.DropNext(1)
	_, err = c.Revoke(context.Background(), tok.ID)
	if err == nil || !strings.Contains(err.Error(), "may have revoked") {
		t.Fatalf("err = %v; want the retry's 400 explained by the lost first answer", err)
	}
	if s.Tokens()[0].Status != api.StatusRevoked {
		t.Fatal("the lost revoke was not processed")
	}
}

func TestLatencyIsBoundedByTheCallersContext(t *testing.T) {
	s := clienttest.NewServer(t, clienttest.WithLatency(time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.Client().Create(ctx, api.CreateParams{UserID: "user_2abc"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v; want the deadline", err)
	}
	s.SetLatency(0)
	if _, err := s.Client().Create(context.Background(), api.CreateParams{UserID: "user_2abc"}); err != nil {
		t.Fatal(err)
	}
}

func TestFaultsRefuseImpossibleStatuses(t *testing.T) {
	s := clienttest.NewServer(t)
	for name, f := range map[string]func(){
		"FailNext 0":   func() { s.FailNext(1, 0, 0) },
		"FailNext 999": func() { s.FailNext(1, 999, 0) },
		"LoseNext 42":  func() { s.LoseNext(1, 42) },
		"LoseNext 0":   func() { s.LoseNext(1, 0) }, // a drop is DropNext
		"FailNext -1s": func() { s.FailNext(1, 429, -time.Second) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "clienttest:") {
					t.Errorf("%s: recovered %v; want a clienttest panic naming the mistake", name, r)
				}
			}()
			f()
		}()
	}
}

// TestContractSelfCheckCoversQueuedFaults: a fault queued with a status the operation declares
// is checked like any answer, so a 200 with Clerk's error body is a fake error: reported
// despite AllowContractViolations, counted apart from violations.
func TestContractSelfCheckCoversQueuedFaults(t *testing.T) {
	tb := &reportsTo{TB: t}
	s := clienttest.NewServer(tb, clienttest.AllowContractViolations())
	s.FailNext(1, http.StatusOK, 0)
	resp := post(t, s.URL()+"/sign_in_tokens", s.SecretKey(), `{"user_id":"user_2abc"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if r := tb.Reports(); len(r) != 1 || !strings.Contains(r[0], "fake error") {
		t.Fatalf("reports %q; want the fake error", r)
	}
	if c := s.Counts(); c.FakeErrors != 1 || c.UnexpectedViolations != 0 || len(s.FakeErrors()) != 1 || len(s.Violations()) != 0 {
		t.Fatalf("counts %+v, fake errors %q, violations %q", c, s.FakeErrors(), s.Violations())
	}
}
