package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/clienttest"
	"go.uber.org/goleak"
)

// TestMain fails when a command leaves a goroutine behind: the built-in fake, a server, a retry.
// Then it removes the binary the process tests built. net/http's own lingering close is not a
// leak: after answering a request it will not read further (431, a refused body) it waits
// 500 ms for the client to go before closing, whatever the server's Close says, and a test
// of that answer run last (or alone) would otherwise fail here.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("net/http.(*conn).closeWriteAndWait"), goleak.Cleanup(func(code int) {
		if builtDir != "" {
			os.RemoveAll(builtDir)
		}
		os.Exit(code)
	}))
}

// syncBuffer is a bytes.Buffer safe to write from the fake's goroutines while a test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// signintoken runs the command with env as its whole environment.
func signintoken(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut syncBuffer
	code = run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCreateOnTheBuiltInFake(t *testing.T) {
	code, out, errOut := signintoken(t, nil, "create", "--user", "user_demo", "--expires", "2h")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"id:", "sit_", "status:", "pending", "expires:", "url:", "/tickets/accept?ticket="} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "built-in fake") || !strings.Contains(errOut, "Nothing leaves this machine") {
		t.Errorf("stderr does not say the fake was used:\n%s", errOut)
	}
	if !strings.Contains(errOut, "credential") {
		t.Errorf("stderr does not warn that the URL is a credential:\n%s", errOut)
	}
}

func TestCreateJSON(t *testing.T) {
	code, out, errOut := signintoken(t, nil, "create", "--json", "--user", "user_demo", "--org", "org_1", "--expires", "30d")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"id", "user_id", "status", "url", "token", "created_at", "updated_at"} {
		if _, ok := got[k]; !ok {
			t.Errorf("JSON lacks %s: %s", k, out)
		}
	}
	if got["expires_at"].(float64)-got["created_at"].(float64) != float64(30*24*time.Hour/time.Millisecond) {
		t.Errorf("expires_at is not created_at + 30 days: %s", out)
	}
}

func TestCreateAndRevokeAgainstAServer(t *testing.T) {
	s := clienttest.NewServer(t)
	env := map[string]string{"CLERK_SECRET_KEY": s.SecretKey(), "CLERK_API_URL": s.URL()}
	code, out, errOut := signintoken(t, env, "create", "--user", "user_2abc", "--json")
	if code != exitOK {
		t.Fatalf("create: exit %d: %s", code, errOut)
	}
	if strings.Contains(errOut, "built-in fake") {
		t.Fatal("used the built-in fake though CLERK_SECRET_KEY is set")
	}
	var tok struct{ ID string }
	_ = json.Unmarshal([]byte(out), &tok)
	if len(s.Tokens()) != 1 || s.Tokens()[0].ID != tok.ID {
		t.Fatalf("the server did not mint the token printed: %s", out)
	}
	if ua := s.Requests()[0].Header.Get("User-Agent"); !strings.Contains(ua, "signintoken-cli") {
		t.Errorf("User-Agent %q does not name the CLI", ua)
	}

	// --base-url beats CLERK_API_URL, and flags may follow the id.
	env["CLERK_API_URL"] = "https://wrong.example/v1"
	code, out, errOut = signintoken(t, env, "revoke", tok.ID, "--json", "--base-url", s.URL())
	if code != exitOK || !strings.Contains(out, `"status":"revoked"`) {
		t.Fatalf("revoke: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = signintoken(t, env, "revoke", "--base-url", s.URL(), tok.ID)
	if code != exitError {
		t.Fatalf("second revoke: exit %d, want 1\n%s", code, out)
	}
}

func TestAPIErrorsExitOneWithStatusCodeAndTrace(t *testing.T) {
	s := clienttest.NewServer(t)
	env := map[string]string{"CLERK_SECRET_KEY": s.SecretKey(), "CLERK_API_URL": s.URL()}
	code, _, errOut := signintoken(t, env, "revoke", "sit_unknown")
	if code != exitError {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{"404", "resource_not_found", "Resource not found", "[trace "} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q: %s", want, errOut)
		}
	}
	if strings.Contains(errOut, "goroutine") || strings.Contains(errOut, "panic") {
		t.Errorf("stack trace on stderr: %s", errOut)
	}
}

func TestNetworkErrorsExitOne(t *testing.T) {
	env := map[string]string{"CLERK_SECRET_KEY": "sk_test_abc", "CLERK_API_URL": "http://127.0.0.1:1/v1"}
	if code, _, errOut := signintoken(t, env, "create", "--user", "user_2abc"); code != exitError {
		t.Fatalf("exit %d, want 1: %s", code, errOut)
	}
}

func TestUsageAndInvalidInputExitTwo(t *testing.T) {
	for name, tc := range map[string]struct {
		env  map[string]string
		args []string
		says string
	}{
		"no command":          {nil, nil, "Usage:"},
		"unknown command":     {nil, []string{"mint"}, `unknown command "mint"`},
		"create without user": {nil, []string{"create"}, "--user is required"},
		"unknown flag":        {nil, []string{"create", "--user", "u", "--secret-key", "sk_test_x"}, "flag provided but not defined"},
		"stray argument":      {nil, []string{"create", "--user", "u", "extra"}, `unexpected argument "extra"`},
		"bad duration":        {nil, []string{"create", "--user", "u", "--expires", "soon"}, "--expires"},
		"zero days":           {nil, []string{"create", "--user", "u", "--expires", "0d"}, "--expires"},
		"fractional seconds":  {nil, []string{"create", "--user", "u", "--expires", "1500ms"}, "whole number of seconds"},
		"revoke without id":   {nil, []string{"revoke"}, "exactly one sign-in token id"},
		"revoke two ids":      {nil, []string{"revoke", "sit_1", "sit_2"}, "exactly one"},
		"revoke bad id":       {nil, []string{"revoke", "../users"}, "sign-in token id"},
		"publishable key":     {map[string]string{"CLERK_SECRET_KEY": "pk_test_SECRETISH"}, []string{"create", "--user", "u"}, "publishable key"},
		"url without key":     {map[string]string{"CLERK_API_URL": "https://api.clerk.com/v1"}, []string{"create", "--user", "u"}, "CLERK_SECRET_KEY is not set"},
		"http to the public":  {map[string]string{"CLERK_SECRET_KEY": "sk_test_SECRETISH"}, []string{"create", "--user", "u", "--base-url", "http://api.clerk.com/v1"}, "https"},
		// The variables are read and checked by api.NewClientFromEnvFunc, the one home of that
		// rule: each error names the variable that was wrong, as the library's does.
		"key names its variable": {map[string]string{"CLERK_SECRET_KEY": "pk_test_SECRETISH", "CLERK_API_URL": "https://api.clerk.com"}, []string{"create", "--user", "u"}, "CLERK_SECRET_KEY: "},
		"url names its variable": {map[string]string{"CLERK_SECRET_KEY": "sk_test_SECRETISH", "CLERK_API_URL": "api.clerk.com"}, []string{"create", "--user", "u"}, "CLERK_API_URL: "},
		"url wrong despite flag": {map[string]string{"CLERK_SECRET_KEY": "sk_test_SECRETISH", "CLERK_API_URL": "api.clerk.com"}, []string{"revoke", "sit_1", "--base-url", "http://127.0.0.1:1"}, "CLERK_API_URL: "},
		"fake stray arg":         {nil, []string{"fake", "now"}, "unexpected argument"},
		"fake bad key":           {nil, []string{"fake", "--key", "sk_live_"}, "--key"},
	} {
		t.Run(name, func(t *testing.T) {
			code, _, errOut := signintoken(t, tc.env, tc.args...)
			if code != exitUsage || !strings.Contains(errOut, tc.says) {
				t.Fatalf("exit %d, stderr %q; want 2 saying %q", code, errOut, tc.says)
			}
			if strings.Contains(errOut, "SECRETISH") {
				t.Fatalf("stderr repeats the key: %s", errOut)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"create", "--help"}, {"revoke", "-h"}, {"fake", "--help"}} {
		code, out, _ := signintoken(t, nil, args...)
		if code != exitOK || !strings.Contains(out, "Usage:") {
			t.Errorf("%v: exit %d, stdout %q", args, code, out)
		}
	}
	_, out, _ := signintoken(t, nil, "--help")
	for _, cmd := range []string{"signintoken version | --version", "signintoken bulk create", "signintoken bulk revoke"} {
		if !strings.Contains(out, cmd) {
			t.Errorf("--help does not mention %q:\n%s", cmd, out)
		}
	}
}

func TestTheKeyNeverReachesOutput(t *testing.T) {
	s := clienttest.NewServer(t, clienttest.WithSecretKey("sk_test_TOPSECRET"))
	env := map[string]string{"CLERK_SECRET_KEY": "sk_test_TOPSECRET", "CLERK_API_URL": s.URL()}
	s.FailNext(1, 401, 0)
	for _, args := range [][]string{{"create", "--user", "u"}, {"create", "--user", "u"}, {"revoke", "sit_x"}, {"create", "--user", "u", "--base-url", "http://10.0.0.1/v1"}} {
		_, out, errOut := signintoken(t, env, args...)
		if strings.Contains(out+errOut, "TOPSECRET") {
			t.Fatalf("%v printed the key:\n%s\n%s", args, out, errOut)
		}
	}
}
