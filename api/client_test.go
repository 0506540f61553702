package api

import (
	"context"
	"errors"
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
		{"api.clerk.com/v1", false},
		{"https://user:pass@api.clerk.com/v1", false},
		{"https://api.clerk.com/v1?x=1", false},
		{"https://api.clerk.com/\x00", false},
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
		for header, want := range map[string]string{
			"Authorization":     "Bearer " + testKey,
			"Content-Type":      "application/json",
			"Clerk-API-Version": signintokens.APIVersion,
		} {
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
