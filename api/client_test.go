package api

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	signintokens "github.com/clerkgen/signintokens"
	"github.com/clerkgen/signintokens/gen"
)

func TestNewClientRefusesMalformedKeysWithoutEchoingThem(t *testing.T) {
	for name, key := range map[string]string{
		"empty":            "",
		"publishable":      "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k",
		"no prefix":        "0123456789abcdefSECRET",
		"unknown env":      "sk_prod_0123456789SECRET",
		"prefix only":      "sk_live_",
		"trailing newline": "sk_test_0123456789SECRET\n",
		"inner space":      "sk_test_0123 456789SECRET",
		"control char":     "sk_test_0123\x00456789SECRET",
		"non-ascii":        "sk_test_0123é456789SECRET",
	} {
		t.Run(name, func(t *testing.T) {
			c, err := NewClient(key)
			if c != nil || !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("NewClient = %v, %v; want nil and ErrInvalidInput", c, err)
			}
			if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "Y2xlcm") {
				t.Fatalf("error repeats the key: %q", err)
			}
			if !strings.Contains(err.Error(), "secret key") {
				t.Fatalf("error does not say what was wrong: %q", err)
			}
		})
	}
}

// TestNewClientSkipsNilOptions: an option list built conditionally may hold nils; they are
// skipped, not called.
func TestNewClientSkipsNilOptions(t *testing.T) {
	if _, err := NewClient(testKey, nil, WithUserAgent("console/1"), nil); err != nil {
		t.Fatal(err)
	}
}

func TestNewClientAcceptsTestAndLiveKeys(t *testing.T) {
	for _, key := range []string{"sk_test_abc123", "sk_live_ABC_def-456"} {
		if _, err := NewClient(key); err != nil {
			t.Errorf("NewClient(%s…): %v", key[:8], err)
		}
	}
}

func TestNewClientBaseURL(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{DefaultBaseURL, true},
		{"https://clerk.internal.example/v1", true},
		{"http://127.0.0.1:8080/v1", true},
		{"http://127.9.9.9:8080/v1", true},
		{"http://[::1]:8080/v1", true},
		{"http://localhost:8080/v1", true},
		{"http://api.clerk.com/v1", false},
		{"http://10.0.0.5/v1", false},
		{"ftp://api.clerk.com/v1", false},
		{"https:///v1", false},
		{"https://:443", false}, // a port and no host: Go dials the local machine
		{"https://:8443/v1", false},
		{"https://\u0430pi.clerk.com", false},  // a Cyrillic а: another domain that reads as Clerk's
		{"https://xn--pi-7kc.clerk.com", true}, // the same host in punycode, written on purpose
		{"api.clerk.com/v1", false},
		{"https://user:pass@api.clerk.com/v1", false},
		{"https://api.clerk.com/v1?x=1", false},
		{"https://api.clerk.com/\x00", false},
		// An origin (as CLERK_API_URL) or a URL ending in /v1 (as clerk-sdk-go).
		{"https://api.clerk.com", true},
		{"https://api.clerk.com/", true},
		{"http://127.0.0.1:8080", true},
		{"https://api.clerk.com/v1/", true},
		{"https://proxy.example/clerk/v1", true},
		{"https://api.clerk.com/v2", false},
		{"https://api.clerk.com/sign_in_tokens", false},
		{"https://api.clerk.com/v1?", false},
		{"https://api.clerk.com/v1#", false},
		{"https://api.clerk.com/\u202ev1", false},
	} {
		_, err := NewClient(testKey, WithBaseURL(tc.url))
		if tc.ok && err != nil {
			t.Errorf("WithBaseURL(%q): %v", tc.url, err)
		}
		if !tc.ok {
			if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "base URL") {
				t.Errorf("WithBaseURL(%q): err = %v, want ErrInvalidInput naming the base URL", tc.url, err)
			} else if strings.Contains(err.Error(), "pass") {
				t.Errorf("WithBaseURL(%q): error repeats user info: %v", tc.url, err)
			}
		}
	}
}

func TestNewClientRefusesBadOptions(t *testing.T) {
	for name, tc := range map[string]struct {
		opt  Option
		says string
	}{
		"nil http client":    {WithHTTPClient(nil), "WithHTTPClient"},
		"zero expiry":        {WithDefaultExpiry(0), "WithDefaultExpiry"},
		"sub-second expiry":  {WithDefaultExpiry(500 * time.Millisecond), "at least 1s"},
		"fractional expiry":  {WithDefaultExpiry(1500 * time.Millisecond), "whole number of seconds"},
		"zero attempts":      {WithRetryPolicy(RetryPolicy{}), "MaxAttempts"},
		"negative base":      {WithRetryPolicy(RetryPolicy{MaxAttempts: 2, BaseDelay: -1}), "BaseDelay"},
		"max below base":     {WithRetryPolicy(RetryPolicy{MaxAttempts: 2, BaseDelay: time.Second, MaxDelay: time.Millisecond}), "MaxDelay"},
		"header injection":   {WithUserAgent("app/1\r\nX-Evil: 1"), "WithUserAgent"},
		"bidi in product":    {WithUserAgent("app/\u202e1"), "WithUserAgent"},
		"overlong product":   {WithUserAgent(strings.Repeat("a", 257)), "WithUserAgent"},
		"huge delays":        {WithRetryPolicy(RetryPolicy{MaxAttempts: 3, BaseDelay: math.MaxInt64, MaxDelay: math.MaxInt64}), "MaxDelay"},
		"huge max delay":     {WithRetryPolicy(RetryPolicy{MaxAttempts: 3, BaseDelay: time.Second, MaxDelay: math.MaxInt64}), "MaxDelay"},
		"back to back":       {WithRetryPolicy(RetryPolicy{MaxAttempts: 3}), "back to back"},
		"nanosecond backoff": {WithRetryPolicy(RetryPolicy{MaxAttempts: 3, BaseDelay: 1, MaxDelay: 1}), "back to back"},
		"endless attempts":   {WithRetryPolicy(RetryPolicy{MaxAttempts: 1 << 30, BaseDelay: time.Second, MaxDelay: time.Second}), "MaxAttempts"},
		"http to the public": {WithBaseURL("http://example.com"), "base URL"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := NewClient(testKey, tc.opt)
			if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("err = %v; want ErrInvalidInput saying %q", err, tc.says)
			}
		})
	}
}

func TestRequestsCarryAuthAndHeaders(t *testing.T) {
	c, srv, _ := setup(t, okToken("sit_1", "pending"), WithUserAgent("support-console/2.3"))
	if _, err := c.Create(context.Background(), CreateParams{UserID: "user_2abc"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Revoke(context.Background(), "sit_1"); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("server saw %d requests, want 2", len(reqs))
	}
	wantPaths := []string{"/v1/sign_in_tokens", "/v1/sign_in_tokens/sit_1/revoke"}
	for i, r := range reqs {
		if r.Method != http.MethodPost || r.Path != wantPaths[i] {
			t.Errorf("request %d: %s %s, want POST %s", i, r.Method, r.Path, wantPaths[i])
		}
		want := map[string]string{
			"Authorization":     "Bearer " + testKey,
			"Accept":            "application/json",
			"Clerk-API-Version": signintokens.APIVersion,
		}
		if i == 0 { // Create has a JSON body; Revoke none
			want["Content-Type"] = "application/json"
		}
		for header, want := range want {
			if got := r.Header.Get(header); got != want {
				t.Errorf("request %d: %s = %q, want %q", i, header, got, want)
			}
		}
		ua := r.Header.Get("User-Agent")
		if !strings.HasPrefix(ua, "signintokens-go/"+Version) || !strings.HasSuffix(ua, " support-console/2.3") {
			t.Errorf("request %d: User-Agent = %q, want the library's, then the product", i, ua)
		}
	}
}

func TestRawReachesTheGeneratedClientWithAuth(t *testing.T) {
	c, srv, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req_1")
		writeJSON(w, 200, tokenJSON("sit_raw", "pending"))
	})
	resp, err := c.Raw().CreateSignInTokenWithResponse(context.Background(), gen.CreateSignInTokenJSONRequestBody{UserID: "user_2abc"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() != 200 || resp.HTTPResponse.Header.Get("X-Request-Id") != "req_1" || resp.JSON200 == nil || resp.JSON200.ID != "sit_raw" {
		t.Fatalf("raw response: status %d, header %q, body %+v", resp.StatusCode(), resp.HTTPResponse.Header.Get("X-Request-Id"), resp.JSON200)
	}
	if got := srv.Requests()[0].Header.Get("Authorization"); got != "Bearer "+testKey {
		t.Fatalf("raw request Authorization = %q", got)
	}
}

func TestRawReadsThroughTheBodyBound(t *testing.T) {
	c, _, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"pad":"` + strings.Repeat("x", 2<<20) + `"}`))
	})
	_, err := c.Raw().CreateSignInTokenWithResponse(context.Background(), gen.CreateSignInTokenJSONRequestBody{UserID: "user_2abc"})
	if err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("err = %v, want the body bound", err)
	}
}

// TestBaseURLErrorsShowOnlySchemeAndHost: a key or password pasted into the wrong part of a URL
// must not come back in the error that refuses it.
func TestBaseURLErrorsShowOnlySchemeAndHost(t *testing.T) {
	for _, raw := range []string{
		"https://sk_live_PASTED@api.clerk.com/v1",
		"https://user:PASTED@api.clerk.com/v1",
		"https://api.clerk.com/v1?key=PASTED",
		"https://api.clerk.com/v1#PASTED",
		"https://api.clerk.com/PASTED",
		"http://10.0.0.5/PASTED/v1",
		"ftp://api.clerk.com/PASTED",
		"https://api.clerk.com/%zzPASTED",
		"https://api.clerk.com/v1 PASTED",
		"https://[PASTED/v1",
	} {
		_, err := NewClient(testKey, WithBaseURL(raw))
		if !errors.Is(err, ErrInvalidInput) {
			t.Errorf("WithBaseURL(%q) = %v; want ErrInvalidInput", raw, err)
			continue
		}
		if strings.Contains(err.Error(), "PASTED") {
			t.Errorf("WithBaseURL(%q): error quotes more than scheme and host: %v", raw, err)
		}
	}
}

// TestAnOriginGetsV1: WithBaseURL takes an origin, as Clerk's CLERK_API_URL holds, or a URL
// ending in /v1, as clerk-sdk-go's; both reach the same paths.
func TestAnOriginGetsV1(t *testing.T) {
	for _, suffix := range []string{"", "/", "/v1", "/v1/"} {
		c, srv, _ := setup(t, okToken("sit_1", "pending"))
		c2, err := NewClient(testKey, WithBaseURL(srv.URL+suffix))
		if err != nil {
			t.Fatalf("WithBaseURL(origin%s): %v", suffix, err)
		}
		_ = c
		if _, err := c2.Revoke(context.Background(), "sit_1"); err != nil {
			t.Fatal(err)
		}
		if got := srv.Requests()[0].Path; got != "/v1/sign_in_tokens/sit_1/revoke" {
			t.Errorf("WithBaseURL(origin%s) sent to %s", suffix, got)
		}
		c2.hc.CloseIdleConnections()
	}
}

// TestNewClientSurvivesAReplacedDefaultTransport: tracing libraries replace
// http.DefaultTransport with a RoundTripper of their own.
func TestNewClientSurvivesAReplacedDefaultTransport(t *testing.T) {
	saved := http.DefaultTransport
	t.Cleanup(func() { http.DefaultTransport = saved })
	http.DefaultTransport = roundTripperFunc(func(r *http.Request) (*http.Response, error) { return saved.RoundTrip(r) })
	c, srv, _ := setup(t, okToken("sit_1", "pending"))
	if _, err := c.Revoke(context.Background(), "sit_1"); err != nil || len(srv.Requests()) != 1 {
		t.Fatalf("Revoke = %v after %d requests", err, len(srv.Requests()))
	}
	c.hc.CloseIdleConnections()
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
