package api

import (
	"context"
	"errors"
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
