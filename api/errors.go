package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/clerkgen/signintokens/gen"
)

// Sentinel errors, for errors.Is. A refused call wraps ErrInvalidInput; an *Error from Clerk
// matches ErrUnauthorized, ErrNotFound or ErrRateLimited by its status.
var (
	// ErrInvalidInput: the call or the client's configuration was refused before anything was
	// sent. The message names what was wrong.
	ErrInvalidInput = errors.New("invalid input")
	// ErrUnauthorized: Clerk answered 401 or 403 (a wrong, revoked or under-privileged key).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrNotFound: Clerk answered 404 (an unknown sign-in token, user or organization).
	ErrNotFound = errors.New("not found")
	// ErrRateLimited: Clerk answered 429 and the client did not (or no longer could) wait.
	ErrRateLimited = errors.New("rate limited")
	// ErrInvalidResponse: Clerk answered 2xx with a body that is not a sign-in token, or a body
	// over the 1 MiB bound. For Create the token may have been minted all the same.
	ErrInvalidResponse = errors.New("invalid response")
)

// Error is every non-2xx answer from the API. Use errors.As to read it, or errors.Is with the
// sentinels above to branch on its kind.
type Error struct {
	StatusCode int
	Errors     []ErrorDetail // the decoded ClerkErrors; empty when the body was not one
	TraceID    string        // clerk_trace_id: quote it to Clerk support
	RetryAfter time.Duration // from the Retry-After header (seconds or an HTTP date); 0 if none
	Header     http.Header   // the response's headers
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
		if msg := firstNonEmpty(d.LongMessage, d.Message); msg != "" {
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

// invalidInput wraps ErrInvalidInput with what was wrong.
func invalidInput(format string, args ...any) error {
	return fmt.Errorf("signintokens: %w: "+format, append([]any{ErrInvalidInput}, args...)...)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// newError turns a non-2xx answer into an *Error, whatever its body: ClerkErrors, HTML, empty
// or cut short.
func newError(resp *http.Response, body []byte) *Error {
	e := &Error{
		StatusCode: resp.StatusCode,
		Header:     resp.Header,
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
	var ce gen.ClerkErrors
	if json.Unmarshal(body, &ce) != nil {
		return e
	}
	if ce.ClerkTraceID != nil {
		e.TraceID = *ce.ClerkTraceID
	}
	for _, d := range ce.Errors {
		detail := ErrorDetail{Code: d.Code, Message: d.Message, LongMessage: d.LongMessage}
		if d.Meta != nil {
			detail.Meta = *d.Meta
		}
		e.Errors = append(e.Errors, detail)
	}
	return e
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
