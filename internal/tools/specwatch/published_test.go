package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func serve(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestListVersionsTakesOnlyDatedFiles(t *testing.T) {
	u := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`[{"name":"2025-11-10.yml","type":"file"},{"name":"README.md","type":"file"},
			{"name":"2026-05-12.yml","type":"file"},{"name":"2021-02-05.yml","type":"file"},
			{"name":"2099-01-01.yml","type":"dir"},{"name":"../../etc.yml","type":"file"},
			{"name":"2026-05-12.yaml","type":"file"},{"name":"2026-5-1.yml","type":"file"}]`))
	})
	got, err := listVersions(context.Background(), http.DefaultClient, u)
	if want := []string{"2021-02-05", "2025-11-10", "2026-05-12"}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("listVersions = %v, %v; want %v", got, err, want)
	}
}

func TestListVersionsRefusesWhatIsNoListing(t *testing.T) {
	for name, tc := range map[string]struct {
		status int
		body   string
		want   string
	}{
		"no version":    {200, `[{"name":"README.md","type":"file"}]`, "names no published version"},
		"not JSON":      {200, `<html>rate limited</html>`, "not a GitHub contents listing"},
		"an error":      {403, `{"message":"API rate limit exceeded"}`, "403"},
		"over 1 MiB":    {200, "[" + strings.Repeat(" ", maxListing) + "]", "larger than"},
		"not an array":  {200, `{"name":"2026-05-12.yml"}`, "not a GitHub contents listing"},
		"an empty body": {200, ``, "not a GitHub contents listing"},
	} {
		t.Run(name, func(t *testing.T) {
			u := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			})
			if _, err := listVersions(context.Background(), http.DefaultClient, u); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// The listing is read from an http(s) URL only.
func TestGetTakesOnlyHTTPURLs(t *testing.T) {
	for _, bad := range []string{"file:///etc/passwd", "ftp://example.com/x", "/etc/passwd", "http://"} {
		if _, err := get(context.Background(), http.DefaultClient, bad, 10, ""); err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
			t.Errorf("get(%q): err %v, want it refused", bad, err)
		}
	}
}

// The workflow's token goes to GitHub's API only, never to another host (here, loopback).
func TestTheTokenGoesToGitHubOnly(t *testing.T) {
	t.Setenv("GITHUB_TOKEN", "ghs_secret")
	u := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			t.Errorf("the token was sent to %s", r.Host)
		}
		w.Write([]byte(`[{"name":"2026-05-12.yml","type":"file"}]`))
	})
	if _, err := listVersions(context.Background(), http.DefaultClient, u); err != nil {
		t.Fatal(err)
	}
}
