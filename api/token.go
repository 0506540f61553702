package api

import (
	"fmt"
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
// credential itself: whoever holds either can sign in as the user. They are read from the
// fields directly; printing a SignInToken with any fmt verb, or logging it with log/slog,
// leaves them out.
type SignInToken struct {
	ID, UserID           string
	Status               Status
	Token, URL           string    // credentials: never printed or logged by this package
	CreatedAt, UpdatedAt time.Time // UTC, from Clerk's Unix milliseconds
}

const redacted = "[REDACTED]"

// Format prints the token with Token and URL masked, for every verb (%v, %+v, %#v, %s, %q, %x…).
func (t SignInToken) Format(f fmt.State, verb rune) {
	// A local type of the same name and shape, without the Format method, prints like the
	// real one would (api.SignInToken{…} under %#v) but carries the masked values.
	type SignInToken struct {
		ID, UserID           string
		Status               Status
		Token, URL           string
		CreatedAt, UpdatedAt time.Time
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), SignInToken{
		ID: t.ID, UserID: t.UserID, Status: t.Status,
		Token: mask(t.Token), URL: mask(t.URL),
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
	})
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

func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return redacted
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
		t.Token = *g.Token
	}
	if g.URL != nil {
		t.URL = *g.URL
	}
	return t
}
