package api

import (
	"errors"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// checkSecretKey accepts sk_test_… and sk_live_… keys. Its errors describe the key's shape,
// never its characters.
func checkSecretKey(key string) error {
	switch {
	case key == "":
		return invalidInput("secret key is empty")
	case strings.HasPrefix(key, "pk_"):
		return invalidInput("secret key is a publishable key (pk_…); use the secret key (sk_test_… or sk_live_…) from the Clerk Dashboard")
	case !strings.HasPrefix(key, "sk_test_") && !strings.HasPrefix(key, "sk_live_"):
		return invalidInput("secret key must start with sk_test_ or sk_live_")
	case len(key) == len("sk_test_"):
		return invalidInput("secret key has nothing after its sk_test_/sk_live_ prefix")
	case strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r >= 0x7f }):
		return invalidInput("secret key contains whitespace, control or non-ASCII characters (copied with a newline?)")
	}
	return nil
}

// checkBaseURL accepts https URLs, and plain http only to a loopback host, so that a key is
// never sent in clear text over a network.
func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return invalidInput("base URL does not parse: %v", errors.Unwrap(err))
	}
	switch {
	case u.Host == "":
		return invalidInput("base URL %q has no host", u.Redacted())
	case u.User != nil:
		return invalidInput("base URL must not carry user info")
	case u.RawQuery != "" || u.Fragment != "":
		return invalidInput("base URL %q must not have a query or fragment", u.Redacted())
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	case u.Scheme == "http":
		return invalidInput("base URL %q is plain http to a non-loopback host; use https (http is for 127.0.0.1, ::1 and localhost)", u.Redacted())
	}
	return invalidInput("base URL %q: scheme must be https", u.Redacted())
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func isControl(r rune) bool { return r < ' ' || r == 0x7f }

// checkID refuses an empty required id, any id with whitespace or control characters, which
// no Clerk id has, and any id that is not UTF-8, which JSON could only send altered.
func checkID(field, id string, required bool) error {
	switch {
	case id == "" && required:
		return invalidInput("%s is empty", field)
	case strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return invalidInput("%s contains whitespace or control characters", field)
	case !utf8.ValidString(id):
		return invalidInput("%s is not valid UTF-8", field)
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
