package clienttest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
)

// rawPost sends body with the given Authorization header values (none when empty), as a
// client in another language, or a broken one, would.
func rawPost(t *testing.T, url string, body string, authorization ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range authorization {
		req.Header.Add("Authorization", a)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp, readAll(t, resp)
}

func errorCode(t *testing.T, body string) string {
	t.Helper()
	var e struct {
		Errors []struct{ Code string } `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || len(e.Errors) != 1 {
		t.Fatalf("not Clerk's error body: %s", body)
	}
	return e.Errors[0].Code
}

func TestAuthorizationIsCheckedLikeClerk(t *testing.T) {
	tb := &reportsTo{TB: t}
	s := clienttest.NewServer(tb) // reports the fake's own answers that break openapi.yaml too
	key := s.SecretKey()
	for name, tc := range map[string]struct {
		headers []string
		code    string
	}{
		"missing":            {nil, "authorization_header_format_invalid"},
		"empty":              {[]string{""}, "authorization_header_format_invalid"},
		"scheme only":        {[]string{"Bearer"}, "authorization_header_format_invalid"},
		"scheme and a space": {[]string{"Bearer "}, "authorization_header_format_invalid"},
		"no scheme":          {[]string{key}, "authorization_header_format_invalid"},
		"basic":              {[]string{"Basic dXNlcjpwYXNz"}, "authorization_header_format_invalid"},
		"garbage":            {[]string{"%%% garbage ~!@"}, "authorization_header_format_invalid"},
		"two tokens":         {[]string{"Bearer " + key + " extra"}, "authorization_header_format_invalid"},
		"two headers":        {[]string{"Bearer " + key, "Bearer " + key}, "authorization_header_format_invalid"},
		"wrong key":          {[]string{"Bearer sk_test_other"}, "clerk_key_invalid"},
		"key's prefix":       {[]string{"Bearer " + key[:len(key)-1]}, "clerk_key_invalid"},
		"publishable key":    {[]string{"Bearer pk_test_abc"}, "clerk_key_invalid"},
		"live key":           {[]string{"Bearer sk_live_abc"}, "clerk_key_invalid"},
	} {
		resp, body := rawPost(t, s.URL()+"/sign_in_tokens", `{"user_id":"user_2abc"}`, tc.headers...)
		if resp.StatusCode != 401 || errorCode(t, body) != tc.code {
			t.Errorf("%s: %d %s; want 401 %s", name, resp.StatusCode, body, tc.code)
		}
	}
	if resp, _ := rawPost(t, s.URL()+"/sign_in_tokens", `{"user_id":"user_2abc"}`, "bearer "+key); resp.StatusCode != 200 {
		t.Errorf("a lower-case scheme (RFC 9110: case-insensitive): %d", resp.StatusCode)
	}
	for _, r := range tb.Reports() {
		if strings.Contains(r, "clienttest bug") {
			t.Errorf("a 401 breaks openapi.yaml: %s", r)
		}
		if strings.Contains(r, key) {
			t.Errorf("a report quotes the key: %s", r)
		}
	}
	if n := len(s.Requests()); n != 1 {
		t.Errorf("%d requests recorded; only the authenticated one may be", n)
	}
}

func TestAuthenticationComesBeforeAnyQueuedFault(t *testing.T) {
	s := clienttest.NewServer(t, clienttest.AllowContractViolations())
	s.FailNext(1, 503, 0)
	if resp, body := rawPost(t, s.URL()+"/sign_in_tokens", `{"user_id":"user_2abc"}`, "Bearer sk_test_wrong"); resp.StatusCode != 401 {
		t.Fatalf("wrong key with a fault queued: %d %s; want 401, the fault left for the next request", resp.StatusCode, body)
	}
	var apiErr *api.Error
	if _, err := s.Client(noRetries()).Create(context.Background(), api.CreateParams{UserID: "user_2abc"}); !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Fatalf("the queued fault was consumed by the refused request: %v", err)
	}
}

func TestIntegersMustBeIntegersAndUserIDPresent(t *testing.T) {
	s := clienttest.NewServer(t, clienttest.AllowContractViolations())
	for _, tc := range []struct{ expiry, code, param string }{
		{"1e3", "form_param_value_invalid", "expires_in_seconds"},
		{"3.0", "form_param_value_invalid", "expires_in_seconds"},
		{"1E3", "form_param_value_invalid", "expires_in_seconds"},
		{"9223372036854775808", "form_param_value_invalid", "expires_in_seconds"},
		{"-9223372036854775809", "form_param_value_invalid", "expires_in_seconds"},
		{"99999999999999999999999", "form_param_value_invalid", "expires_in_seconds"},
	} {
		resp, body := rawPost(t, s.URL()+"/sign_in_tokens", `{"user_id":"user_2abc","expires_in_seconds":`+tc.expiry+`}`, "Bearer "+s.SecretKey())
		if resp.StatusCode != 422 || errorCode(t, body) != tc.code || !strings.Contains(body, `"param_name":"`+tc.param+`"`) {
			t.Errorf("expires_in_seconds %s: %d %s; want 422 %s for %s", tc.expiry, resp.StatusCode, body, tc.code, tc.param)
		}
	}
	if len(s.Tokens()) != 0 {
		t.Fatalf("%d tokens minted from invalid expiries", len(s.Tokens()))
	}
	// The largest integer is a valid expiry; the fake holds it at the longest it can represent.
	resp, body := rawPost(t, s.URL()+"/sign_in_tokens", `{"user_id":"user_2abc","expires_in_seconds":9223372036854775807}`, "Bearer "+s.SecretKey())
	if resp.StatusCode != 200 || !s.Tokens()[0].ExpiresAt.After(s.Tokens()[0].CreatedAt.Add(100*365*24*time.Hour)) {
		t.Fatalf("expires_in_seconds 2^63-1: %d %s; want a token that is not expired at birth", resp.StatusCode, body)
	}
	resp, body = rawPost(t, s.URL()+"/sign_in_tokens", `{"user_id":""}`, "Bearer "+s.SecretKey())
	if resp.StatusCode != 422 || errorCode(t, body) != "form_param_missing" || !strings.Contains(body, `"param_name":"user_id"`) {
		t.Fatalf("empty user_id: %d %s; want 422 form_param_missing user_id", resp.StatusCode, body)
	}
	if len(s.Tokens()) != 1 {
		t.Fatal("a token was minted for an empty user_id")
	}
}

func TestADoubledV1SaysTheBaseURLAlreadyEndsInV1(t *testing.T) {
	tb := &reportsTo{TB: t}
	s := clienttest.NewServer(tb)
	resp, body := rawPost(t, s.URL()+"/v1/sign_in_tokens", `{"user_id":"user_2abc"}`, "Bearer "+s.SecretKey())
	if resp.StatusCode != 404 || errorCode(t, body) != "resource_not_found" {
		t.Fatalf("POST /v1/v1/sign_in_tokens: %d %s; want 404 as Clerk answers", resp.StatusCode, body)
	}
	r := tb.Reports()
	if len(r) != 1 || !strings.Contains(r[0], "already ends in /v1") || !strings.Contains(r[0], "CLERK_API_URL="+s.Origin()) {
		t.Fatalf("reports %q; want one saying the base URL already ends in /v1, with the origin to use", r)
	}
	if len(s.Tokens()) != 0 {
		t.Fatal("a token was minted through /v1/v1")
	}
}

func TestSecretKeysAreCheckedLocally(t *testing.T) {
	for _, key := range []string{"sk_live_realKeyNeverInATest", "pk_test_abc", "sk_test_", "sk_test_a b", "sk_test_a\n", "sk_test_\x00x", "SK_TEST_abc"} {
		if _, err := clienttest.NewHandler(clienttest.WithSecretKey(key)); err == nil {
			t.Errorf("WithSecretKey(%q) accepted", key)
		} else if strings.Contains(err.Error(), key) && key != "sk_test_" {
			t.Errorf("the error quotes the key: %v", err)
		}
	}
	if _, err := clienttest.NewHandler(clienttest.WithSecretKey("sk_test_fixedForCI")); err != nil {
		t.Fatal(err)
	}
	for name, opt := range map[string]clienttest.Option{
		"WithHistory(0)":    clienttest.WithHistory(0),
		"WithTokenLimit(0)": clienttest.WithTokenLimit(0),
		"WithLatency(-1s)":  clienttest.WithLatency(-time.Second),
	} {
		if _, err := clienttest.NewHandler(opt); err == nil || !strings.Contains(err.Error(), strings.Split(name, "(")[0]) {
			t.Errorf("%s: %v; want an error naming the option", name, err)
		}
	}
}

func TestServerCloseClosesTheServer(t *testing.T) {
	s := clienttest.NewServer(t, clienttest.WithLatency(time.Hour))
	c := s.Client(noRetries())
	waiting := make(chan error, 1)
	go func() {
		_, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"})
		waiting <- err
	}()
	// The request is recorded before it waits out the latency.
	for deadline := time.Now().Add(10 * time.Second); len(s.Requests()) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the request never arrived")
		}
		time.Sleep(time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }() // returns once the waiting handler has, as httptest.Server.Close does
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return: a request waiting out the latency was not released")
	}
	select {
	case <-waiting:
	case <-time.After(10 * time.Second):
		t.Fatal("a request waiting out the latency outlived Close")
	}
	s.Close() // again: nothing
	if _, err := http.Get(s.Origin() + "/__clienttest/openapi.yaml"); err == nil {
		t.Fatal("the server still answers after Close")
	}
}

// TestHandlerCloseReleasesLatency: Handler.Close alone lets an answer waiting out a latency go,
// so a server around the Handler (signintoken fake's, whose Shutdown waits for active
// requests) stops promptly. Server.Close also closes the connections, which would release the
// wait anyway; here nothing else can.
func TestHandlerCloseReleasesLatency(t *testing.T) {
	h, err := clienttest.NewHandler(clienttest.WithLatency(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	h.Close()
	req := httptest.NewRequest(http.MethodPost, "/v1/sign_in_tokens", strings.NewReader(`{"user_id":"user_2abc"}`))
	req.Header.Set("Authorization", "Bearer "+h.SecretKey())
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	served := make(chan struct{})
	go func() { h.ServeHTTP(rec, req); close(served) }()
	select {
	case <-served:
	case <-time.After(10 * time.Second):
		t.Fatal("a request waiting out an hour's latency was not released by Close")
	}
	if rec.Code != http.StatusOK {
		t.Fatalf("released answer: %d %s; want the token", rec.Code, rec.Body)
	}
}

func TestTokensAreTheFakesOwnModel(t *testing.T) {
	clock := newManualClock()
	s := clienttest.NewServer(t, clienttest.WithClock(clock.Now))
	tok, err := s.Client().Create(context.Background(), api.CreateParams{UserID: "user_2abc", OrganizationID: "org_2xyz", ExpiresIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Minute)
	if _, err := s.Client().Revoke(context.Background(), tok.ID); err != nil {
		t.Fatal(err)
	}
	got := s.Tokens()
	want := clienttest.Token{ID: tok.ID, UserID: "user_2abc", OrganizationID: "org_2xyz", Status: api.StatusRevoked,
		CreatedAt: newManualClock().Now(), UpdatedAt: clock.Now(), ExpiresAt: newManualClock().Now().Add(time.Hour)}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("Tokens() = %+v\nwant %+v", got, want)
	}
}

// TestTheFakePrintsWithoutItsKey: the fake's key (which a test may set to its real
// development key, to share one environment) is not in any rendering of the fake itself, as
// a test that logs its fixtures would make one.
func TestTheFakePrintsWithoutItsKey(t *testing.T) {
	const key = "sk_test_fakeKEYthatMustNotPrint"
	s := clienttest.NewServer(t, clienttest.WithSecretKey(key))
	var out strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		fmt.Fprintf(&out, verb+"\n", s.Handler)
		fmt.Fprintf(&out, verb+"\n", s)
	}
	slog.New(slog.NewTextHandler(&out, nil)).Info("fake", "handler", s.Handler, "server", s)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("fake", "handler", s.Handler, "server", s)
	if strings.Contains(out.String(), "fakeKEY") {
		t.Errorf("a rendering of the fake carries its key:\n%s", out.String())
	}
	if s.SecretKey() != key {
		t.Errorf("SecretKey() = %q", s.SecretKey())
	}
}

// TestServerCloseClosesAConnectionStillSending: a client stuck sending its body (a broken
// client, or one the test abandoned) keeps its handler reading; Close closes that connection
// too instead of waiting for the client forever, as httptest.Server.Close alone would.
func TestServerCloseClosesAConnectionStillSending(t *testing.T) {
	s := clienttest.NewServer(t, clienttest.AllowContractViolations()) // the body Close cuts short is one
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.Origin(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/sign_in_tokens HTTP/1.1\r\nHost: fake\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n{", s.SecretKey())
	// The server says 100 Continue once the handler starts reading the body: it is now waiting
	// for the other 999 bytes, which never come.
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(status, "100") {
		t.Fatalf("read %q, %v; want 100 Continue", status, err)
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waits for a client that never finishes its request")
	}
}

// A caller that gives up while sending its request (its context ended between the headers and
// the body, as net/http's transport can when it flushes them apart) has hung up: nobody is
// listening, and a body the connection cut short breaks no contract. Seen in api's fault soak:
// a Revoke cancelled between its headers and its empty chunked body was reported as a violation.
func TestACallerHangingUpMidBodyIsNoViolation(t *testing.T) {
	tb := &reportsTo{TB: t}
	s := clienttest.NewServer(tb)
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.Origin(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/sign_in_tokens/sit_2abcdefghijklmnopqrstuvwxyz1/revoke HTTP/1.1\r\nHost: fake\r\n"+
		"Authorization: Bearer %s\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n", s.SecretKey())
	// 100 Continue: the handler is reading the body, which ends here, unfinished.
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if status, err := bufio.NewReader(conn).ReadString('\n'); err != nil || !strings.Contains(status, "100") {
		t.Fatalf("read %q, %v; want 100 Continue", status, err)
	}
	conn.Close()
	s.Close() // waits for the handler
	if len(tb.Reports()) != 0 || len(s.Violations()) != 0 || len(s.FakeErrors()) != 0 {
		t.Errorf("reports %q, violations %q, fake errors %q; want none for a caller that hung up", tb.Reports(), s.Violations(), s.FakeErrors())
	}
}

// shortBodyCreate sends a Create whose body is missing bytes of its Content-Length, to a
// handler served with a 1 s read timeout (as signintoken fake serves it with 30 s), then
// half-closes when halfClose is set, and returns what comes back within 10 s.
func shortBodyCreate(t *testing.T, h *clienttest.Handler, missing int, halfClose bool) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ReadTimeout = time.Second
	srv.Start()
	t.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"user_id":"user_a"}`
	fmt.Fprintf(conn, "POST /v1/sign_in_tokens HTTP/1.1\r\nHost: fake\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", h.SecretKey(), len(body)+missing, body)
	if halfClose {
		conn.(*net.TCPConn).CloseWrite()
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var got strings.Builder
	bufio.NewReader(conn).WriteTo(&got)
	return got.String()
}

// TestABodyShorterThanItsContentLengthIsAViolation: a client that declares more bytes than it
// sends and waits for the answer (a Content-Length counted wrong) is still there when the
// server's read timeout ends its request: that is its bug, answered and counted as a
// violation. Before, the fake took it for a caller that hung up and net/http answered the
// Create 200 with an empty body: no violation, exit 0, and a "200" in the log.
func TestABodyShorterThanItsContentLengthIsAViolation(t *testing.T) {
	for _, latency := range []time.Duration{0, 100 * time.Millisecond} {
		t.Run(fmt.Sprintf("latency %v", latency), func(t *testing.T) {
			h, err := clienttest.NewHandler(clienttest.WithLatency(latency))
			if err != nil {
				t.Fatal(err)
			}
			got := shortBodyCreate(t, h, 80, false)
			if !strings.HasPrefix(got, "HTTP/1.1 422 ") || !strings.Contains(got, "request_body_invalid") {
				t.Errorf("a Create with a body shorter than its Content-Length was answered:\n%s", got)
			}
			if c := h.Counts(); c.UnexpectedViolations != 1 {
				t.Errorf("counts %+v, want 1 unexpected violation", c)
			}
		})
	}
}

// TestACallerThatHangsUpMidBodyGetsNoAnswer: a body cut short by the end of the connection
// (the caller hung up, or half-closed after too few bytes) is dropped: no violation, and no
// answer either. Before, net/http answered it 200 with an empty body, which Clerk never sends
// to a Create, and which a half-closed client would have read as success.
func TestACallerThatHangsUpMidBodyGetsNoAnswer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		missing int
		latency time.Duration
	}{
		{"body cut short", 80, 0},
		{"whole body, gone while the fake waits out a latency", 0, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := clienttest.NewHandler(clienttest.WithLatency(tc.latency))
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			if got := shortBodyCreate(t, h, tc.missing, true); got != "" {
				t.Errorf("a Create whose caller hung up was answered:\n%s", got)
			}
			if c := h.Counts(); c.UnexpectedViolations+c.FakeErrors != 0 {
				t.Errorf("counts %+v, want no violation or fake error", c)
			}
		})
	}
}

// TestHasKey: HasKey is the fake's own check of the key (what it answers rather than refuses
// 401), and counts nothing.
func TestHasKey(t *testing.T) {
	h, err := clienttest.NewHandler()
	if err != nil {
		t.Fatal(err)
	}
	for auth, want := range map[string]bool{"Bearer " + h.SecretKey(): true, "bearer " + h.SecretKey(): true,
		"": false, "Bearer sk_test_other": false, "Basic " + h.SecretKey(): false} {
		r := httptest.NewRequest("POST", "/v1/sign_in_tokens", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		if got := h.HasKey(r); got != want {
			t.Errorf("HasKey with Authorization %q = %v, want %v", strings.Replace(auth, h.SecretKey(), "<key>", 1), got, want)
		}
	}
	if c := h.Counts(); c != (clienttest.Counts{}) {
		t.Errorf("HasKey counted %+v", c)
	}
}

// TestAnUnreadableRevokeBodyIsTheCallersViolationNotAFakeError: a Revoke whose body cannot be
// taken (over 64 KiB here; or shorter than its Content-Length) is the caller's violation,
// answered with a status Revoke declares (400). Before, it was answered 422, which Revoke does
// not declare, so the fake's self-check reported a fake error: exit 4, the fake blamed for the
// client's bug.
func TestAnUnreadableRevokeBodyIsTheCallersViolationNotAFakeError(t *testing.T) {
	tb := &reportsTo{TB: t}
	s := clienttest.NewServer(tb)
	resp := post(t, s.URL()+"/sign_in_tokens/sit_2abcdefghijklmnopqrstuvwxyz1/revoke", s.SecretKey(), strings.Repeat(" ", 70<<10))
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "request_body_invalid") {
		t.Errorf("answered %d %s, want 400 request_body_invalid", resp.StatusCode, body)
	}
	if c := s.Counts(); c.UnexpectedViolations != 1 || c.FakeErrors != 0 {
		t.Errorf("counts %+v, want 1 unexpected violation and no fake error (%q)", c, s.FakeErrors())
	}
}
