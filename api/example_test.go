package api_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
	"github.com/clerkgen/signintokens/gen"
)

// fakeClerk serves the fake API for the examples; in tests, clienttest.NewServer(t) does it.
func fakeClerk() (*clienttest.Handler, string, func()) {
	fake, err := clienttest.NewHandler()
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	return fake, srv.URL + "/v1", srv.Close
}

func ExampleClient_Create() {
	fake, baseURL, stop := fakeClerk()
	defer stop()

	// In production: api.NewClient(os.Getenv("CLERK_SECRET_KEY")).
	c, err := api.NewClient(fake.SecretKey(), api.WithBaseURL(baseURL))
	if err != nil {
		log.Fatal(err)
	}
	tok, err := c.Create(context.Background(), api.CreateParams{
		UserID:    "user_2abc",
		ExpiresIn: time.Hour,
	})
	if err != nil {
		log.Fatal(err)
	}
	// tok.URL.Reveal() is the sign-in link to hand to the user. It is a credential: send it only to them.
	fmt.Println(tok.Status, tok.UserID, tok.URL.Reveal() != "")
	// Output: pending user_2abc true
}

func ExampleClient_Revoke() {
	fake, baseURL, stop := fakeClerk()
	defer stop()
	c, _ := api.NewClient(fake.SecretKey(), api.WithBaseURL(baseURL))
	ctx := context.Background()

	tok, _ := c.Create(ctx, api.CreateParams{UserID: "user_2abc"})
	revoked, err := c.Revoke(ctx, tok.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(revoked.Status)

	// A token that is no longer pending cannot be revoked.
	_, err = c.Revoke(ctx, tok.ID)
	var apiErr *api.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code())
	}
	// Output:
	// revoked
	// 400 sign_in_token_cannot_be_revoked_code
}

func ExampleError() {
	fake, baseURL, stop := fakeClerk()
	defer stop()
	c, _ := api.NewClient(fake.SecretKey(), api.WithBaseURL(baseURL))

	_, err := c.Revoke(context.Background(), "sit_doesnotexist")
	switch {
	case errors.Is(err, api.ErrNotFound):
		fmt.Println("no such token")
	case errors.Is(err, api.ErrRateLimited):
		fmt.Println("slow down")
	case err != nil:
		fmt.Println("failed:", err)
	}

	// Bad input is refused before anything is sent, and the error says what was wrong.
	_, err = c.Create(context.Background(), api.CreateParams{UserID: "user_2abc", ExpiresIn: 1500 * time.Millisecond})
	fmt.Println(errors.Is(err, api.ErrInvalidInput), err)
	// Output:
	// no such token
	// true signintokens: invalid input: CreateParams.ExpiresIn is 1.5s; it must be a whole number of seconds
}

func ExampleWithRetryPolicy() {
	fake, baseURL, stop := fakeClerk()
	defer stop()
	c, _ := api.NewClient(fake.SecretKey(), api.WithBaseURL(baseURL),
		api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 3, BaseDelay: 10 * time.Millisecond, MaxDelay: 2 * time.Second}))

	fake.FailNext(1, 429, 0) // rate limited once: Create backs off and tries again
	tok, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"})
	fmt.Println(tok.Status, err, len(fake.Requests()))
	// Output: pending <nil> 2
}

func ExampleSecret() {
	tok := api.SignInToken{ID: "sit_2abc", UserID: "user_2abc", Status: api.StatusPending,
		Token: api.NewSecret("eyJhbGciOi…"), URL: api.NewSecret("https://accounts.example.com/v1/tickets/accept?ticket=eyJhbGciOi…")}
	fmt.Printf("%v\n", tok)
	fmt.Printf("%+v\n", tok)
	fmt.Println(tok.URL.Reveal()) // the one explicit way to read the credential
	// Output:
	// {sit_2abc user_2abc pending [REDACTED] [REDACTED] 0001-01-01 00:00:00 +0000 UTC 0001-01-01 00:00:00 +0000 UTC}
	// {ID:sit_2abc UserID:user_2abc Status:pending Token:[REDACTED] URL:[REDACTED] CreatedAt:0001-01-01 00:00:00 +0000 UTC UpdatedAt:0001-01-01 00:00:00 +0000 UTC}
	// https://accounts.example.com/v1/tickets/accept?ticket=eyJhbGciOi…
}

func ExampleClient_Raw() {
	fake, baseURL, stop := fakeClerk()
	defer stop()
	c, _ := api.NewClient(fake.SecretKey(), api.WithBaseURL(baseURL))

	// The generated client, with the same auth and headers: for status codes and headers.
	resp, err := c.Raw().CreateSignInTokenWithResponse(context.Background(), gen.CreateSignInTokenJSONRequestBody{UserID: "user_2abc"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode(), resp.HTTPResponse.Header.Get("Content-Type"), resp.JSON200.Status)
	// Output: 200 application/json pending
}

func ExampleWithBaseURL() {
	fake, baseURL, stop := fakeClerk()
	defer stop()
	origin := strings.TrimSuffix(baseURL, "/v1") // e.g. http://127.0.0.1:PORT, as CLERK_API_URL holds

	// An origin and a URL ending in /v1 reach the same endpoints.
	for _, u := range []string{origin, origin + "/v1"} {
		c, err := api.NewClient(fake.SecretKey(), api.WithBaseURL(u))
		if err != nil {
			log.Fatal(err)
		}
		tok, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"})
		fmt.Println(tok.Status, err)
	}
	// Output:
	// pending <nil>
	// pending <nil>
}

// With CLERK_SECRET_KEY set (and CLERK_API_URL, to use another server than Clerk's, such as
// the two lines `signintoken fake` prints), a client is one line.
func ExampleNewClientFromEnv() {
	c, err := api.NewClientFromEnv()
	if err != nil {
		log.Fatal(err) // names the variable that is unset or malformed, never its value
	}
	tok, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc", ExpiresIn: time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.URL.Reveal())
}
