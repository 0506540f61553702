package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/clerkgen/signintokens/gen"
)

// secrets are the strings that must never be printed: the key, the token, the URL.
var secrets = []string{testKey, testToken, testURL, "SECRET"}

func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range secrets {
		if strings.Contains(s, secret) {
			t.Errorf("%s leaks %q: %s", what, secret, s)
		}
	}
}

var verbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%10.3v", "%-v"}

func TestSignInTokenPrintsWithoutCredentials(t *testing.T) {
	tok := SignInToken{ID: "sit_1", UserID: "user_2abc", Status: StatusPending, Token: testToken, URL: testURL}
	wrapped := struct{ Token SignInToken }{tok}
	for _, verb := range verbs {
		for name, v := range map[string]any{"value": tok, "pointer": &tok, "in a struct": wrapped, "in a slice": []SignInToken{tok}, "in a map": map[string]*SignInToken{"k": &tok}} {
			out := fmt.Sprintf(verb, v)
			assertNoSecret(t, verb+" of "+name, out)
		}
	}
	out := fmt.Sprintf("%+v", tok)
	if !strings.Contains(out, "sit_1") || !strings.Contains(out, "user_2abc") || !strings.Contains(out, "[REDACTED]") {
		t.Errorf("%%+v = %s; want id and user shown, credentials marked redacted", out)
	}
	if out := fmt.Sprintf("%#v", tok); !strings.HasPrefix(out, "api.SignInToken{") {
		t.Errorf("%%#v = %s; want it to read like the type", out)
	}
	if out := fmt.Sprint(SignInToken{ID: "sit_1"}); strings.Contains(out, "REDACTED") {
		t.Errorf("an absent credential is shown as redacted: %s", out)
	}
}

func TestSignInTokenLogsWithoutCredentials(t *testing.T) {
	tok := &SignInToken{ID: "sit_1", UserID: "user_2abc", Status: StatusPending, Token: testToken, URL: testURL}
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		slog.New(h).Info("minted", "token", tok, "value", *tok)
	}
	assertNoSecret(t, "slog output", buf.String())
	if !strings.Contains(buf.String(), "sit_1") {
		t.Errorf("log does not identify the token: %s", buf.String())
	}
}

func TestClientPrintsWithoutTheKey(t *testing.T) {
	c, err := NewClient(testKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range verbs {
		assertNoSecret(t, verb+" of *Client", fmt.Sprintf(verb, c))
		assertNoSecret(t, verb+" of Client", fmt.Sprintf(verb, *c))
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("client", "client", c)
	assertNoSecret(t, "slog of *Client", buf.String())
	assertNoSecret(t, "%+v of the Raw client", fmt.Sprintf("%+v %+v", c.Raw(), *c.Raw().ClientInterface.(*gen.Client)))
}

func TestErrorsAndDebugLogsCarryNoSecrets(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, _, _ := setup(t, answer(
		okToken("sit_1", "pending"),
		status(503, ""),
		func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 404, clerkErrors("resource_not_found", "not found", "trace_9", nil))
		},
		func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"object":"sign_in_token","token":"` + testToken + `"`))
		},
	), WithLogger(logger), fastRetries(2))
	ctx := context.Background()
	tok, err := c.Create(ctx, CreateParams{UserID: "user_2abc"})
	if err != nil || tok.Token != testToken || tok.URL != testURL {
		t.Fatalf("Create = %v, %v; the caller must still get the credential itself", tok, err)
	}
	_, err1 := c.Revoke(ctx, "sit_1") // 503, then 404
	_, err2 := c.Create(ctx, CreateParams{UserID: "user_2abc"})
	_, err3 := c.Revoke(ctx, testURL)
	for i, err := range []error{err1, err2, err3} {
		if err == nil {
			t.Fatalf("call %d: no error", i+1)
		}
		for _, verb := range verbs {
			assertNoSecret(t, fmt.Sprintf("error %d under %s", i+1, verb), fmt.Sprintf(verb, err))
		}
	}
	var apiErr *Error
	if errors.As(err1, &apiErr) {
		assertNoSecret(t, "%#v of *Error", fmt.Sprintf("%#v", apiErr))
	}
	out := logs.String()
	assertNoSecret(t, "debug log", out)
	for _, want := range []string{`"operation":"create"`, `"operation":"revoke"`, `"attempt":2`, `"status":503`, `"trace_id":"trace_9"`, `"duration"`} {
		if !strings.Contains(out, want) {
			t.Errorf("debug log lacks %s:\n%s", want, out)
		}
	}
}
