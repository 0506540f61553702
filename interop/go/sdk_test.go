// Package interop proves Clerk's own Go SDK, clerk-sdk-go v2, against the built
// `signintoken fake` process. It is a module of its own so that clerk-sdk-go never enters the
// library's go.mod.
package interop

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/signintoken"
)

// sdk is clerk-sdk-go's sign-in-token client for the fake, configured from the two printed
// lines. clerk-sdk-go takes the base URL with /v1 (its default is https://api.clerk.com/v1),
// unlike Clerk's JS SDKs and CLERK_API_URL, which take the origin.
func sdk(f *fake, key string) *signintoken.Client {
	return signintoken.NewClient(&clerk.ClientConfig{BackendConfig: clerk.BackendConfig{
		URL:        clerk.String(f.apiURL + "/v1"),
		Key:        clerk.String(key),
		HTTPClient: &http.Client{Timeout: 30 * time.Second},
	}})
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// createWithOrg sends org_id, which clerk-sdk-go v2.4.2's CreateParams lacks, through the
// SDK's own Backend: the same request, headers and decoding as signintoken.Client.Create.
type createWithOrg struct {
	signintoken.CreateParams
	OrgID *string `json:"org_id,omitempty"`
}

func create(t *testing.T, c *signintoken.Client, p *createWithOrg) (*clerk.SignInToken, error) {
	t.Helper()
	if p.OrgID == nil {
		return c.Create(ctx(t), &p.CreateParams)
	}
	req := clerk.NewAPIRequest(http.MethodPost, "/sign_in_tokens")
	req.SetParams(p)
	tok := &clerk.SignInToken{}
	return tok, c.Backend.Call(ctx(t), req, tok)
}

// checkFields asserts every field clerk.SignInToken declares, as the spec describes it: an
// object tag, a sit_ id, the status, the user, the ticket and URL while pending (the spec omits
// both once revoked), and timestamps in Unix milliseconds. A field the SDK adds later fails
// the test until it is checked here too.
func checkFields(t *testing.T, tok *clerk.SignInToken, userID, status string, before time.Time) {
	t.Helper()
	checked := map[string]bool{"APIResource": true}
	check := func(field string, ok bool, got any) {
		t.Helper()
		checked[field] = true
		if !ok {
			t.Errorf("SignInToken.%s = %v", field, got)
		}
	}
	ms := func(v int64) bool { return v >= before.UnixMilli() && v <= time.Now().UnixMilli() }
	check("Object", tok.Object == "sign_in_token", tok.Object)
	check("ID", strings.HasPrefix(tok.ID, "sit_") && len(tok.ID) > len("sit_"), tok.ID)
	check("Status", tok.Status == status, tok.Status)
	check("UserID", tok.UserID == userID, tok.UserID)
	if status == "pending" {
		check("Token", strings.Count(tok.Token, ".") == 2, "a JWT, shape "+strconv.Itoa(strings.Count(tok.Token, ".")+1)+" parts")
		check("URL", tok.URL != nil && strings.Contains(*tok.URL, tok.Token), "a URL carrying the ticket")
		check("CreatedAt", ms(tok.CreatedAt), tok.CreatedAt)
		check("UpdatedAt", tok.UpdatedAt == tok.CreatedAt, tok.UpdatedAt)
	} else {
		check("Token", tok.Token == "", "a value (the spec omits it once revoked)")
		check("URL", tok.URL == nil, "a value (the spec omits it once revoked)")
		check("CreatedAt", tok.CreatedAt > 0 && tok.CreatedAt <= time.Now().UnixMilli(), tok.CreatedAt)
		check("UpdatedAt", ms(tok.UpdatedAt) && tok.UpdatedAt >= tok.CreatedAt, tok.UpdatedAt)
	}
	if tok.Response == nil || tok.Response.StatusCode != http.StatusOK {
		t.Errorf("SignInToken.Response = %+v, want the 200 it was read from", tok.Response)
	}
	for _, f := range reflect.VisibleFields(reflect.TypeOf(*tok)) {
		if len(f.Index) == 1 && !checked[f.Name] {
			t.Errorf("clerk.SignInToken has a field %s this test does not check", f.Name)
		}
	}
}

// apiError is the SDK's error for a status, with Clerk's error body read.
func apiError(t *testing.T, err error, status int, code string) *clerk.APIErrorResponse {
	t.Helper()
	var apiErr *clerk.APIErrorResponse
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T), want *clerk.APIErrorResponse", err, err)
	}
	if apiErr.HTTPStatusCode != status || len(apiErr.Errors) == 0 {
		t.Fatalf("status %d, errors %+v; want %d with Clerk's errors", apiErr.HTTPStatusCode, apiErr.Errors, status)
	}
	e := apiErr.Errors[0]
	if (code != "" && e.Code != code) || e.Code == "" || e.Message == "" || e.LongMessage == "" || apiErr.TraceID == "" {
		t.Fatalf("error %+v, trace %q; want code %q with message, long_message and clerk_trace_id", e, apiErr.TraceID, code)
	}
	return apiErr
}

func TestCreateAndRevoke(t *testing.T) {
	f := startFake(t)
	c := sdk(f, f.secretKey)
	before := time.Now()
	tok, err := create(t, c, &createWithOrg{CreateParams: signintoken.CreateParams{UserID: clerk.String("user_2interop"), ExpiresInSeconds: clerk.Int64(3600)}})
	if err != nil {
		t.Fatal(err)
	}
	checkFields(t, tok, "user_2interop", "pending", before)
	if stored := f.token(t, tok.ID); stored.ExpiresAt-stored.CreatedAt != 3600_000 || stored.OrganizationID != nil {
		t.Errorf("the fake stored %+v; want an expiry 3600 s after creation and no organization", stored)
	}

	revoked, err := c.Revoke(ctx(t), tok.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkFields(t, revoked, "user_2interop", "revoked", before)
	if revoked.ID != tok.ID || revoked.CreatedAt != tok.CreatedAt {
		t.Errorf("revoked %s created %d; want %s created %d", revoked.ID, revoked.CreatedAt, tok.ID, tok.CreatedAt)
	}

	// Twice: Clerk answers 400 sign_in_token_cannot_be_revoked_code.
	_, err = c.Revoke(ctx(t), tok.ID)
	apiError(t, err, http.StatusBadRequest, "sign_in_token_cannot_be_revoked_code")
}

func TestCreateWithOrganization(t *testing.T) {
	f := startFake(t)
	c := sdk(f, f.secretKey)
	before := time.Now()
	tok, err := create(t, c, &createWithOrg{CreateParams: signintoken.CreateParams{UserID: clerk.String("user_2interop")}, OrgID: clerk.String("org_2interop")})
	if err != nil {
		t.Fatal(err)
	}
	checkFields(t, tok, "user_2interop", "pending", before)
	if org := f.token(t, tok.ID).OrganizationID; org == nil || *org != "org_2interop" {
		t.Errorf("the fake stored organization %v, want org_2interop", org)
	}
}

func TestRevokeUnknownIsNotFound(t *testing.T) {
	f := startFake(t)
	_, err := sdk(f, f.secretKey).Revoke(ctx(t), "sit_2doesnotexist")
	apiError(t, err, http.StatusNotFound, "resource_not_found")
}

func TestCreateForUnknownUserIsNotFound(t *testing.T) {
	f := startFake(t, "--users", "user_2known")
	_, err := sdk(f, f.secretKey).Create(ctx(t), &signintoken.CreateParams{UserID: clerk.String("user_2unknown")})
	apiError(t, err, http.StatusNotFound, "resource_not_found")
}

// TestBadKeyIsUnauthorized: a test of the wrong-key path is a normal negative test: answered
// 401 as Clerk answers it, counted as an auth failure, and the job stays green.
func TestBadKeyIsUnauthorized(t *testing.T) {
	f := startFake(t)
	_, err := sdk(f, "sk_test_notthefakeskey").Create(ctx(t), &signintoken.CreateParams{UserID: clerk.String("user_2interop")})
	apiError(t, err, http.StatusUnauthorized, "clerk_key_invalid")
	if s := f.stop(t); s.Counts.AuthFailures != 1 || s.Counts.UnexpectedViolations != 0 {
		t.Fatalf("counts %+v; want one auth failure and no violation", s.Counts)
	}
}

// TestExpectedViolationLeavesTheJobGreen: a test that sends a bad request on purpose (an
// empty user_id) says so first; the fake answers it as Clerk would, lists it as expected, and
// exits 0.
func TestExpectedViolationLeavesTheJobGreen(t *testing.T) {
	f := startFake(t)
	f.expect(t, 1, "form_param_missing")
	_, err := sdk(f, f.secretKey).Create(ctx(t), &signintoken.CreateParams{UserID: clerk.String("")})
	apiError(t, err, http.StatusUnprocessableEntity, "form_param_missing")
	s := f.stop(t)
	if s.Counts.ExpectedViolations != 1 || s.Counts.UnexpectedViolations != 0 || len(s.Violations) != 1 || !s.Violations[0].Expected {
		t.Fatalf("summary %+v; want the one violation, expected", s)
	}
}

// TestUnexpectedViolationTurnsTheJobRed: the same bad request, not marked, fails the job (exit
// 3) even though the client under test swallowed the 422.
func TestUnexpectedViolationTurnsTheJobRed(t *testing.T) {
	f := startFake(t)
	f.wantExit = 3
	_, _ = sdk(f, f.secretKey).Create(ctx(t), &signintoken.CreateParams{UserID: clerk.String("")}) // the error swallowed
	if s := f.stop(t); s.Counts.UnexpectedViolations != 1 || s.Violations[0].Kind != "form_param_missing" {
		t.Fatalf("summary %+v; want one unexpected form_param_missing", s)
	}
}

// retryAfter is the Retry-After the SDK's error response carried, in seconds.
func retryAfter(t *testing.T, apiErr *clerk.APIErrorResponse) int {
	t.Helper()
	s, err := strconv.Atoi(apiErr.Response.Header.Get("Retry-After"))
	if err != nil {
		t.Fatalf("Retry-After %q, want whole seconds", apiErr.Response.Header.Get("Retry-After"))
	}
	return s
}

func TestQueued429WithRetryAfter(t *testing.T) {
	f := startFake(t)
	f.control(t, "POST", "faults", `{"kind":"fail","status":429,"retry_after_seconds":3}`, nil)
	c := sdk(f, f.secretKey)
	_, err := c.Create(ctx(t), &signintoken.CreateParams{UserID: clerk.String("user_2interop")})
	if s := retryAfter(t, apiError(t, err, http.StatusTooManyRequests, "")); s != 3 {
		t.Fatalf("Retry-After %d, want the queued 3", s)
	}
	if _, err := c.Create(ctx(t), &signintoken.CreateParams{UserID: clerk.String("user_2interop")}); err != nil {
		t.Fatalf("after the one queued 429: %v", err)
	}
}

func TestRateLimitedWithRetryAfter(t *testing.T) {
	f := startFake(t, "--rate-limit", "1/1m")
	c := sdk(f, f.secretKey)
	if _, err := c.Create(ctx(t), &signintoken.CreateParams{UserID: clerk.String("user_2interop")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Create(ctx(t), &signintoken.CreateParams{UserID: clerk.String("user_2interop")})
	if s := retryAfter(t, apiError(t, err, http.StatusTooManyRequests, "")); s < 1 || s > 60 {
		t.Fatalf("Retry-After %d, want whole seconds within the minute", s)
	}
}
