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

// Create mints a pending sign-in token for p.UserID. The expiry is always sent explicitly.
//
// Create is retried only when Clerk certainly did not act on an attempt: a 429, or a
// connection that failed before the request was written. It is never retried after a 5xx or
// a timeout, because a second attempt could mint a second live credential.
func (c *Client) Create(ctx context.Context, p CreateParams) (*SignInToken, error) {
	body, err := c.createBody(p)
	if err != nil {
		return nil, err
	}
	return c.call(ctx, operation{
		name: "create",
		send: func(ctx context.Context) (*http.Response, error) {
			return c.raw.CreateSignInToken(ctx, body)
		},
	})
}

// Revoke revokes a pending sign-in token, so it can no longer be used. Revoking a token that
// was accepted or revoked already answers an *Error with status 400 and code
// sign_in_token_cannot_be_revoked_code. Revoke is retried on 429, 502, 503, 504 and
// connection errors.
func (c *Client) Revoke(ctx context.Context, signInTokenID string) (*SignInToken, error) {
	if err := checkSignInTokenID(signInTokenID); err != nil {
		return nil, err
	}
	return c.call(ctx, operation{
		name:       "revoke",
		idempotent: true,
		send: func(ctx context.Context) (*http.Response, error) {
			return c.raw.RevokeSignInToken(ctx, signInTokenID)
		},
	})
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
		body.OrgID = &p.OrganizationID
	}
	return body, nil
}
