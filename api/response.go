package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/clerkgen/signintokens/gen"
)

// maxBodyBytes bounds every response body read, so a broken or hostile server cannot make
// the client buffer without limit.
const maxBodyBytes = 1 << 20

var errBodyTooLarge = fmt.Errorf("response body exceeds %d bytes", maxBodyBytes)

// boundedDoer caps every response body at maxBodyBytes. It wraps the HTTP client once, so
// Create, Revoke and the Raw client all read through the same bound.
type boundedDoer struct{ hc *http.Client }

func (d boundedDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.hc.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &boundedBody{ReadCloser: resp.Body, left: maxBodyBytes}
	return resp, nil
}

// boundedBody fails a read that would go past its bound instead of truncating silently.
type boundedBody struct {
	io.ReadCloser
	left int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, errBodyTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n - 1, errBodyTooLarge // n-1: never hand out the byte past the bound
	}
	return n, err
}

// readResponse reads resp's body and closes it. A 2xx decodes to a sign-in token; anything
// else becomes an *Error. It is the one place where answers become results.
func readResponse(resp *http.Response) (*SignInToken, error) {
	var body []byte
	readErr := errBodyTooLarge
	if resp.ContentLength <= maxBodyBytes { // a body declared too large is not read at all
		body, readErr = io.ReadAll(resp.Body)
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newError(resp, body) // a truncated or unreadable body still yields its status
	}
	if readErr != nil {
		return nil, fmt.Errorf("%w: %d answer: %v", ErrInvalidResponse, resp.StatusCode, readErr)
	}
	var raw gen.SignInToken
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("%w: %d answer is not a sign-in token: %v", ErrInvalidResponse, resp.StatusCode, jsonProblem(err))
	}
	if raw.Object != gen.SignInTokenObjectSignInToken || raw.ID == "" {
		return nil, fmt.Errorf("%w: %d answer is not a sign-in token (object %q, id empty: %t)",
			ErrInvalidResponse, resp.StatusCode, raw.Object, raw.ID == "")
	}
	return fromGen(raw), nil
}

// jsonProblem describes a decoding error without quoting the body, which may hold credentials.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q has JSON type %s, want %s", typ.Field, typ.Value, typ.Type)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated JSON"
	}
	return "undecodable JSON"
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
