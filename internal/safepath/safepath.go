// Package safepath shows a request path (and its method) in a message or a log line without
// the values a careless client may have put in it, and bounded, so that a client cannot make
// one request write kilobytes to a log.
package safepath

import "strings"

// Bounds on what a message or log line shows of a request: a method is a short token, and
// a path shown longer than this is cut (with "…").
const (
	MaxMethod = 16
	MaxPath   = 256
)

// Request returns "METHOD PATH", each shown as Method and Of show it.
func Request(method, path string) string { return Method(method) + " " + Of(path) }

// Method returns method cut at MaxMethod bytes. net/http accepts only a token as a method
// (printable ASCII, no separators), so only its length needs a bound.
func Method(method string) string { return cut(method, MaxMethod) }

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Of returns p with every segment that cannot be an id or a file name (over 64 bytes, two
// dots, or a character neither has) or that is shaped like a secret key (sk_…) shown as "…".
// Clerk's ids (sit_2abc…) and the fake's own paths pass; a token sent where an id belongs
// (revoking by the token, a common bug), or a key, does not, so the fake never prints the
// credential into a CI log, which is often public. The result is plain ASCII, cut at MaxPath
// bytes.
func Of(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if !plain(s) {
			segs[i] = "…"
		}
	}
	return cut(strings.Join(segs, "/"), MaxPath)
}

func plain(s string) bool {
	// A JWT is three parts joined by dots; a secret key is as id-shaped as an id.
	if len(s) > 64 || strings.Count(s, ".") > 1 || strings.HasPrefix(s, "sk_") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
