package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/clerkgen/signintokens/gen"
)

// Sentinel errors, for errors.Is. See Errors in the package documentation.
var (
	// ErrInvalidInput is returned when a call or the client's configuration is refused before
	// anything is sent. The message names what was wrong without quoting it.
	ErrInvalidInput = errors.New("invalid input")
	// ErrUnauthorized is matched by an *Error with status 401 or 403 (a wrong, revoked or
	// under-privileged key).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrNotFound is matched by an *Error with status 404 (an unknown sign-in token, user or
	// organization).
	ErrNotFound = errors.New("not found")
	// ErrRateLimited is matched by an *Error with status 429, returned when the client did not
	// (or no longer could) wait.
	ErrRateLimited = errors.New("rate limited")
	// ErrInvalidResponse is returned when a 2xx response is not a sign-in token (for Create,
	// one with its token and URL), or its body is over the 1 MiB bound. For Create the token
	// may have been minted all the same.
	ErrInvalidResponse = errors.New("invalid response")
)

// Error is every non-2xx response from the API. Use errors.As to read it, or errors.Is with
// the sentinels above to branch on its kind. Its strings come from the server, cleaned and
// bounded (see Errors in the package documentation).
type Error struct {
	StatusCode int
	Errors     []ErrorDetail // the decoded ClerkErrors, at most 8; empty when the body was not one
	TraceID    string        // clerk_trace_id: quote it to Clerk support
	RetryAfter time.Duration // from the Retry-After header (seconds or an HTTP date); 0 if none
	Header     http.Header   // the response's headers, at most 8 KiB, without cookies or credentials
}

// ErrorDetail is one entry of a ClerkErrors body.
type ErrorDetail struct {
	Code        string         // e.g. resource_not_found, form_param_missing
	Message     string         // short, for people
	LongMessage string         // longer, for people
	Meta        map[string]any // e.g. {"param_name": "user_id"}
}

// Error names the status and, when the body had them, the first error's code and message.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "clerk answered %d", e.StatusCode)
	if text := http.StatusText(e.StatusCode); text != "" {
		b.WriteString(" " + text)
	}
	if len(e.Errors) > 0 {
		d := e.Errors[0]
		if d.Code != "" {
			b.WriteString(": " + d.Code)
		}
		if msg := cmp.Or(d.LongMessage, d.Message); msg != "" {
			b.WriteString(": " + msg)
		}
		if param, ok := d.Meta["param_name"].(string); ok && param != "" {
			b.WriteString(" (param " + param + ")")
		}
	}
	if e.TraceID != "" {
		b.WriteString(" [trace " + e.TraceID + "]")
	}
	return b.String()
}

// Is reports whether e is of the kind target names: ErrUnauthorized (401, 403), ErrNotFound
// (404) or ErrRateLimited (429).
func (e *Error) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// Code returns the first error's Clerk code, or "" when the body carried none.
func (e *Error) Code() string {
	if len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Code
}

// MayHaveActed reports whether Clerk may have acted on the call that failed with err (minted
// the token for Create, revoked it for Revoke) although the caller never saw it succeed: the
// request was sent and its answer lost (a dropped connection, a reset stream, a timeout or a
// cancelled context), a gateway or Clerk answered 5xx, a 2xx could not be read, or an earlier
// attempt of the same call failed in one of these ways. It reports false when Clerk certainly
// did nothing: a 4xx or 429 answer, a connection that failed before the request was written,
// an HTTP/2 stream the server declared unprocessed, a call refused before sending
// (ErrInvalidInput), and any error no [Client] operation returned.
//
// A caller that must not repeat a Create whose token may exist (see package bulk) treats true
// as "unknown", never as "failed".
func MayHaveActed(err error) bool {
	var ce *callError
	return errors.As(err, &ce) && ce.mayHaveActed
}

// callError is the error a Client operation returns once it has sent something: it carries
// the retry loop's verdict on whether Clerk may have acted, read through MayHaveActed.
type callError struct {
	err          error
	mayHaveActed bool
}

func callFailed(err error, mayHaveActed bool) error {
	return &callError{err: err, mayHaveActed: mayHaveActed}
}

func (e *callError) Error() string { return e.err.Error() }
func (e *callError) Unwrap() error { return e.err }

// invalidInput wraps ErrInvalidInput with what was wrong.
func invalidInput(format string, args ...any) error {
	return fmt.Errorf("signintokens: %w: "+format, append([]any{ErrInvalidInput}, args...)...)
}

// Bounds on what an *Error keeps of a response: a hostile or broken server must not make
// it large, and text from it reaches Error() and logs.
const (
	maxErrorDetails = 8
	maxCodeLen      = 64  // bytes, for Code, TraceID and param names
	maxMessageLen   = 512 // bytes, for Message and LongMessage
	maxMetaEntries  = 16  // per object or array in Meta, nested at most maxMetaDepth deep
	maxMetaDepth    = 3
	maxHeaderKept   = 8 << 10 // bytes of header names and values in Error.Header
)

// droppedHeaders are never kept in Error.Header: credentials a server or proxy may set or
// echo back.
var droppedHeaders = map[string]bool{
	"Set-Cookie": true, "Set-Cookie2": true, "Cookie": true,
	"Authorization": true, "Proxy-Authorization": true,
}

// newError turns a non-2xx response into an *Error, whatever its body: ClerkErrors, HTML,
// empty or cut short. Every string from the server goes through clean, which removes the
// client's key (see Client.redact), control and invisible characters, and bounds its length.
func newError(resp *http.Response, body []byte, redact func(string) string) *Error {
	clean := func(s string, max int) string { return cleanRedacted(s, max, redact) }
	e := &Error{
		StatusCode: resp.StatusCode,
		Header:     keptHeader(resp.Header, redact),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
	var ce gen.ClerkErrors
	if json.Unmarshal(body, &ce) != nil {
		return e
	}
	if ce.ClerkTraceID != nil {
		e.TraceID = clean(*ce.ClerkTraceID, maxCodeLen)
	}
	for _, d := range ce.Errors[:min(len(ce.Errors), maxErrorDetails)] {
		detail := ErrorDetail{
			Code:        clean(d.Code, maxCodeLen),
			Message:     clean(d.Message, maxMessageLen),
			LongMessage: clean(d.LongMessage, maxMessageLen),
		}
		if d.Meta != nil {
			detail.Meta, _ = cleanMeta(*d.Meta, clean, 0).(map[string]any)
		}
		e.Errors = append(e.Errors, detail)
	}
	return e
}

// cleanMeta bounds and cleans a decoded JSON value from the server.
func cleanMeta(v any, clean func(string, int) string, depth int) any {
	switch v := v.(type) {
	case string:
		return clean(v, maxMessageLen)
	case map[string]any:
		if depth >= maxMetaDepth {
			return nil
		}
		out := make(map[string]any, min(len(v), maxMetaEntries))
		for k, x := range v {
			if len(out) == maxMetaEntries {
				break
			}
			out[clean(k, maxCodeLen)] = cleanMeta(x, clean, depth+1)
		}
		return out
	case []any:
		if depth >= maxMetaDepth {
			return nil
		}
		out := make([]any, 0, min(len(v), maxMetaEntries))
		for _, x := range v[:min(len(v), maxMetaEntries)] {
			out = append(out, cleanMeta(x, clean, depth+1))
		}
		return out
	}
	return v // numbers, booleans, null
}

// keptHeader copies what an *Error keeps of the response headers: at most maxHeaderKept
// bytes, without credentials (droppedHeaders) or any value that carries the client's key.
func keptHeader(h http.Header, redact func(string) string) http.Header {
	out := make(http.Header, min(len(h), 32))
	size := 0
	for name, values := range h {
		if droppedHeaders[name] || redact(name) != name { // a name too: a header name can be the key, case-changed
			continue
		}
		for _, v := range values {
			if size += len(name) + len(v); size > maxHeaderKept {
				return out
			}
			if redact(v) == v {
				out[name] = append(out[name], v)
			}
		}
	}
	return out
}

// redactFold replaces every copy of key in s with [REDACTED], in any letter case: a proxy or
// server may echo it lower-cased, and net/http canonicalizes a header name's case. key is
// ASCII (checkSecretKey), so comparing bytes with ASCII letters folded finds every copy.
func redactFold(s, key string) string {
	var b strings.Builder
	last := 0
	for i := 0; i+len(key) <= len(s); i++ {
		if equalFoldASCII(s[i:i+len(key)], key) {
			b.WriteString(s[last:i])
			b.WriteString(redacted)
			last = i + len(key)
			i = last - 1
		}
	}
	if last == 0 {
		return s // the common case: nothing to do, nothing allocated
	}
	b.WriteString(s[last:])
	return b.String()
}

func equalFoldASCII(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// cleanRedacted is cleanText with the key redacted in between: after the characters cleaning
// drops (which, inside the key, would hide it from redact and then put it back together) and
// before the cut (which could leave part of it).
func cleanRedacted(s string, max int, redact func(string) string) string {
	return cleanText(redact(cleanText(s, len(s))), max)
}

// cleanText makes a server's string safe to show: invalid UTF-8, control characters
// (C0, C1), invisible formatting characters (bidi overrides, zero-width) and line or
// paragraph separators are dropped, and the result is cut to at most max bytes, marked "…".
func cleanText(s string, max int) string {
	if len(s) <= max && !strings.ContainsFunc(s, unsafeRune) && utf8.ValidString(s) {
		return s // the common case: nothing to do, nothing allocated
	}
	var b strings.Builder
	for _, r := range s {
		if b.Len() > max {
			break
		}
		if r != utf8.RuneError && !unsafeRune(r) {
			b.WriteRune(r)
		}
	}
	out := b.String()
	if len(out) > max {
		cut := max - len("…")
		for cut > 0 && !utf8.RuneStart(out[cut]) {
			cut--
		}
		out = out[:cut] + "…"
	}
	return out
}

// maxTransportErrorLen bounds the text of a transport error that quotes the server.
const maxTransportErrorLen = 1024

// cleanTransportError returns err as it is, unless its text carries the client's key, control
// characters or more than maxTransportErrorLen bytes: net/http quotes a server's malformed
// header or status line, which a server echoing the request fills with the key. Such an error
// is replaced by one with the cleaned text, which keeps only a context error to match.
func cleanTransportError(err error, redact func(string) string) error {
	msg := err.Error()
	clean := cleanRedacted(msg, maxTransportErrorLen, redact)
	if clean == msg {
		return err
	}
	e := &transportError{msg: clean}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		e.cause = context.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		e.cause = context.Canceled
	}
	return e
}

type transportError struct {
	msg   string
	cause error
}

func (e *transportError) Error() string { return e.msg }
func (e *transportError) Unwrap() error { return e.cause }

// unsafeRune reports the characters that may not appear in an id, nor in text from a server
// once cleaned: controls (C0, C1, DEL), invisible formatting characters (Unicode Cf: bidi
// overrides and isolates, zero-width spaces and joiners, the BOM) and line and paragraph
// separators, which can reorder, hide or forge what a terminal or log shows.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.In(r, unicode.Zl, unicode.Zp)
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
// Anything else, or a time already past, is 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second) // far beyond any MaxDelay; avoids overflow
		}
		return time.Duration(secs) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		if d := at.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
