package clienttest_test

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
)

// TestBadRequestsAreAnsweredAsClerkWouldAndReported: every bad request is answered as Clerk
// answers it, and counted under its kind of event. Only a violation (a request to one of the
// two operations, with the key, that openapi.yaml forbids) fails the test; an auth failure
// or an unknown route is a normal negative test, counted but never reported.
func TestBadRequestsAreAnsweredAsClerkWouldAndReported(t *testing.T) {
	violation, authFailure, unknownRoute := clienttest.EventViolation, clienttest.EventAuthFailure, clienttest.EventUnknownRoute
	for name, tc := range map[string]struct {
		path, key, body string
		status          int
		code, param     string
		event           clienttest.EventKind
		reason          string
	}{
		"no key":                {"/sign_in_tokens", "", `{"user_id":"user_2abc"}`, 401, "authorization_header_format_invalid", "", authFailure, "no_key"},
		"wrong key":             {"/sign_in_tokens", "sk_test_wrong", `{"user_id":"user_2abc"}`, 401, "clerk_key_invalid", "", authFailure, "wrong_key"},
		"publishable key":       {"/sign_in_tokens", "pk_test_abc", `{"user_id":"user_2abc"}`, 401, "clerk_key_invalid", "", authFailure, "wrong_key"},
		"empty user_id":         {"/sign_in_tokens", "KEY", `{"user_id":""}`, 422, "form_param_missing", "user_id", violation, "form_param_missing"},
		"expiry 1e3":            {"/sign_in_tokens", "KEY", `{"user_id":"user_2abc","expires_in_seconds":1e3}`, 422, "form_param_value_invalid", "expires_in_seconds", violation, "form_param_value_invalid"},
		"expiry 3.0":            {"/sign_in_tokens", "KEY", `{"user_id":"user_2abc","expires_in_seconds":3.0}`, 422, "form_param_value_invalid", "expires_in_seconds", violation, "form_param_value_invalid"},
		"expiry 2^63":           {"/sign_in_tokens", "KEY", `{"user_id":"user_2abc","expires_in_seconds":9223372036854775808}`, 422, "form_param_value_invalid", "expires_in_seconds", violation, "form_param_value_invalid"},
		"expiry 1e400":          {"/sign_in_tokens", "KEY", `{"user_id":"user_2abc","expires_in_seconds":1e400}`, 422, "form_param_value_invalid", "expires_in_seconds", violation, "form_param_value_invalid"},
		"doubled /v1":           {"/v1/sign_in_tokens", "KEY", `{"user_id":"user_2abc"}`, 404, "resource_not_found", "", violation, "path_has_v1_twice"},
		"missing user_id":       {"/sign_in_tokens", "KEY", `{"expires_in_seconds":60}`, 422, "form_param_missing", "user_id", violation, "form_param_missing"},
		"user_id not a string":  {"/sign_in_tokens", "KEY", `{"user_id":42}`, 422, "form_param_value_invalid", "user_id", violation, "form_param_value_invalid"},
		"expiry zero":           {"/sign_in_tokens", "KEY", `{"user_id":"user_2abc","expires_in_seconds":0}`, 422, "form_param_value_invalid", "expires_in_seconds", violation, "form_param_value_invalid"},
		"expiry not an integer": {"/sign_in_tokens", "KEY", `{"user_id":"user_2abc","expires_in_seconds":1.5}`, 422, "form_param_value_invalid", "expires_in_seconds", violation, "form_param_value_invalid"},
		"malformed JSON":        {"/sign_in_tokens", "KEY", `{"user_id":`, 422, "request_body_invalid", "", violation, "request_body_invalid"},
		"empty body":            {"/sign_in_tokens", "KEY", ``, 422, "request_body_invalid", "", violation, "request_body_invalid"},
		"not an object":         {"/sign_in_tokens", "KEY", `["user_2abc"]`, 422, "request_body_invalid", "", violation, "request_body_invalid"},
		"empty array":           {"/sign_in_tokens", "KEY", `[]`, 422, "request_body_invalid", "", violation, "request_body_invalid"},
		"a string":              {"/sign_in_tokens", "KEY", `"user_2abc"`, 422, "request_body_invalid", "", violation, "request_body_invalid"},
		"null":                  {"/sign_in_tokens", "KEY", `null`, 422, "request_body_invalid", "", violation, "request_body_invalid"},
		"unknown operation":     {"/sign_in_tokens/sit_1/accept", "KEY", ``, 404, "resource_not_found", "", unknownRoute, ""},
		"unknown, no key":       {"/../healthz", "", ``, 404, "resource_not_found", "", unknownRoute, ""},
	} {
		t.Run(name, func(t *testing.T) {
			tb := &reportsTo{TB: t}
			var events []clienttest.Event
			s := clienttest.NewServer(tb, clienttest.OnEvent(func(e clienttest.Event) { events = append(events, e) }))
			key := strings.Replace(tc.key, "KEY", s.SecretKey(), 1)
			url := s.URL() + tc.path
			if strings.HasPrefix(tc.path, "/..") {
				url = s.Origin() + strings.TrimPrefix(tc.path, "/..")
			}
			resp := post(t, url, key, tc.body)
			var body struct {
				Errors []struct {
					Code        string         `json:"code"`
					LongMessage string         `json:"long_message"`
					Meta        map[string]any `json:"meta"`
				} `json:"errors"`
				TraceID string `json:"clerk_trace_id"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || len(body.Errors) != 1 || body.Errors[0].Code != tc.code || body.TraceID == "" {
				t.Fatalf("answer %d %+v; want %d %s with a trace id", resp.StatusCode, body, tc.status, tc.code)
			}
			// A parameter's error names the parameter: never meta.param_name "" nor a
			// long_message " is invalid." about a nameless one.
			if name, ok := body.Errors[0].Meta["param_name"]; ok && name == "" || strings.HasPrefix(body.Errors[0].LongMessage, " ") {
				t.Errorf("answer %+v names no parameter", body.Errors[0])
			}
			if tc.param != "" && body.Errors[0].Meta["param_name"] != tc.param {
				t.Errorf("meta = %v, want param_name %s", body.Errors[0].Meta, tc.param)
			}
			if len(events) != 1 || events[0].Kind != tc.event || events[0].Reason != tc.reason || events[0].Expected {
				t.Fatalf("events %+v; want one %s (%q)", events, tc.event, tc.reason)
			}
			counts, want := s.Counts(), clienttest.Counts{}
			switch tc.event {
			case violation:
				want = clienttest.Counts{Requests: 1, UnexpectedViolations: 1}
				if len(tb.Reports()) != 1 || len(s.Violations()) != 1 {
					t.Fatalf("reports %q, violations %q; want the violation reported once", tb.Reports(), s.Violations())
				}
			case authFailure:
				want.AuthFailures = 1
			case unknownRoute:
				want.UnknownRoutes = 1
			}
			if counts != want {
				t.Errorf("counts %+v, want %+v", counts, want)
			}
			if tc.event != violation && (len(tb.Reports()) != 0 || len(s.Violations()) != 0) {
				t.Fatalf("reports %q, violations %q: a %s is no violation and fails no test", tb.Reports(), s.Violations(), tc.event)
			}
			if tc.key != "KEY" && !resp.Close {
				t.Errorf("an answer to a request without the fake's key keeps its connection open")
			}
			for _, r := range append(tb.Reports(), events[0].Message) {
				if strings.Contains(r, s.SecretKey()) {
					t.Errorf("report quotes the key: %s", r)
				}
			}
			if len(s.Tokens()) != 0 {
				t.Error("a refused request minted a token")
			}
		})
	}
}

// TestExpectedViolationsAreReportedApart: a test that sends a bad request on purpose says so
// first; the expected violation is answered and counted as expected and fails nothing; the
// next one, or one of another kind, still fails.
func TestExpectedViolationsAreReportedApart(t *testing.T) {
	tb := &reportsTo{TB: t}
	s := clienttest.NewServer(tb)
	s.ExpectViolations(1, clienttest.ParamMissing)
	s.ExpectViolations(1, clienttest.AnyViolation)
	post(t, s.URL()+"/sign_in_tokens", s.SecretKey(), `{"user_id":"user_2abc","expires_in_seconds":0}`) // any: expected
	post(t, s.URL()+"/sign_in_tokens", s.SecretKey(), `{"user_id":""}`)                                 // form_param_missing: expected
	if r := tb.Reports(); len(r) != 0 {
		t.Fatalf("expected violations were reported: %q", r)
	}
	post(t, s.URL()+"/sign_in_tokens", s.SecretKey(), `{"user_id":""}`) // none left: unexpected
	if r := tb.Reports(); len(r) != 1 {
		t.Fatalf("reports %q; want the unexpected violation", r)
	}
	if got, want := s.Counts(), (clienttest.Counts{Requests: 3, ExpectedViolations: 2, UnexpectedViolations: 1}); got != want {
		t.Fatalf("counts %+v, want %+v", got, want)
	}
	v := s.ViolationEvents()
	if len(v) != 3 || !v[0].Expected || !v[1].Expected || v[2].Expected || v[1].Reason != string(clienttest.ParamMissing) {
		t.Fatalf("violations %+v", v)
	}
	defer func() {
		if recover() == nil {
			t.Error("ExpectViolations took an unknown kind")
		}
	}()
	s.ExpectViolations(1, "wrong_key")
}

// TestUnmetExpectationsAreCounted: an expectation whose violation never comes is counted
// until it comes, and for good once a Reset drops it; it fails no test. Before, it stayed
// queued unseen: a test that meant to send a bad request and did not passed unnoticed, and a
// left-over expectation of any kind took the next genuine violation for an expected one.
func TestUnmetExpectationsAreCounted(t *testing.T) {
	tb := &reportsTo{TB: t}
	s := clienttest.NewServer(tb)
	s.ExpectViolations(2, clienttest.ParamMissing)
	s.ExpectViolations(1, clienttest.PathV1Twice)
	post(t, s.URL()+"/sign_in_tokens", s.SecretKey(), `{"user_id":""}`)
	if got := s.Counts(); got.UnmetExpectations != 2 || got.ExpectedViolations != 1 {
		t.Fatalf("counts %+v; want 2 unmet expectations (1 form_param_missing, 1 path_has_v1_twice)", got)
	}
	s.Reset()
	post(t, s.URL()+"/sign_in_tokens", s.SecretKey(), `{"user_id":""}`) // the reset dropped its expectation
	if got := s.Counts(); got.UnmetExpectations != 2 || got.UnexpectedViolations != 1 {
		t.Fatalf("counts after a reset %+v; want the 2 dropped still unmet, and the violation unexpected", got)
	}
	if len(tb.Reports()) != 1 {
		t.Fatalf("reports %q; want only the unexpected violation (an unmet expectation fails no test)", tb.Reports())
	}
	s.ExpectViolations(math.MaxInt, clienttest.AnyViolation)
	s.ExpectViolations(math.MaxInt, clienttest.AnyViolation)
	if got := s.Counts().UnmetExpectations; got != math.MaxInt {
		t.Fatalf("unmet expectations %d after two ExpectViolations(math.MaxInt); want math.MaxInt, not an overflow", got)
	}
}

func TestAConformingClientReportsNothing(t *testing.T) {
	tb := &reportsTo{TB: t}
	s := clienttest.NewServer(tb)
	c := s.Client()
	tok, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc", OrganizationID: "org_1"})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.Revoke(context.Background(), tok.ID)
	_, _ = c.Revoke(context.Background(), tok.ID)        // 400: in the contract
	_, _ = c.Revoke(context.Background(), "sit_missing") // 404: in the contract
	if len(tb.Reports()) != 0 || len(s.Violations()) != 0 {
		t.Fatalf("reports %q", tb.Reports())
	}
}

func TestContractTransportPassesAConformingExchange(t *testing.T) {
	s := clienttest.NewServer(t)
	tb := &reportsTo{TB: t}
	hc := &http.Client{Transport: clienttest.ContractTransport(tb, nil)}
	c := s.Client(api.WithHTTPClient(hc))
	tok, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Revoke(context.Background(), tok.ID); err != nil {
		t.Fatal(err)
	}
	_, _ = c.Revoke(context.Background(), tok.ID)
	if len(tb.Reports()) != 0 {
		t.Fatalf("a conforming exchange was reported: %q", tb.Reports())
	}
}

// drifted is a server whose answers break the contract in the ways a live API can drift.
func drifted(t *testing.T, status int, body string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

func TestContractTransportReportsDrift(t *testing.T) {
	const secretTicket = "eyJ.SECRET-TICKET.sig"
	for name, tc := range map[string]struct {
		status int
		body   string
		says   string
	}{
		"new field":        {200, `{"object":"sign_in_token","id":"sit_1","status":"pending","user_id":"u","token":"` + secretTicket + `","url":null,"created_at":1,"updated_at":1,"expires_at":5}`, "expires_at"},
		"missing field":    {200, `{"object":"sign_in_token","id":"sit_1","status":"pending","user_id":"u","created_at":1}`, "updated_at"},
		"new status value": {200, `{"object":"sign_in_token","id":"sit_1","status":"expired","user_id":"u","token":"` + secretTicket + `","created_at":1,"updated_at":1}`, "/status"},
		"seconds not ms":   {200, `{"object":"sign_in_token","id":"sit_1","status":"pending","user_id":"u","created_at":"2026-11-25T12:00:00Z","updated_at":1}`, "/created_at"},
		"undeclared 409":   {409, `{"errors":[{"message":"m","long_message":"l","code":"c"}]}`, "409"},
		"errors not array": {404, `{"errors":{"code":"resource_not_found"}}`, "/errors"},
	} {
		t.Run(name, func(t *testing.T) {
			tb := &reportsTo{TB: t}
			c, err := api.NewClient("sk_test_SECRETKEY", api.WithBaseURL(drifted(t, tc.status, tc.body)),
				api.WithHTTPClient(&http.Client{Transport: clienttest.ContractTransport(tb, nil)}), api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 1}))
			if err != nil {
				t.Fatal(err)
			}
			_, _ = c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"})
			reports := tb.Reports()
			if len(reports) != 1 || !strings.Contains(reports[0], tc.says) {
				t.Fatalf("reports %q; want one naming %q", reports, tc.says)
			}
			if strings.Contains(reports[0], "SECRET") {
				t.Fatalf("report quotes a credential: %s", reports[0])
			}
		})
	}
}

func TestContractTransportReportsBadRequests(t *testing.T) {
	s := clienttest.NewServer(t, clienttest.AllowContractViolations())
	tb := &reportsTo{TB: t}
	hc := &http.Client{Transport: clienttest.ContractTransport(tb, nil)}
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/sign_in_tokens", strings.NewReader(`{"org_id":"org_1"}`))
	req.Header.Set("Authorization", "Bearer "+s.SecretKey())
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != 422 || !strings.Contains(body, "form_param_missing") {
		t.Fatalf("the request was not passed on unchanged: %d %s", resp.StatusCode, body)
	}
	if r := tb.Reports(); len(r) != 1 || !strings.Contains(r[0], "user_id") {
		t.Fatalf("reports %q; want the missing user_id", r)
	}
	if got := s.Requests()[0].Body; string(got) != `{"org_id":"org_1"}` {
		t.Fatalf("body arrived as %q", got)
	}
}
