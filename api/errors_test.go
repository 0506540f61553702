package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNonSuccessBecomesTypedError(t *testing.T) {
	for name, tc := range map[string]struct {
		handler  http.HandlerFunc
		status   int
		sentinel error
		code     string
		says     []string
	}{
		"clerk 404": {
			func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 404, clerkErrors("resource_not_found", "not found", "trace_404", nil))
			},
			404, ErrNotFound, "resource_not_found", []string{"404", "resource_not_found", "not found", "trace_404"},
		},
		"404 with no body": {
			func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) },
			404, ErrNotFound, "", []string{"404 Not Found"},
		},
		"422 with param": {
			func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 422, clerkErrors("form_param_value_invalid", "is invalid", "t", map[string]any{"param_name": "expires_in_seconds"}))
			},
			422, nil, "form_param_value_invalid", []string{"422", "form_param_value_invalid", "param expires_in_seconds"},
		},
		"401": {
			func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 401, clerkErrors("authentication_invalid", "Invalid authentication", "", nil))
			},
			401, ErrUnauthorized, "authentication_invalid", []string{"401"},
		},
		"403": {
			func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 403, clerkErrors("authorization_invalid", "Unauthorized request", "", nil))
			},
			403, ErrUnauthorized, "authorization_invalid", []string{"403"},
		},
		"HTML from a proxy": {
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(502)
				w.Write([]byte("<html><body>Bad gateway</body></html>"))
			},
			502, nil, "", []string{"502 Bad Gateway"},
		},
		"truncated JSON": {
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(400)
				w.Write([]byte(`{"errors":[{"code":"sign_in_tok`))
			},
			400, nil, "", []string{"400"},
		},
		"huge error body": {
			func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(500)
				w.Write([]byte(strings.Repeat("x", 3<<20)))
			},
			500, nil, "", []string{"500"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			c, _, _ := setup(t, tc.handler, noRetries())
			tok, err := c.Create(context.Background(), CreateParams{UserID: "user_2abc"})
			if tok != nil {
				t.Fatalf("token %v returned with error", tok)
			}
			var apiErr *Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status {
				t.Fatalf("err = %v; want *Error with status %d", err, tc.status)
			}
			if apiErr.Code() != tc.code {
				t.Errorf("Code() = %q, want %q", apiErr.Code(), tc.code)
			}
			for _, s := range []error{ErrNotFound, ErrUnauthorized, ErrRateLimited, ErrInvalidInput} {
				if got, want := errors.Is(err, s), s == tc.sentinel; got != want {
					t.Errorf("errors.Is(err, %v) = %v, want %v", s, got, want)
				}
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
		})
	}
}

func TestErrorCarriesDetailsTraceAndHeaders(t *testing.T) {
	c, _, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		writeJSON(w, 429, clerkErrors("too_many_requests", "Too many requests", "trace_429", map[string]any{"limit": 100.0}))
	}, noRetries())
	_, err := c.Revoke(context.Background(), "sit_1")
	var apiErr *Error
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v", err)
	}
	if apiErr.TraceID != "trace_429" || apiErr.RetryAfter != 7*time.Second || apiErr.Header.Get("Retry-After") != "7" {
		t.Fatalf("error = %+v", apiErr)
	}
	d := apiErr.Errors[0]
	if d.Code != "too_many_requests" || d.Message != "Too many requests" || d.LongMessage != "Too many requests." || d.Meta["limit"] != 100.0 {
		t.Fatalf("detail = %+v", d)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"0":                             0,
		"-5":                            0,
		"12":                            12 * time.Second,
		" 3 ":                           3 * time.Second,
		"1.5":                           0,
		"soon":                          0,
		"Wed, 25 Nov 2026 12:00:30 GMT": 30 * time.Second,
		"Wed, 25 Nov 2026 11:59:00 GMT": 0,
		"99999999999999999999":          0,
		"9999999999":                    24 * time.Hour,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

// echoingServer answers every request with a 400 that repeats the request's Authorization
// header everywhere a server's text can go: the ClerkErrors fields, meta, the trace id and
// the response headers, as a misconfigured proxy or a hostile server would.
func echoingServer(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	w.Header().Set("X-Echo", auth)
	w.Header().Set("Authorization", auth)
	w.Header().Add("Set-Cookie", "session=abc; HttpOnly")
	w.Header().Set("Cookie", "session=abc")                         // credentials other than the key,
	w.Header().Set("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0") // dropped by name
	w.Header().Set("X-Request-Id", "req_1")
	writeJSON(w, 400, map[string]any{
		"errors": []any{map[string]any{
			"code": "bad " + auth, "message": "you sent " + auth, "long_message": "headers: " + auth,
			"meta": map[string]any{"param_name": auth, "nested": map[string]any{"list": []any{auth, 1.0, true}}},
		}},
		"clerk_trace_id": "trace " + auth,
	})
}

// TestTheKeyNeverComesBackFromAServer: whatever the server echoes, the key is not in
// anything the client returns or logs.
func TestTheKeyNeverComesBackFromAServer(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, _, _ := setup(t, echoingServer, WithLogger(logger))
	_, err := c.Revoke(context.Background(), "sit_1")
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		t.Fatalf("err = %v", err)
	}
	var rendered bytes.Buffer
	for _, verb := range verbs {
		fmt.Fprintf(&rendered, verb+"\n", err)
		fmt.Fprintf(&rendered, verb+"\n", apiErr)
		fmt.Fprintf(&rendered, verb+"\n", *apiErr)
	}
	for _, h := range []slog.Handler{slog.NewJSONHandler(&rendered, nil), slog.NewTextHandler(&rendered, nil)} {
		slog.New(h).Error("revoke failed", "err", err, "detail", apiErr, "value", *apiErr)
	}
	json.NewEncoder(&rendered).Encode(apiErr)
	for what, s := range map[string]string{"renderings of the error": rendered.String(), "debug log": logs.String()} {
		if strings.Contains(s, testKey) || strings.Contains(s, "SECRETKEY") {
			t.Errorf("%s carry the key:\n%s", what, s)
		}
	}
	for _, name := range []string{"Set-Cookie", "Cookie", "Authorization", "Proxy-Authorization", "X-Echo"} {
		if v, ok := apiErr.Header[name]; ok {
			t.Errorf("Error.Header keeps %s: %q", name, v)
		}
	}
	if apiErr.Header.Get("X-Request-Id") != "req_1" {
		t.Errorf("Error.Header lost an ordinary header: %v", apiErr.Header)
	}
	if !strings.Contains(err.Error(), "you sent Bearer [REDACTED]") && !strings.Contains(err.Error(), "headers: Bearer [REDACTED]") {
		t.Errorf("the server's message is gone, not redacted: %v", err)
	}
}

// TestServerTextIsCleanedAndBounded: a server's strings reach Error() and logs as one line,
// without control or invisible characters, and cut to a bound.
func TestServerTextIsCleanedAndBounded(t *testing.T) {
	forged := "not found\n\x1b[2K\rerror: \x1b[31mkey revoked, paste a new one at http://evil.example\u202e\x07\u0085" + strings.Repeat("x", 2000)
	c, _, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		details := []any{}
		for range 50 {
			details = append(details, map[string]any{"code": forged, "message": forged, "long_message": forged,
				"meta": map[string]any{"param_name": forged, "deep": map[string]any{"a": map[string]any{"b": map[string]any{"c": forged}}}}})
		}
		writeJSON(w, 404, map[string]any{"errors": details, "clerk_trace_id": forged})
	})
	_, err := c.Revoke(context.Background(), "sit_1")
	var apiErr *Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	if strings.ContainsFunc(msg, func(r rune) bool { return r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u202e' }) {
		t.Errorf("Error() carries control or bidi characters: %q", msg[:min(len(msg), 300)])
	}
	if len(msg) > 4096 {
		t.Errorf("Error() is %d bytes", len(msg))
	}
	if len(apiErr.Errors) == 0 {
		t.Fatalf("no details kept: %v", err)
	}
	if n := len(apiErr.Errors[0].LongMessage); n > maxMessageLen {
		t.Errorf("long message is %d bytes; want it cut to %d", n, maxMessageLen)
	}
	if len(apiErr.Errors) > maxErrorDetails {
		t.Errorf("*Error keeps %d details", len(apiErr.Errors))
	}
	if size := len(fmt.Sprintf("%+v", apiErr)); size > 64<<10 {
		t.Errorf("*Error renders to %d bytes", size)
	}
}

// TestErrorHeaderIsBounded: a caller's client accepts net/http's 10 MiB of response headers;
// the *Error keeps a bounded part of them.
func TestErrorHeaderIsBounded(t *testing.T) {
	c, _, _ := setup(t, paddedHeaders(2000, 500), WithHTTPClient(&http.Client{}))
	_, err := c.Revoke(context.Background(), "sit_1")
	var apiErr *Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v", err)
	}
	size := 0
	for k, vs := range apiErr.Header {
		for _, v := range vs {
			size += len(k) + len(v)
		}
	}
	if size > 16<<10 {
		t.Fatalf("*Error keeps %d bytes of headers", size)
	}
}

// TestASuccessThatIsNotATokenDoesNotEchoTheKey: a 2xx whose object field repeats the request's
// Authorization (and a terminal escape) is refused with an error that quotes neither.
func TestASuccessThatIsNotATokenDoesNotEchoTheKey(t *testing.T) {
	c, _, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"object": r.Header.Get("Authorization") + "\x1b[31m" + strings.Repeat("x", 4000), "id": ""})
	})
	_, err := c.Create(context.Background(), CreateParams{UserID: "user_1"})
	if !errors.Is(err, ErrInvalidResponse) {
		t.Fatalf("err = %v; want ErrInvalidResponse", err)
	}
	if msg := err.Error(); strings.Contains(msg, "SECRETKEY") || strings.ContainsAny(msg, "\x1b") || len(msg) > 1024 {
		t.Errorf("error carries the key, an escape or unbounded server text (%d bytes): %.300q", len(msg), msg)
	}
}

// TestErrorHeaderDropsTheKeyInAnyCase: a proxy that echoes the key lower-cased, or as a header
// name (which net/http canonicalizes, changing its case), leaves no copy in Error.Header.
func TestErrorHeaderDropsTheKeyInAnyCase(t *testing.T) {
	c, _, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		w.Header()[strings.TrimPrefix(auth, "Bearer ")] = []string{"1"}
		w.Header().Set("X-Echo-Lower", strings.ToLower(auth))
		w.Header().Set("X-Echo-Upper", strings.ToUpper(auth))
		w.Header().Set("X-Request-Id", "req_1")
		w.WriteHeader(400)
	})
	_, err := c.Revoke(context.Background(), "sit_1")
	var apiErr *Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v", err)
	}
	lowKey := strings.ToLower(testKey)
	for name, vs := range apiErr.Header {
		for _, s := range append([]string{name}, vs...) {
			if strings.Contains(strings.ToLower(s), lowKey) {
				t.Errorf("Error.Header keeps the key in %s: %q", name, s)
			}
		}
	}
	if apiErr.Header.Get("X-Request-Id") != "req_1" {
		t.Errorf("Error.Header lost an ordinary header: %v", apiErr.Header)
	}
}

// TestTheKeyIsRedactedAfterCleaning: cleaning drops control and invisible characters and
// invalid UTF-8; the key with such characters inside it must not come out of cleaning whole.
func TestTheKeyIsRedactedAfterCleaning(t *testing.T) {
	split := testKey[:12] + "\u200b" + testKey[12:20] + "\x00\xff" + testKey[20:]
	c, _, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, map[string]any{
			"errors":         []any{map[string]any{"code": "x", "message": "you sent " + split, "long_message": "you sent " + split}},
			"clerk_trace_id": split,
		})
	})
	_, err := c.Revoke(context.Background(), "sit_1")
	var apiErr *Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v", err)
	}
	if s := fmt.Sprintf("%v %+v", err, *apiErr); strings.Contains(s, testKey) {
		t.Errorf("cleaning put the key back together: %s", s)
	}
}

// TestErrorMetaIsBounded: Meta keeps at most maxMetaEntries per object or array and
// maxMetaDepth levels of nesting, whatever the server sends; what is cut is dropped, not kept.
func TestErrorMetaIsBounded(t *testing.T) {
	wide, long := map[string]any{}, []any{}
	for i := range 100 {
		wide[fmt.Sprint("k", i)] = i
		long = append(long, i)
	}
	meta := map[string]any{
		"wide": wide, "long": long,
		"deep":      map[string]any{"a": map[string]any{"b": map[string]any{"c": "x"}}},
		"deep list": []any{[]any{[]any{"x"}}},
	}
	body, err := json.Marshal(map[string]any{"errors": []any{map[string]any{"code": "c", "message": "m", "meta": meta}}})
	if err != nil {
		t.Fatal(err)
	}
	e := newError(respond(422, string(body)), body, noRedact)
	if len(e.Errors) != 1 {
		t.Fatalf("details %+v", e.Errors)
	}
	got := e.Errors[0].Meta
	if n := len(got["wide"].(map[string]any)); n != maxMetaEntries {
		t.Errorf("an object of 100 entries keeps %d; want %d", n, maxMetaEntries)
	}
	if n := len(got["long"].([]any)); n != maxMetaEntries {
		t.Errorf("an array of 100 entries keeps %d; want %d", n, maxMetaEntries)
	}
	a, _ := got["deep"].(map[string]any)["a"].(map[string]any)
	if b, ok := a["b"]; !ok || b != nil {
		t.Errorf("meta.deep.a.b = %#v; want the object %d levels down dropped", b, maxMetaDepth+1)
	}
	inner, _ := got["deep list"].([]any)[0].([]any)
	if len(inner) != 1 || inner[0] != nil {
		t.Errorf("meta[\"deep list\"][0] = %#v; want the array %d levels down dropped", inner, maxMetaDepth+1)
	}
}
