package clienttest

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// DefaultHistory is how many requests, and how many violations, a fake keeps by default (see
// WithHistory): the most recent ones.
const DefaultHistory = 1000

// Bounds on what one recorded request keeps, so that the history's memory is bounded by
// WithHistory whatever callers send: a body longer than maxRecordedBody is cut to it, and the
// headers (in name order) stop at maxRecordedHeader bytes, each field counted as its name, its
// value and headerFieldOverhead, so that thousands of empty headers cost what they hold.
const (
	maxRecordedBody    = 16 << 10
	maxRecordedHeader  = 8 << 10
	maxViolationLength = 1 << 10
	maxRecordedPath    = 1 << 10 // an operation's path is short; only its id can be long
	// headerFieldOverhead is what one kept header field costs beyond its bytes (a slice
	// entry, a string header, a map entry), as HTTP/2 counts 32 bytes per field (RFC 7541 §4.1).
	headerFieldOverhead = 32
)

// Request is one authenticated API request the fake received. Header and Body are bounded
// copies: a body is cut at 16 KiB and headers stop at 8 KiB (in name order), which no request
// of this API reaches. The fake's key and its tickets (and so sign-in URLs) are [REDACTED]
// wherever they appear, Authorization included ("Bearer [REDACTED]": only requests with the
// fake's key are recorded); the control API shows Authorization as [REDACTED].
type Request struct {
	Method string
	Path   string // e.g. /v1/sign_in_tokens
	Header http.Header
	Body   []byte
}

// ring keeps the last size items added, and counts every one. It grows as items come, so
// that a large size costs only what is recorded.
type ring[T any] struct {
	mu    sync.Mutex
	size  int
	items []T
	next  int // where the next item goes once items is full
	total int // items added since the last reset
}

func newRing[T any](size int) *ring[T] {
	return &ring[T]{size: size}
}

func (r *ring[T]) add(v T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total++
	if len(r.items) < r.size {
		r.items = append(r.items, v)
		return
	}
	r.items[r.next] = v
	r.next = (r.next + 1) % len(r.items)
}

// list returns the items kept, oldest first, each passed through copyOf, and the count of all
// added.
func (r *ring[T]) list(copyOf func(T) T) ([]T, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]T, len(r.items))
	for i := range out {
		out[i] = copyOf(r.items[(r.next+i)%len(r.items)])
	}
	return out, r.total
}

// forget drops the items kept; the count of all added stays.
func (r *ring[T]) forget() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.items)
	r.items, r.next = r.items[:0], 0
}

// count is the number of items added.
func (r *ring[T]) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}

// recordOf is r as the history keeps it: a bounded, exact-size copy, with scrub applied to
// its path, header values and body.
func recordOf(r *http.Request, body []byte, scrub func(string) string) Request {
	if len(body) > 0 { // scrubbed before the cut, which could leave part of a key
		if s := scrub(string(body)); s != string(body) {
			body = []byte(s)
		}
	}
	if len(body) > maxRecordedBody {
		body = body[:maxRecordedBody]
	}
	header := boundedHeader(r.Header)
	for _, vs := range header {
		for i, v := range vs {
			vs[i] = scrub(v)
		}
	}
	return Request{Method: r.Method, Path: scrub(cut(r.URL.Path, maxRecordedPath)), Header: header, Body: bytesClone(body)}
}

// scrub replaces the fake's key, and every ticket shaped like the fake's (and so the ticket in
// a sign-in URL), with [REDACTED]: a careless client may echo them anywhere in a request, and
// what the fake records and reports goes to test logs and, through the control API, to other
// processes.
func (h *Handler) scrub(s string) string {
	const redacted = "[REDACTED]"
	if key := h.key.Reveal(); strings.Contains(s, key) {
		s = strings.ReplaceAll(s, key, redacted)
	}
	prefix := ticketHeader + "."
	for {
		i := strings.Index(s, prefix)
		if i < 0 {
			return s
		}
		end := i + len(prefix)
		for end < len(s) && isTicketByte(s[end]) {
			end++
		}
		s = s[:i] + redacted + s[end:]
	}
}

// isTicketByte reports the bytes of a ticket: base64url and the dots between its parts.
func isTicketByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.'
}

// bytesClone copies b at its exact size.
func bytesClone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}

func boundedHeader(h http.Header) http.Header {
	out := make(http.Header)
	budget := maxRecordedHeader
	for _, name := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[name] {
			if budget -= len(name) + len(v) + headerFieldOverhead; budget < 0 {
				return out
			}
			out[name] = append(out[name], v)
		}
	}
	return out
}

func copyRequest(r Request) Request {
	return Request{r.Method, r.Path, r.Header.Clone(), bytesClone(r.Body)}
}

// truncate cuts an event's description to maxViolationLength bytes.
func truncate(msg string) string { return cut(msg, maxViolationLength) }

// cut cuts s to at most n bytes, on a rune boundary, marking the cut with "…".
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
