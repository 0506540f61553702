package clienttest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"

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
