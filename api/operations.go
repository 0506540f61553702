package api

import (
	"context"
	"net/http"
	"time"

	"github.com/clerkgen/signintokens/gen"
)

// CreateParams says whom a new sign-in token is for and how long it lives.
type CreateParams struct {
	UserID         string        // required
	OrganizationID string        // optional: sent as org_id, activated when the user signs in
	ExpiresIn      time.Duration // 0: the client's default expiry; else whole seconds, at least 1s
}

// Create mints a pending sign-in token for p.UserID and returns it; on error the token is nil.
// A zero p.ExpiresIn takes the client's default ([WithDefaultExpiry]); the expiry is always
// sent. p is checked before anything is sent (see Input checks in the package documentation).
// Create is repeated only when Clerk cannot have acted on an attempt; see Retries in the
// package documentation and [RetryPolicy].
//
// Clerk API docs: https://clerk.com/docs/reference/backend-api/tag/sign-in-tokens/POST/sign_in_tokens
//
//meta:operation POST /sign_in_tokens
func (c *Client) Create(ctx context.Context, p CreateParams) (*SignInToken, error) {
	if err := c.usable(ctx); err != nil {
		return nil, err
	}
	body, err := c.createBody(p)
	if err != nil {
		return nil, err
	}
	return c.call(ctx, create, input{body: body})
}

// Revoke revokes the pending sign-in token signInTokenID, so that it can no longer be used,
// and returns it. A token that was accepted or revoked already gives an [*Error] with status
// 400 and code sign_in_token_cannot_be_revoked_code. Revoke is repeated on more failures than
// [Client.Create]; see Retries in the package documentation.
//
// Clerk API docs: https://clerk.com/docs/reference/backend-api/tag/sign-in-tokens/POST/sign_in_tokens/%7Bsign_in_token_id%7D/revoke
//
//meta:operation POST /sign_in_tokens/{sign_in_token_id}/revoke
func (c *Client) Revoke(ctx context.Context, signInTokenID string) (*SignInToken, error) {
	if err := c.usable(ctx); err != nil {
		return nil, err
	}
	if err := checkSignInTokenID(signInTokenID); err != nil {
		return nil, err
	}
	return c.call(ctx, revoke, input{id: signInTokenID})
}

// usable refuses a call that would otherwise panic inside net/http or on a nil field: a nil
// context, or a Client that NewClient did not make (nil, or the zero value).
func (c *Client) usable(ctx context.Context) error {
	switch {
	case c == nil || c.raw == nil:
		return invalidInput("the Client was not made by NewClient")
	case ctx == nil:
		return invalidInput("the context is nil; pass context.Background() or a context with a deadline")
	}
	return nil
}

// operation is one of the two endpoints.
type operation uint8

const (
	create operation = iota
	revoke
)

func (op operation) String() string {
	if op == create {
		return "create"
	}
	return "revoke"
}

// idempotent reports whether a second attempt can do no harm even if the first one reached
// Clerk. Revoke is; Create is not: a second attempt after a lost response would mint a
// second live credential.
func (op operation) idempotent() bool { return op == revoke }

// input is what an operation sends: Create's body or Revoke's token id.
type input struct {
	body gen.CreateSignInTokenJSONRequestBody
	id   string
}

// send sends op once through the generated client.
func (c *Client) send(ctx context.Context, op operation, in input) (*http.Response, error) {
	if op == create {
		return c.raw.CreateSignInToken(ctx, in.body)
	}
	return c.raw.RevokeSignInToken(ctx, in.id)
}

func (c *Client) createBody(p CreateParams) (gen.CreateSignInTokenJSONRequestBody, error) {
	var body gen.CreateSignInTokenJSONRequestBody
	if err := checkID("CreateParams.UserID", p.UserID, true); err != nil {
		return body, err
	}
	if err := checkID("CreateParams.OrganizationID", p.OrganizationID, false); err != nil {
		return body, err
	}
	expiry := p.ExpiresIn
	if expiry == 0 {
		expiry = c.defaultExpiry
	}
	if err := checkExpiry("CreateParams.ExpiresIn", expiry); err != nil {
		return body, err
	}
	seconds := int(expiry / time.Second)
	body.UserID = p.UserID
	body.ExpiresInSeconds = &seconds
	if p.OrganizationID != "" {
		org := p.OrganizationID // a copy, so that p itself stays on the stack
		body.OrgID = &org
	}
	return body, nil
}
