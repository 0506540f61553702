package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// tokenServer is a Clerk API that answers every request with status and body, whatever was
// asked: a hostile or broken server, as the command must survive it.
func tokenServer(t *testing.T, status int, body any) map[string]string {
	t.Helper()
	js, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(js)
	}))
	t.Cleanup(srv.Close)
	return map[string]string{"CLERK_SECRET_KEY": "sk_test_hostile", "CLERK_API_URL": srv.URL + "/v1"}
}

// signInToken is a sign-in token response, as Clerk sends it, with every string set to s
// after a prefix that keeps it recognisable.
func signInToken(s string) map[string]any {
	return map[string]any{
		"object": "sign_in_token", "id": "sit_" + s, "user_id": "user_" + s, "status": "pending" + s,
		"token": "jwtSECRET" + s, "url": "https://accounts.example/?ticket=URLSECRET" + s,
		"created_at": 1_700_000_000_000, "updated_at": 1_700_000_000_000,
	}
}

// TestHostileServerStringsNeverReachTheTerminalRaw runs every command against a server that
// puts escape sequences, newlines and a forged "error:" line into every field it controls.
func TestHostileServerStringsNeverReachTheTerminalRaw(t *testing.T) {
	ok := signInToken(evil)
	clerkErr := map[string]any{
		"errors": []any{map[string]any{
			"code": "code" + evil, "message": evil, "long_message": evil,
			"meta": map[string]any{"param_name": evil},
		}},
		"clerk_trace_id": evil,
	}
	for name, tc := range map[string]struct {
		status int
		body   any
		args   []string
		code   int
	}{
		"create":              {200, ok, []string{"create", "--user", "user_1"}, exitOK},
		"create --json":       {200, ok, []string{"create", "--user", "user_1", "--json"}, exitOK},
		"revoke":              {200, ok, []string{"revoke", "sit_1"}, exitOK},
		"revoke --json":       {200, ok, []string{"revoke", "sit_1", "--json"}, exitOK},
		"create error":        {422, clerkErr, []string{"create", "--user", "user_1"}, exitError},
		"create --json error": {422, clerkErr, []string{"create", "--user", "user_1", "--json"}, exitError},
		"revoke error":        {400, clerkErr, []string{"revoke", "sit_1"}, exitError},
		"not found":           {404, clerkErr, []string{"revoke", "sit_1"}, exitError},
	} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := signintoken(t, tokenServer(t, tc.status, tc.body), tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%q\n%q", code, tc.code, out, errOut)
			}
			assertTerminalSafe(t, "stdout", out)
			assertTerminalSafe(t, "stderr", errOut)
			if tc.code != exitOK {
				if n := strings.Count(errOut, "\n"); n != 1 || !strings.HasPrefix(errOut, "error: ") {
					t.Errorf("the server's error is %d lines, want one \"error: …\" line:\n%s", n, errOut)
				}
				if !strings.Contains(errOut, "code") {
					t.Errorf("stderr lacks the server's error code: %s", errOut)
				}
				return
			}
			if strings.Contains(tc.args[len(tc.args)-1], "json") {
				var got map[string]any
				if err := json.Unmarshal([]byte(out), &got); err != nil || strings.Count(out, "\n") != 1 {
					t.Fatalf("--json is not one line of JSON (%v):\n%s", err, out)
				}
				for _, k := range []string{"id", "user_id", "status", "token", "url"} {
					if got[k] != ok[k] {
						t.Errorf("--json %s = %q, want the server's %q exactly", k, got[k], ok[k])
					}
				}
				return
			}
			if !strings.Contains(out, `sit_\x1b[2J`) {
				t.Errorf("the id is not shown escaped:\n%s", out)
			}
			if tc.args[0] == "create" && !strings.Contains(out, "url:      "+terminalText(ok["url"].(string), 1<<20)+"\n") {
				t.Errorf("the URL is not shown whole, escaped:\n%s", out)
			}
			if strings.Contains(out+errOut, "jwtSECRET") {
				t.Errorf("text output shows the token:\n%s\n%s", out, errOut)
			}
		})
	}
}

// TestHostileServerErrorIsOneBoundedLine: however long the server's message, stderr gets one
// line of bounded length.
func TestHostileServerErrorIsOneBoundedLine(t *testing.T) {
	long := strings.Repeat("A\n\x1b[1m", 10_000) // 480 KB in all: under the client's body bound
	env := tokenServer(t, 500, map[string]any{
		"errors":         []any{map[string]any{"code": long, "message": long, "long_message": long}},
		"clerk_trace_id": long,
	})
	code, _, errOut := signintoken(t, env, "create", "--user", "user_1")
	if code != exitError || strings.Count(errOut, "\n") != 1 || len(errOut) > maxLineLen+len("error: …\n") {
		t.Fatalf("exit %d, %d lines, %d bytes; want 1, one line, at most %d bytes", code, strings.Count(errOut, "\n"), len(errOut), maxLineLen+len("error: …\n"))
	}
	assertTerminalSafe(t, "stderr", errOut)
}
