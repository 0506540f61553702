package clienttest_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
)

// TestLiveAPIConformsToContract runs both operations, and their 400 and 404 answers, against a
// real Clerk development instance through ContractTransport: any drift between the live API
// and openapi.yaml fails it. It needs credentials, so it runs only where they are given
// (make contract, with CLERK_DEV_SECRET_KEY and CLERK_DEV_USER_ID).
func TestLiveAPIConformsToContract(t *testing.T) {
	key, user := os.Getenv("CLERK_DEV_SECRET_KEY"), os.Getenv("CLERK_DEV_USER_ID")
	if key == "" || user == "" {
		t.Skip("set CLERK_DEV_SECRET_KEY (sk_test_…) and CLERK_DEV_USER_ID to check the live API against the spec")
	}
	if !strings.HasPrefix(key, "sk_test_") {
		t.Fatal("CLERK_DEV_SECRET_KEY must be a development key (sk_test_…): this test mints real tokens")
	}
	hc := &http.Client{Transport: clienttest.ContractTransport(t, nil), Timeout: 30 * time.Second}
	c, err := api.NewClient(key, api.WithHTTPClient(hc), api.WithUserAgent("signintokens-contract-check"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tok, err := c.Create(ctx, api.CreateParams{UserID: user, ExpiresIn: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Revoke(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	var apiErr *api.Error
	if _, err := c.Revoke(ctx, tok.ID); !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		t.Errorf("revoking twice: %v; want 400 sign_in_token_cannot_be_revoked_code", err)
	}
	if _, err := c.Revoke(ctx, "sit_"+strings.Repeat("0", 27)); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("revoking an unknown id: %v; want 404", err)
	}
}
