package api

import (
	"encoding/json"
	"log/slog"
	"reflect"
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
// credential itself: whoever holds either can sign in as the user. They are [Secret] values, so no
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

// wireToken is a sign-in token as Clerk sends it, decoded straight into what SignInToken
// needs: strings where gen has *string, object and status matched without a string each.
type wireToken struct {
	Object    wireObject `json:"object"`
	ID        string     `json:"id"`
	Status    wireStatus `json:"status"`
	UserID    string     `json:"user_id"`
	Token     string     `json:"token"`
	URL       string     `json:"url"`
	CreatedAt int64      `json:"created_at"`
	UpdatedAt int64      `json:"updated_at"`
}

// decodedToken holds a response's token as decoded and as returned, in one allocation: the
// returned SignInToken's secrets point into the decoded strings.
type decodedToken struct {
	wire wireToken
	tok  SignInToken
}

// result converts the decoded token at the package boundary.
func (d *decodedToken) result() *SignInToken {
	w := &d.wire
	d.tok = SignInToken{
		ID:        w.ID,
		UserID:    w.UserID,
		Status:    Status(w.Status),
		CreatedAt: time.UnixMilli(w.CreatedAt).UTC(),
		UpdatedAt: time.UnixMilli(w.UpdatedAt).UTC(),
	}
	if w.Token != "" {
		d.tok.Token = Secret{&w.Token}
	}
	if w.URL != "" {
		d.tok.URL = Secret{&w.URL}
	}
	return &d.tok
}

// wireObject is the "object" field: whether it says sign_in_token and, when it does not, what
// it says instead (for the error).
type wireObject struct {
	isToken bool
	other   string
}

func (o *wireObject) UnmarshalJSON(b []byte) error {
	if string(b) == `"`+string(gen.SignInTokenObjectSignInToken)+`"` {
		o.isToken = true
		return nil
	}
	if err := json.Unmarshal(b, &o.other); err != nil {
		return &json.UnmarshalTypeError{Value: "non-string", Type: reflect.TypeFor[string](), Field: "object"}
	}
	return nil
}

// wireStatus is the "status" field, the known ones without allocating.
type wireStatus Status

func (s *wireStatus) UnmarshalJSON(b []byte) error {
	for _, known := range [...]Status{StatusPending, StatusRevoked, StatusAccepted} {
		if len(b) == len(known)+2 && string(b[1:len(b)-1]) == string(known) && b[0] == '"' && b[len(b)-1] == '"' {
			*s = wireStatus(known)
			return nil
		}
	}
	var other string
	if err := json.Unmarshal(b, &other); err != nil {
		return &json.UnmarshalTypeError{Value: "non-string", Type: reflect.TypeFor[string](), Field: "status"}
	}
	*s = wireStatus(other)
	return nil
}
