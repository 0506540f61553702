package clienttest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
)

func TestCreateAnswersAPendingTokenLikeClerk(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 123e6, time.UTC)
	s := clienttest.NewServer(t, clienttest.WithClock(func() time.Time { return now }))
	tok, err := s.Client().Create(context.Background(), api.CreateParams{UserID: "user_2abc", OrganizationID: "org_2xyz", ExpiresIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.ID, "sit_") || len(tok.ID) != len("sit_")+27 {
		t.Errorf("id %q is not shaped like Clerk's sit_…", tok.ID)
	}
	if tok.Status != api.StatusPending || tok.UserID != "user_2abc" {
		t.Errorf("token = %+v", tok)
	}
	if !tok.CreatedAt.Equal(now) || !tok.UpdatedAt.Equal(now) {
		t.Errorf("timestamps %v, %v; want the server clock %v to the millisecond", tok.CreatedAt, tok.UpdatedAt, now)
	}
	ticket, signInURL := credentials(tok)
	parts := strings.Split(ticket, ".")
	if len(parts) != 3 {
		t.Fatalf("token is not JWT-shaped: %d parts", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	if claims["sub"] != "user_2abc" || claims["sid"] != tok.ID || claims["org"] != "org_2xyz" || claims["exp"].(float64)-claims["iat"].(float64) != 3600 {
		t.Errorf("claims = %v; want user, token id, org and a one-hour life", claims)
	}
	if !strings.HasPrefix(signInURL, s.URL()+"/tickets/accept?ticket=") || !strings.HasSuffix(signInURL, ticket) {
		t.Errorf("sign-in URL does not carry the ticket at the fake")
	}
}

func TestTokensAreUnique(t *testing.T) {
	s := clienttest.NewServer(t)
	c := s.Client()
	ids, tickets := map[string]bool{}, map[string]bool{}
	for range 50 {
		tok, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"})
		if err != nil {
			t.Fatal(err)
		}
		ticket, _ := credentials(tok)
		if ids[tok.ID] || tickets[ticket] {
			t.Fatal("a token id or ticket was handed out twice")
		}
		ids[tok.ID], tickets[ticket] = true, true
	}
	if n := len(s.Tokens()); n != 50 {
		t.Fatalf("Tokens() lists %d, want 50", n)
	}
}

func TestRevokeFollowsTheTokenLifecycle(t *testing.T) {
	s := clienttest.NewServer(t)
	c := s.Client()
	ctx := context.Background()
	tok, err := c.Create(ctx, api.CreateParams{UserID: "user_2abc"})
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := c.Revoke(ctx, tok.ID)
	if err != nil || revoked.Status != api.StatusRevoked || revoked.ID != tok.ID {
		t.Fatalf("Revoke = %+v, %v", revoked, err)
	}
	if ticket, url := credentials(revoked); ticket != "" || url != "" {
		t.Fatal("a revoked answer carries the token's credentials")
	}
	var apiErr *api.Error
	if _, err := c.Revoke(ctx, tok.ID); !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Code() != "sign_in_token_cannot_be_revoked_code" {
		t.Fatalf("second Revoke: %v; want 400 sign_in_token_cannot_be_revoked_code", err)
	}
	if _, err := c.Revoke(ctx, "sit_doesnotexist"); !errors.Is(err, api.ErrNotFound) || !errors.As(err, &apiErr) || apiErr.Code() != "resource_not_found" {
		t.Fatalf("Revoke of an unknown id: %v; want 404 resource_not_found", err)
	}

	accepted, _ := c.Create(ctx, api.CreateParams{UserID: "user_2abc"})
	if err := s.Accept(accepted.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Accept(accepted.ID); err == nil {
		t.Fatal("a token was accepted twice")
	}
	if _, err := c.Revoke(ctx, accepted.ID); !errors.As(err, &apiErr) || apiErr.Code() != "sign_in_token_cannot_be_revoked_code" {
		t.Fatalf("Revoke of an accepted token: %v", err)
	}
	if err := s.Accept("sit_unknown"); err == nil {
		t.Fatal("Accept of an unknown id succeeded")
	}
	states := map[string]api.Status{}
	for _, tk := range s.Tokens() {
		states[tk.ID] = tk.Status
	}
	if states[tok.ID] != api.StatusRevoked || states[accepted.ID] != api.StatusAccepted {
		t.Fatalf("Tokens() = %v", states)
	}
}

func TestExpiredTokensCannotBeAccepted(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := clienttest.NewServer(t, clienttest.WithClock(clock))
	tok, err := s.Client().Create(context.Background(), api.CreateParams{UserID: "user_2abc", ExpiresIn: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if err := s.Accept(tok.ID); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("Accept after expiry = %v", err)
	}
}

func TestFollowingTheSignInURLSignsTheUserIn(t *testing.T) {
	s := clienttest.NewServer(t)
	c := s.Client()
	tok, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.Create(context.Background(), api.CreateParams{UserID: "user_other"})
	if err != nil {
		t.Fatal(err)
	}
	_, signInURL := credentials(tok)
	// Forged tickets: another token's id in the payload, a signature from elsewhere, garbage.
	otherTicket, _ := credentials(other)
	parts, otherParts := strings.Split(signInURL[strings.Index(signInURL, "ticket=")+len("ticket="):], "."), strings.Split(otherTicket, ".")
	base := signInURL[:strings.Index(signInURL, "ticket=")+len("ticket=")]
	for name, forged := range map[string]string{
		"payload swapped":   parts[0] + "." + otherParts[1] + "." + parts[2],
		"signature swapped": parts[0] + "." + parts[1] + "." + otherParts[2],
		"unsigned":          parts[0] + "." + parts[1] + ".",
		"garbage":           "not-a-ticket",
	} {
		resp, err := http.Get(base + forged)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("forged ticket (%s): %d; want 404", name, resp.StatusCode)
		}
	}
	for _, tk := range s.Tokens() {
		if tk.Status != api.StatusPending {
			t.Fatalf("a forged ticket signed a user in: %+v", tk)
		}
	}
	resp, err := http.Get(signInURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || s.Tokens()[0].Status != api.StatusAccepted || s.Tokens()[1].Status != api.StatusPending {
		t.Fatalf("GET sign-in URL: %d, statuses %s %s", resp.StatusCode, s.Tokens()[0].Status, s.Tokens()[1].Status)
	}
	again, err := http.Get(signInURL)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if again.StatusCode != 400 {
		t.Fatalf("a one-time URL worked twice: %d", again.StatusCode)
	}
}

func TestUnknownUsersAnswer404WhenUsersAreLimited(t *testing.T) {
	s := clienttest.NewServer(t, clienttest.WithUsers("user_known"))
	c := s.Client()
	if _, err := c.Create(context.Background(), api.CreateParams{UserID: "user_known"}); err != nil {
		t.Fatal(err)
	}
	var apiErr *api.Error
	if _, err := c.Create(context.Background(), api.CreateParams{UserID: "user_unknown"}); !errors.Is(err, api.ErrNotFound) || !errors.As(err, &apiErr) || apiErr.Code() != "resource_not_found" {
		t.Fatalf("Create for an unknown user: %v", err)
	}
}

func TestRequestsAreRecordedInOrder(t *testing.T) {
	s := clienttest.NewServer(t)
	c := s.Client(api.WithUserAgent("recorder-test/1"))
	tok, _ := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc", ExpiresIn: 90 * time.Second})
	_, _ = c.Revoke(context.Background(), tok.ID)
	reqs := s.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests recorded", len(reqs))
	}
	if reqs[0].Method != "POST" || reqs[0].Path != "/v1/sign_in_tokens" || !strings.Contains(string(reqs[0].Body), `"expires_in_seconds":90`) {
		t.Errorf("first request = %s %s %s", reqs[0].Method, reqs[0].Path, reqs[0].Body)
	}
	if reqs[1].Path != "/v1/sign_in_tokens/"+tok.ID+"/revoke" || !strings.Contains(reqs[1].Header.Get("User-Agent"), "recorder-test/1") {
		t.Errorf("second request = %s %v", reqs[1].Path, reqs[1].Header)
	}
	reqs[0].Body[0] = 'X'
	if s.Requests()[0].Body[0] == 'X' {
		t.Error("Requests shares its buffers with the server")
	}
}

func TestSecretKeyIsOptionalAndChecked(t *testing.T) {
	s := clienttest.NewServer(t, clienttest.WithSecretKey("sk_test_fixedForCI"))
	if s.SecretKey() != "sk_test_fixedForCI" {
		t.Fatalf("SecretKey = %q", s.SecretKey())
	}
	a, b := clienttest.NewServer(t), clienttest.NewServer(t)
	if !strings.HasPrefix(a.SecretKey(), "sk_test_") || a.SecretKey() == b.SecretKey() {
		t.Fatal("default keys are not distinct sk_test_ keys")
	}
	if _, err := clienttest.NewHandler(clienttest.WithSecretKey("pk_test_nope")); err == nil {
		t.Fatal("a publishable key was accepted as the fake's secret key")
	}
}

func TestParallelCallers(t *testing.T) {
	t.Parallel()
	s := clienttest.NewServer(t)
	c := s.Client()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"})
			if err == nil && i%2 == 0 {
				_, err = c.Revoke(context.Background(), tok.ID)
			}
			if err == nil && i%4 == 1 {
				err = s.Accept(tok.ID)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.Requests()); n != 96 {
		t.Fatalf("%d requests recorded, want 96", n)
	}
}
