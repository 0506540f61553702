package api

import (
	"log/slog"
	"time"

	"github.com/clerkgen/signintokens/gen"
)

// Status is where a sign-in token is in its life.
type Status string

const (
	StatusPending  Status = "pending"  // can be used, or revoked
	StatusAccepted Status = "accepted" // the user signed in with it; it cannot be used again
	StatusRevoked  Status = "revoked"  // revoked before use
)

// SignInToken is a one-time credential for signing in as a user. Token and URL are the
// credential itself: whoever holds either can sign in as the user. They are [Secret]s, so no
// rendering of a SignInToken, or of anything holding one, shows them; read them with
// [Secret.Reveal]. Clerk sends them only when the token is created, so they are zero on the
// token Revoke returns.
type SignInToken struct {
	ID, UserID           string
	Status               Status
	Token, URL           Secret    // the credential: Token is the JWT ticket, URL the sign-in link
	CreatedAt, UpdatedAt time.Time // UTC, from Clerk's Unix milliseconds
}

// LogValue logs the token's identity and state, never its Token or URL.
func (t SignInToken) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", t.ID),
		slog.String("user_id", t.UserID),
		slog.String("status", string(t.Status)),
		slog.Time("created_at", t.CreatedAt),
		slog.Time("updated_at", t.UpdatedAt),
	)
}

// fromGen converts the generated model at the package boundary.
func fromGen(g gen.SignInToken) *SignInToken {
	t := &SignInToken{
		ID:        g.ID,
		UserID:    g.UserID,
		Status:    Status(g.Status),
		CreatedAt: time.UnixMilli(g.CreatedAt).UTC(),
		UpdatedAt: time.UnixMilli(g.UpdatedAt).UTC(),
	}
	if g.Token != nil {
		t.Token = NewSecret(*g.Token)
	}
	if g.URL != nil {
		t.URL = NewSecret(*g.URL)
	}
	return t
}
