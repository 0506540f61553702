package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/clerkgen/signintokens/clienttest"
)

// TestHealthcheck: exit 0 only for 200 {"status":"ok"} at /__clienttest/health; anything else
// (another status, another body, a redirect, nothing listening) is 1 with a reason; a bad
// command line is 2. No key is ever sent.
func TestHealthcheck(t *testing.T) {
	answer := func(status int, body string) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != healthPath || r.Method != http.MethodGet || r.Header.Get("Authorization") != "" {
				http.Error(w, "wrong request", http.StatusTeapot)
				return
			}
			if status == http.StatusFound {
				http.Redirect(w, r, "/elsewhere", status)
				return
			}
			w.WriteHeader(status)
			io.WriteString(w, body)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for name, tc := range map[string]struct {
		args    []string
		code    int
		errText string
	}{
		"healthy":              {[]string{answer(200, `{"status":"ok"}`).URL}, exitOK, ""},
		"healthy, origin + /":  {[]string{answer(200, `{"status":"ok"}`).URL + "/"}, exitOK, ""},
		"not found":            {[]string{answer(404, `404 page not found`).URL}, exitError, "status 404"},
		"unavailable":          {[]string{answer(503, `{"status":"ok"}`).URL}, exitError, "status 503"},
		"another body":         {[]string{answer(200, `{"status":"starting"}`).URL}, exitError, "not {\"status\":\"ok\"}"},
		"not JSON":             {[]string{answer(200, `ok`).URL}, exitError, "not {\"status\":\"ok\"}"},
		"a redirect":           {[]string{answer(302, ``).URL}, exitError, "status 302"},
		"nothing listening":    {[]string{closed.URL, "--timeout", "2s"}, exitError, "connect"},
		"not an origin":        {[]string{"127.0.0.1:8080"}, exitUsage, "not an origin"},
		"two origins":          {[]string{"http://a", "http://b"}, exitUsage, "unexpected argument"},
		"a timeout of nothing": {[]string{"http://127.0.0.1:1", "--timeout", "0s"}, exitUsage, "--timeout"},
	} {
		code, _, errOut := signintoken(t, nil, append([]string{"healthcheck"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.errText) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", name, code, errOut, tc.code, tc.errText)
		}
	}
}

// TestHealthcheckOnTheFake: the fake's own health endpoint (AGREED.md: GET
// /__clienttest/health, no key, 200 {"status":"ok"}) passes the check the image's HEALTHCHECK
// and the Action use.
func TestHealthcheckOnTheFake(t *testing.T) {
	fake, err := clienttest.NewHandler()
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	srv := httptest.NewServer(fake)
	defer srv.Close()
	if code, _, errOut := signintoken(t, nil, "healthcheck", srv.URL); code != exitOK {
		t.Errorf("healthcheck on the fake: exit %d, stderr %q; want 0", code, errOut)
	}
}
