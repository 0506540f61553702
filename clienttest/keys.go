package clienttest

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"unicode"

	"github.com/clerkgen/signintokens/internal/safepath"
)

// isTestKey reports whether key is a well-formed development secret key. The fake checks keys
// itself: it needs no client to know what a key looks like.
func isTestKey(key string) bool {
	return strings.HasPrefix(key, "sk_test_") && len(key) > len("sk_test_") &&
		!strings.ContainsFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
}

// HasKey reports whether r carries the fake's key as Clerk's API takes it (Authorization:
// Bearer <key>): a request the fake serves rather than refuses 401. It counts nothing. A server
// in front of the fake can use it to favour the fake's callers: `signintoken fake` lets a
// connection without the key be closed when it needs the slot.
func (h *Handler) HasKey(r *http.Request) bool { return h.authenticate(r) == nil }

// authenticate checks r's Authorization header as Clerk does before anything else: it must be
// "Bearer <key>" (authorization_header_format_invalid otherwise), with the fake's key
// (clerk_key_invalid otherwise). It returns the auth failure, its kind one of ReasonNoKey,
// ReasonWrongScheme and ReasonWrongKey, or nil for the fake's key.
func (h *Handler) authenticate(r *http.Request) *violation {
	where := safepath.Request(r.Method, r.URL.Path)
	values := r.Header.Values("Authorization")
	const scheme = "Bearer "
	malformed := func(reason, why string) *violation {
		return &violation{status: http.StatusUnauthorized, code: "authorization_header_format_invalid", kind: reason, message: where + ": " + why}
	}
	switch {
	case len(values) == 0:
		return malformed(ReasonNoKey, "no Authorization header")
	case len(values) > 1:
		return malformed(ReasonWrongScheme, "more than one Authorization header")
	case len(values[0]) <= len(scheme) || !strings.EqualFold(values[0][:len(scheme)], scheme) ||
		strings.ContainsAny(values[0][len(scheme):], " \t"):
		return malformed(ReasonWrongScheme, `the Authorization header is not "Bearer <secret key>"`)
	}
	if subtle.ConstantTimeCompare([]byte(values[0][len(scheme):]), []byte(h.key.Reveal())) != 1 {
		return &violation{status: http.StatusUnauthorized, code: "clerk_key_invalid", kind: ReasonWrongKey,
			message: where + ": Authorization carries a secret key this fake does not accept (see SecretKey)"}
	}
	return nil
}
