package api

import (
	"net"
	"net/url"
	"strings"
	"time"
	"unicode"
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
// never sent in clear text over a network; and either an origin (to which it adds /v1, as
// Clerk's CLERK_API_URL) or a URL whose path ends in /v1 (as clerk-sdk-go's). It returns the
// URL the client sends to. Its errors show at most the scheme and host: a path, query,
// fragment or user info may carry a credential pasted in the wrong place.
func checkBaseURL(raw string) (string, error) {
	if strings.ContainsFunc(raw, unicode.IsSpace) { // url.Parse would only say it does not parse
		return "", invalidInput("base URL contains whitespace (copied with a space or a newline?)")
	}
	if strings.ContainsFunc(raw, unsafeRune) || !utf8.ValidString(raw) {
		return "", invalidInput("base URL contains control, invisible or invalid characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", invalidInput("base URL does not parse as a URL")
	}
	shown := u.Scheme + "://" + u.Host
	switch {
	case u.Hostname() == "" || u.Opaque != "": // ":443" alone is a port: Go would dial this machine
		return "", invalidInput("base URL has no host; want an origin such as https://api.clerk.com")
	case !isVisibleASCII(u.Host):
		return "", invalidInput("base URL's host is not ASCII (a look-alike letter?); write an internationalized host in punycode (xn--…) if you mean it")
	case u.User != nil:
		return "", invalidInput("base URL %q must not carry user info", shown)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#"):
		return "", invalidInput("base URL %q must not have a query or fragment", shown)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return "", invalidInput("base URL %q is plain http to a non-loopback host; use https (http is for 127.0.0.1, ::1 and localhost)", shown)
	case u.Scheme != "https" && u.Scheme != "http":
		return "", invalidInput("base URL %q: scheme must be https", shown)
	}
	switch path := strings.TrimSuffix(u.EscapedPath(), "/"); {
	case path == "":
		u.Path, u.RawPath = "/v1", ""
	case strings.HasSuffix(path, "/v1"):
		// as given
	default:
		return "", invalidInput("base URL %q has a path that does not end in /v1; give the origin (the client adds /v1) or a URL ending in /v1", shown)
	}
	return u.String(), nil
}

// checkKeyForURL refuses to send a live key over plain http, loopback included: only tests
// and the fake use http, and the fake refuses live keys. baseURL is checkBaseURL's.
func checkKeyForURL(key, baseURL string) error {
	if strings.HasPrefix(key, "sk_live_") && strings.HasPrefix(baseURL, "http://") {
		return invalidInput("a live key (sk_live_…) is never sent over plain http, loopback included; use https, or an sk_test_ key with the fake")
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// maxIDLen bounds a user or organization id; Clerk's are about 32 characters.
const maxIDLen = 256

// checkID refuses an empty required id, and any id that is over maxIDLen bytes, not valid
// UTF-8 (it would reach the wire as U+FFFD, so two ids would name one user), or that holds
// whitespace of any script, controls or invisible formatting characters (unsafeRune), none
// of which any Clerk id has. The id is not echoed.
func checkID(field, id string, required bool) error {
	switch {
	case id == "" && required:
		return invalidInput("%s is empty", field)
	case len(id) > maxIDLen:
		return invalidInput("%s is %d bytes; at most %d", field, len(id), maxIDLen)
	case isVisibleASCII(id):
		return nil // what every Clerk id is: the checks below pass, without decoding runes
	case !utf8.ValidString(id):
		return invalidInput("%s is not valid UTF-8", field)
	case strings.ContainsFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unsafeRune(r) }):
		return invalidInput("%s contains whitespace, control or invisible characters", field)
	}
	return nil
}

// isVisibleASCII reports whether s is all printable ASCII other than space (0x21–0x7e).
func isVisibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
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
