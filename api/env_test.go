package api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
)

// TestNewClientFromEnv: the two variables as Clerk's SDKs read them, and an operator's
// mistakes in either refused by name, before anything is sent; the same from the process's
// environment (NewClientFromEnv) and from a lookup function (NewClientFromEnvFunc, as the CLI
// passes its own environment).
func TestNewClientFromEnv(t *testing.T) {
	var received atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { received.Add(1) }))
	defer srv.Close()
	const unset = "\x00unset" // not a value a variable can hold

	for name, tc := range map[string]struct {
		key, apiURL string
		opts        []Option
		wantBaseURL string // "" when refused
		wantErr     string // the variable the error names
	}{
		"URL unset: Clerk's API":             {key: testKey, apiURL: unset, wantBaseURL: DefaultBaseURL},
		"URL empty: Clerk's API":             {key: testKey, apiURL: "", wantBaseURL: DefaultBaseURL},
		"an origin, as the fake prints it":   {key: testKey, apiURL: srv.URL, wantBaseURL: srv.URL + "/v1"},
		"an origin with a slash":             {key: testKey, apiURL: "https://api.clerk.com/", wantBaseURL: "https://api.clerk.com/v1"},
		"a URL ending in /v1":                {key: testKey, apiURL: srv.URL + "/v1", wantBaseURL: srv.URL + "/v1"},
		"WithBaseURL wins over the variable": {key: testKey, apiURL: "https://example.com", opts: []Option{WithBaseURL(srv.URL)}, wantBaseURL: srv.URL + "/v1"},
		"key unset":                          {key: unset, apiURL: srv.URL, wantErr: "CLERK_SECRET_KEY"},
		"key empty":                          {key: "", apiURL: srv.URL, wantErr: "CLERK_SECRET_KEY"},
		"key with a newline":                 {key: testKey + "\n", apiURL: srv.URL, wantErr: "CLERK_SECRET_KEY"},
		"a publishable key":                  {key: "pk_test_" + testKey[8:], apiURL: srv.URL, wantErr: "CLERK_SECRET_KEY"},
		"URL without a scheme":               {key: testKey, apiURL: "api.clerk.com", wantErr: "CLERK_API_URL"},
		"URL of plain http to a network":     {key: testKey, apiURL: "http://api.clerk.com", wantErr: "CLERK_API_URL"},
		"URL with a path not /v1":            {key: testKey, apiURL: srv.URL + "/v2", wantErr: "CLERK_API_URL"},
		"URL of spaces":                      {key: testKey, apiURL: "  ", wantErr: "CLERK_API_URL"},
		"URL with a trailing space":          {key: testKey, apiURL: srv.URL + " ", wantErr: "whitespace"},
		"URL with a leading space":           {key: testKey, apiURL: " " + srv.URL, wantErr: "whitespace"},
	} {
		setenv(t, EnvSecretKey, tc.key, unset)
		setenv(t, EnvAPIURL, tc.apiURL, unset)
		vars := map[string]string{}
		for name, value := range map[string]string{EnvSecretKey: tc.key, EnvAPIURL: tc.apiURL} {
			if value != unset {
				vars[name] = value
			}
		}
		for from, newClient := range map[string]func() (*Client, error){
			"NewClientFromEnv": func() (*Client, error) { return NewClientFromEnv(tc.opts...) },
			"NewClientFromEnvFunc": func() (*Client, error) {
				return NewClientFromEnvFunc(func(k string) string { return vars[k] }, tc.opts...)
			},
		} {
			c, err := newClient()
			switch {
			case tc.wantErr != "":
				if c != nil || !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("%s: %s = %v, %v; want no client and an ErrInvalidInput naming %s", name, from, c, err, tc.wantErr)
				} else if strings.Contains(err.Error(), testKey[8:]) {
					t.Errorf("%s: %s: the error repeats the key: %v", name, from, err)
				}
			case err != nil:
				t.Errorf("%s: %s: %v", name, from, err)
			case c.baseURL != tc.wantBaseURL:
				t.Errorf("%s: %s: base URL %q, want %q", name, from, c.baseURL, tc.wantBaseURL)
			}
		}
	}
	// A caller's environment that reads nothing: refused, not a panic.
	if c, err := NewClientFromEnvFunc(nil); c != nil || !errors.Is(err, ErrInvalidInput) {
		t.Errorf("NewClientFromEnvFunc(nil) = %v, %v; want no client and ErrInvalidInput", c, err)
	}
	if n := received.Load(); n != 0 {
		t.Errorf("the server received %d requests; making a client sends none", n)
	}
}

// setenv sets name to value for the test, or unsets it when value is unset.
func setenv(t *testing.T, name, value, unset string) {
	t.Helper()
	t.Setenv(name, "") // restored when the test ends, whatever follows
	if value == unset {
		os.Unsetenv(name)
		return
	}
	t.Setenv(name, value)
}
