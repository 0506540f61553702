package clienttest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
)

// A consumer's test, end to end: in a real test, clienttest.NewServer(t) does the serving
// and the cleanup; an Example has no t, so it serves the Handler itself.
func Example() {
	fake, _ := clienttest.NewHandler(clienttest.WithUsers("user_2abc"))
	srv := httptest.NewServer(fake)
	defer srv.Close()

	c, _ := api.NewClient(fake.SecretKey(), api.WithBaseURL(srv.URL+"/v1"))
	ctx := context.Background()

	tok, _ := c.Create(ctx, api.CreateParams{UserID: "user_2abc"})
	fmt.Println("created:", tok.Status)

	_ = fake.Accept(tok.ID) // the user follows the link
	_, err := c.Revoke(ctx, tok.ID)
	var apiErr *api.Error
	if errors.As(err, &apiErr) {
		fmt.Println("revoke after sign-in:", apiErr.StatusCode, apiErr.Code())
	}

	// The fake answers the next request with a lost response, and counts what was minted.
	fake.LoseNext(1, 503)
	_, err = c.Create(ctx, api.CreateParams{UserID: "user_2abc"})
	fmt.Println("lost answer is an error:", err != nil, "- tokens minted:", len(fake.Tokens()))
	// Output:
	// created: pending
	// revoke after sign-in: 400 sign_in_token_cannot_be_revoked_code
	// lost answer is an error: true - tokens minted: 2
}

// Clerk limits each instance's Backend API requests; WithRateLimit makes the fake do the same,
// so a test can see how its code handles a 429.
func ExampleWithRateLimit() {
	fake, _ := clienttest.NewHandler(clienttest.WithRateLimit(1, 10*time.Second))
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, _ := api.NewClient(fake.SecretKey(), api.WithBaseURL(srv.URL+"/v1"), api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 1}))

	_, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"})
	fmt.Println("first:", err)
	_, err = c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"})
	var apiErr *api.Error
	if errors.As(err, &apiErr) {
		fmt.Println("second:", apiErr.StatusCode, apiErr.Code(), "retry after", apiErr.RetryAfter)
	}
	// Output:
	// first: <nil>
	// second: 429 too_many_requests retry after 10s
}

// A test in any language drives the fake through its control API: here it queues a 429 and
// lists the tokens, with nothing but HTTP and the fake's key.
func Example_controlAPI() {
	fake, _ := clienttest.NewHandler()
	srv := httptest.NewServer(fake)
	defer srv.Close()
	control := func(method, path, body string) string {
		req, _ := http.NewRequest(method, srv.URL+"/__clienttest"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+fake.SecretKey())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.TrimSpace(fmt.Sprint(resp.StatusCode, " ", string(b)))
	}
	fmt.Println(control("POST", "/faults", `{"kind":"fail","status":429,"retry_after_seconds":1}`))

	c, _ := api.NewClient(fake.SecretKey(), api.WithBaseURL(srv.URL+"/v1"), api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 1}))
	_, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"})
	fmt.Println("rate limited:", errors.Is(err, api.ErrRateLimited))
	fmt.Println(control("GET", "/tokens", ""))
	// Output:
	// 204
	// rate limited: true
	// 200 {"tokens":[]}
}
