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

	"github.com/clerkgen/signintokens/gen"
)

// secrets are the strings that must never be printed: the key, the token, the URL, also
// as hex (for %x and %X).
var secrets = []string{testKey, testToken, testURL, "SECRET",
	fmt.Sprintf("%x", testToken), fmt.Sprintf("%X", testToken), fmt.Sprintf("%x", "SECRET"), fmt.Sprintf("%X", "SECRET")}

func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range secrets {
		if strings.Contains(s, secret) {
			t.Errorf("%s leaks %q: %s", what, secret, s)
		}
	}
}

var verbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%10.3v", "%-v"}

// holders are values that hold a sign-in token's credentials, at every depth and through
// every kind of field fmt, encoding/json and log/slog walk differently.
func holders() map[string]any {
	tok := SignInToken{ID: "sit_1", UserID: "user_2abc", Status: StatusPending, Token: NewSecret(testToken), URL: NewSecret(testURL)}
	ptr := &tok
	type inner struct {
		Exported   SignInToken
		unexported SignInToken
	}
	return map[string]any{
		"value":                         tok,
		"pointer":                       ptr,
		"pointer to pointer":            &ptr,
		"exported field":                struct{ Tok SignInToken }{tok},
		"unexported field":              struct{ tok SignInToken }{tok},
		"unexported pointer field":      struct{ tok *SignInToken }{ptr},
		"nested, exported and not":      struct{ In inner }{inner{tok, tok}},
		"nested unexported":             struct{ in inner }{inner{tok, tok}},
		"slice":                         []SignInToken{tok},
		"slice of pointers":             []*SignInToken{ptr},
		"array":                         [1]SignInToken{tok},
		"map":                           map[string]SignInToken{"k": tok},
		"map of pointers":               map[string]*SignInToken{"k": ptr},
		"map of slices in a struct":     struct{ m map[string][]SignInToken }{map[string][]SignInToken{"k": {tok}}},
		"interface field":               struct{ v any }{tok},
		"Secret":                        tok.Token,
		"*Secret":                       &tok.URL,
		"Secrets in a slice":            []Secret{tok.Token, tok.URL},
		"Secret in an unexported field": struct{ s Secret }{tok.URL},
		"Secret as a map key":           map[Secret]int{tok.URL: 1},
	}
}

func TestSignInTokenPrintsWithoutCredentials(t *testing.T) {
	for name, v := range holders() {
		for _, verb := range verbs {
			assertNoSecret(t, verb+" of "+name, fmt.Sprintf(verb, v))
		}
		assertNoSecret(t, "fmt.Errorf of "+name, fmt.Errorf("failed with %v", v).Error())
	}
	tok := holders()["value"].(SignInToken)
	out := fmt.Sprintf("%+v", tok)
	if !strings.Contains(out, "sit_1") || !strings.Contains(out, "user_2abc") || !strings.Contains(out, "Token:[REDACTED]") {
		t.Errorf("%%+v = %s; want id and user shown, credentials marked redacted", out)
	}
	if out := fmt.Sprintf("%#v", tok); !strings.HasPrefix(out, "api.SignInToken{") {
		t.Errorf("%%#v = %s; want it to read like the type", out)
	}
	if out := fmt.Sprintf("%q", any(tok.Token)); out != `"[REDACTED]"` {
		t.Errorf("%%q = %s", out)
	}
}

func TestSignInTokenEncodesToJSONWithoutCredentials(t *testing.T) {
	for name, v := range holders() {
		out, err := json.Marshal(v)
		if err != nil {
			t.Errorf("json.Marshal of %s: %v", name, err)
		}
		assertNoSecret(t, "json.Marshal of "+name, string(out))
	}
	out, _ := json.Marshal(holders()["value"])
	if !strings.Contains(string(out), `"Token":"[REDACTED]"`) || !strings.Contains(string(out), `"ID":"sit_1"`) {
		t.Errorf("json = %s", out)
	}
}

func TestSignInTokenLogsWithoutCredentials(t *testing.T) {
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		for name, v := range holders() {
			slog.New(h).Info("minted", "value", v, slog.Group("group", "value", v))
			assertNoSecret(t, fmt.Sprintf("%T of %s", h, name), buf.String())
			buf.Reset()
		}
	}
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("minted", "token", holders()["pointer"])
	if !strings.Contains(buf.String(), "sit_1") {
		t.Errorf("log does not identify the token: %s", buf.String())
	}
}

func TestSecretRevealsOnlyWhenAsked(t *testing.T) {
	s := NewSecret(testToken)
	if s.Reveal() != testToken {
		t.Fatalf("Reveal = %q", s.Reveal())
	}
	var zero Secret
	if zero.Reveal() != "" || NewSecret("") != zero {
		t.Fatalf("the zero Secret is not the empty one")
	}
	for _, got := range []string{s.String(), s.GoString(), s.LogValue().String()} {
		if got != "[REDACTED]" {
			t.Errorf("got %q, want [REDACTED]", got)
		}
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
	// What they show is the base URL: Format and LogValue, not only the absence of a key field.
	if got, want := fmt.Sprintf("%+v", c), `api.Client{BaseURL: "https://api.clerk.com/v1"}`; got != want {
		t.Errorf("%%+v of *Client = %s, want %s", got, want)
	}
	if want := `"client":{"base_url":"https://api.clerk.com/v1"}`; !strings.Contains(buf.String(), want) {
		t.Errorf("slog of *Client = %s, want %s", buf.String(), want)
	}
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
	if err != nil || tok.Token.Reveal() != testToken || tok.URL.Reveal() != testURL {
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
