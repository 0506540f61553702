package api

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCreateSendsExpiryExplicitly(t *testing.T) {
	for name, tc := range map[string]struct {
		opts        []Option
		params      CreateParams
		wantSeconds float64
	}{
		"library default":     {nil, CreateParams{UserID: "user_2abc"}, 2592000},
		"client default":      {[]Option{WithDefaultExpiry(time.Hour)}, CreateParams{UserID: "user_2abc"}, 3600},
		"per call":            {[]Option{WithDefaultExpiry(time.Hour)}, CreateParams{UserID: "user_2abc", ExpiresIn: 90 * time.Second}, 90},
		"one second, the min": {nil, CreateParams{UserID: "user_2abc", ExpiresIn: time.Second}, 1},
	} {
		t.Run(name, func(t *testing.T) {
			c, srv, _ := setup(t, okToken("sit_1", "pending"), tc.opts...)
			if _, err := c.Create(context.Background(), tc.params); err != nil {
				t.Fatal(err)
			}
			var body map[string]any
			if err := json.Unmarshal(srv.Requests()[0].Body, &body); err != nil {
				t.Fatal(err)
			}
			if body["expires_in_seconds"] != tc.wantSeconds {
				t.Fatalf("expires_in_seconds = %v, want %v", body["expires_in_seconds"], tc.wantSeconds)
			}
			if _, ok := body["org_id"]; ok {
				t.Fatalf("org_id sent though not set: %s", srv.Requests()[0].Body)
			}
		})
	}
}

func TestCreateSendsOrgIDOnlyWhenSet(t *testing.T) {
	c, srv, _ := setup(t, okToken("sit_1", "pending"))
	if _, err := c.Create(context.Background(), CreateParams{UserID: "user_2abc", OrganizationID: "org_2xyz"}); err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	_ = json.Unmarshal(srv.Requests()[0].Body, &body)
	if body["org_id"] != "org_2xyz" || body["user_id"] != "user_2abc" {
		t.Fatalf("body = %s", srv.Requests()[0].Body)
	}
}

func TestCreateReturnsTheToken(t *testing.T) {
	c, _, _ := setup(t, okToken("sit_2abc", "pending"))
	tok, err := c.Create(context.Background(), CreateParams{UserID: "user_2abc"})
	if err != nil {
		t.Fatal(err)
	}
	want := SignInToken{
		ID: "sit_2abc", UserID: "user_2abc", Status: StatusPending, Token: NewSecret(testToken), URL: NewSecret(testURL),
		CreatedAt: time.Date(2025, 11, 25, 21, 37, 31, 0, time.UTC),
		UpdatedAt: time.Date(2025, 11, 25, 21, 37, 32, 500e6, time.UTC),
	}
	if tok.Token.Reveal() != testToken || tok.URL.Reveal() != testURL {
		t.Fatalf("credentials = %q, %q", tok.Token.Reveal(), tok.URL.Reveal())
	}
	tok.Token, tok.URL, want.Token, want.URL = Secret{}, Secret{}, Secret{}, Secret{}
	if *tok != want {
		t.Fatalf("token = %#v (%s, %s), want %#v", *tok, tok.CreatedAt, tok.UpdatedAt, want)
	}
}

func TestRefusedCallsSendNothing(t *testing.T) {
	c, srv, _ := setup(t, okToken("sit_1", "pending"))
	ctx := context.Background()
	creates := map[string]struct {
		p    CreateParams
		says string
	}{
		"empty user":           {CreateParams{}, "UserID is empty"},
		"user with space":      {CreateParams{UserID: "user 2abc"}, "UserID contains whitespace"},
		"org with newline":     {CreateParams{UserID: "user_2abc", OrganizationID: "org_1\n"}, "OrganizationID contains"},
		"negative expiry":      {CreateParams{UserID: "user_2abc", ExpiresIn: -time.Second}, "at least 1s"},
		"sub-second expiry":    {CreateParams{UserID: "user_2abc", ExpiresIn: 999 * time.Millisecond}, "at least 1s"},
		"fractional expiry":    {CreateParams{UserID: "user_2abc", ExpiresIn: 1500 * time.Millisecond}, "whole number of seconds"},
		"nanosecond over 1min": {CreateParams{UserID: "user_2abc", ExpiresIn: time.Minute + 1}, "whole number of seconds"},
		// Each of these would reach the wire differently from what was meant (U+FFFD in
		// place of invalid UTF-8, so two ids name one user) or hide in a log or terminal.
		"invalid UTF-8":          {CreateParams{UserID: "user_\xff2abc"}, "UserID is not valid UTF-8"},
		"invalid UTF-8 in org":   {CreateParams{UserID: "user_2abc", OrganizationID: "org_\xc3"}, "OrganizationID is not valid UTF-8"},
		"C1 control (NEL)":       {CreateParams{UserID: "user_2abc\u0085"}, "UserID contains"},
		"C1 control (CSI)":       {CreateParams{UserID: "user_\u009b31m"}, "UserID contains"},
		"no-break space":         {CreateParams{UserID: "user\u00a02abc"}, "UserID contains"},
		"ideographic space":      {CreateParams{UserID: "user\u30002abc"}, "UserID contains"},
		"line separator":         {CreateParams{UserID: "user\u20282abc"}, "UserID contains"},
		"bidi override":          {CreateParams{UserID: "user_\u202ecba2"}, "UserID contains"},
		"bidi isolate":           {CreateParams{UserID: "user_\u2066x"}, "UserID contains"},
		"zero-width space":       {CreateParams{UserID: "user_\u200b2abc"}, "UserID contains"},
		"byte order mark in org": {CreateParams{UserID: "user_2abc", OrganizationID: "\ufefforg_1"}, "OrganizationID contains"},
		"overlong user":          {CreateParams{UserID: "user_" + strings.Repeat("a", 300)}, "at most 256"},
	}
	for name, tc := range creates {
		tok, err := c.Create(ctx, tc.p)
		if tok != nil || !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("Create(%s) = %v, %v; want ErrInvalidInput saying %q", name, tok, err, tc.says)
		}
	}
	revokes := map[string]string{
		"empty":         "",
		"dot dot":       "..",
		"query":         "a?x=1",
		"slash":         "sit_1/../../users",
		"percent":       "sit%2F1",
		"space":         "sit 1",
		"non-ascii":     "sit_é",
		"too long":      strings.Repeat("a", 129),
		"a JWT by slip": testToken,
	}
	for name, id := range revokes {
		tok, err := c.Revoke(ctx, id)
		if tok != nil || !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "sign-in token id") {
			t.Errorf("Revoke(%s) = %v, %v; want ErrInvalidInput naming the id", name, tok, err)
		}
		if err != nil && strings.Contains(err.Error(), "SECRET-TICKET") {
			t.Errorf("Revoke(%s): error repeats the credential passed as an id: %v", name, err)
		}
	}
	if _, err := c.Revoke(ctx, strings.Repeat("a", 128)); err != nil {
		t.Errorf("a 128-character id is valid: %v", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("server saw %d requests; only the valid 128-character revoke should reach it", n)
	}
}

// TestCarelessCallsGetAnErrorNotAPanic: a nil context, or a Client not made by NewClient,
// is refused with ErrInvalidInput and nothing is sent, instead of a nil-pointer panic (or, for
// the zero Client, an error blaming ExpiresIn).
func TestCarelessCallsGetAnErrorNotAPanic(t *testing.T) {
	c, srv, _ := setup(t, okToken("sit_1", "pending"))
	var nilCtx context.Context
	var zero Client
	var nilClient *Client
	p := CreateParams{UserID: "user_2abc", ExpiresIn: time.Hour}
	for name, call := range map[string]func() (*SignInToken, error){
		"Create with a nil context": func() (*SignInToken, error) { return c.Create(nilCtx, p) },
		"Revoke with a nil context": func() (*SignInToken, error) { return c.Revoke(nilCtx, "sit_1") },
		"Create on a zero Client": func() (*SignInToken, error) {
			return zero.Create(context.Background(), CreateParams{UserID: "user_2abc"})
		},
		"Create on a zero Client, 1h": func() (*SignInToken, error) { return zero.Create(context.Background(), p) },
		"Revoke on a zero Client":     func() (*SignInToken, error) { return zero.Revoke(context.Background(), "sit_1") },
		"Create on a nil *Client":     func() (*SignInToken, error) { return nilClient.Create(context.Background(), p) },
		"Revoke on a nil *Client":     func() (*SignInToken, error) { return nilClient.Revoke(context.Background(), "sit_1") },
	} {
		t.Run(name, func(t *testing.T) {
			var tok *SignInToken
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panicked: %v", r)
					}
				}()
				tok, err = call()
			}()
			if tok != nil || !errors.Is(err, ErrInvalidInput) || strings.Contains(err.Error(), "ExpiresIn") {
				t.Errorf("= %v, %v; want ErrInvalidInput naming the real problem", tok, err)
			}
		})
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("server saw %d requests; want none", n)
	}
}
