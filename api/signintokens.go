package api

import (
	"context"
	"net/http"
	"strings"
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

// checkID refuses an empty required id, and any id with whitespace or control characters,
// which no Clerk id has.
func checkID(field, id string, required bool) error {
	switch {
	case id == "" && required:
		return invalidInput("%s is empty", field)
	case strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return invalidInput("%s contains whitespace or control characters", field)
	}
	return nil
}

// checkExpiry accepts whole seconds, at least one.
func checkExpiry(field string, d time.Duration) error {
	switch {
	case d < time.Second:
		return invalidInput("%s is %v; it must be at least 1s", field, d)
	case d%time.Second != 0:
		return invalidInput("%s is %v; it must be a whole number of seconds", field, d)
	}
	return nil
}

const maxSignInTokenIDLen = 128

// checkSignInTokenID accepts 1–128 characters of [A-Za-z0-9_-]. Anything else could change
// which endpoint the request reaches ("..", "a?x=1", "a/b"), so it is refused before sending.
func checkSignInTokenID(id string) error {
	if id == "" {
		return invalidInput("sign-in token id is empty")
	}
	if len(id) > maxSignInTokenIDLen {
		return invalidInput("sign-in token id is %d characters; at most %d", len(id), maxSignInTokenIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			// The id is not echoed: a caller who passes the token or URL by mistake must not
			// find the credential in an error message.
			return invalidInput("sign-in token id has %q at byte %d; only letters, digits, _ and - are allowed (ids look like sit_2abc…)", c, i)
		}
	}
	return nil
}
