package clienttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
)

// controlClient talks to a fake's control API as a test in another language would, and checks
// every request and response against the OpenAPI document the fake serves, with kin-openapi:
// the same check the fake makes of Clerk's API.
type controlClient struct {
	t      *testing.T
	origin string
	key    string
	router routers.Router
	mu     sync.Mutex
	seen   map[string]bool // operationIds exercised
	doc    *openapi3.T
}

func newControlClient(t *testing.T, s *clienttest.Server) *controlClient {
	t.Helper()
	resp, err := http.Get(s.Origin() + "/__clienttest/openapi.yaml") // no key: the document is public
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Equal(raw, clienttest.ControlSpec()) {
		t.Fatalf("GET /__clienttest/openapi.yaml: %d, %d bytes; want 200 and the embedded document", resp.StatusCode, len(raw))
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the control API's document is not valid OpenAPI: %v", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &controlClient{t: t, origin: s.Origin(), key: s.SecretKey(), router: router, seen: map[string]bool{"GetControlSpec": true}, doc: doc}
}

// do sends a control request with key (the fake's when "KEY") and decodes the JSON answer
// into out (when not nil), reporting any request or response that breaks the document.
func (c *controlClient) do(method, path, key, body string, out any) int {
	c.t.Helper()
	req, err := http.NewRequest(method, c.origin+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if key == "KEY" {
		key = c.key
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		c.t.Fatalf("%s %s is not in the control API's document: %v", method, path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}}
	if body != "" {
		req.Body = io.NopCloser(strings.NewReader(body))
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			in.Options.ExcludeRequestBody = true // a bad body on purpose: check the rest
		}
		// kin-openapi may have re-encoded the body with its defaults: send it as written.
		req.Body, req.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
	}
	resp, err := controlHTTP.Do(req)
	if err != nil {
		c.t.Errorf("%s %s: %v", method, path, err) // Errorf: do is also called from other goroutines
		return 0
	}
	defer resp.Body.Close()
	payload, _ := io.ReadAll(resp.Body)
	check := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Options: in.Options}
	check.SetBodyBytes(payload)
	if err := openapi3filter.ValidateResponse(context.Background(), check); err != nil {
		c.t.Errorf("%s %s answered %d outside the control API's document: %v\n%s", method, path, resp.StatusCode, err, payload)
	}
	c.mu.Lock()
	c.seen[route.Operation.OperationID] = true
	c.mu.Unlock()
	if out != nil {
		if err := json.Unmarshal(payload, out); err != nil {
			c.t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, payload, err)
		}
	}
	return resp.StatusCode
}

// exercisedAll fails the test unless every operation of the document was called.
func (c *controlClient) exercisedAll() {
	c.t.Helper()
	for path, item := range c.doc.Paths.Map() {
		for method, op := range item.Operations() {
			if !c.seen[op.OperationID] {
				c.t.Errorf("%s %s (%s) was never exercised", method, path, op.OperationID)
			}
		}
	}
}

// controlHTTP bounds every control request: a control request that waited out the fake's
// latency would fail here rather than hang the test.
var controlHTTP = &http.Client{Timeout: 5 * time.Second}

type tokenJSON struct {
	ID             string  `json:"id"`
	UserID         string  `json:"user_id"`
	OrganizationID *string `json:"organization_id"`
	Status         string  `json:"status"`
	CreatedAt      int64   `json:"created_at"`
	UpdatedAt      int64   `json:"updated_at"`
	ExpiresAt      int64   `json:"expires_at"`
}

func TestControlAPIConformsToItsDocumentAndDrivesTheSameModel(t *testing.T) {
	clock := newManualClock()
	s := clienttest.NewServer(t, clienttest.WithClock(clock.Now), clienttest.AllowContractViolations())
	cc := newControlClient(t, s)
	c := s.Client(noRetries())
	ctx := context.Background()

	// Every operation but the document itself takes the fake's key.
	for _, key := range []string{"", "sk_test_wrong"} {
		for _, op := range [][2]string{{"GET", "/__clienttest/tokens"}, {"GET", "/__clienttest/requests"}, {"GET", "/__clienttest/violations"},
			{"POST", "/__clienttest/reset"}, {"POST", "/__clienttest/tokens/sit_1/accept"}} {
			if status := cc.do(op[0], op[1], key, "", nil); status != 401 {
				t.Fatalf("%s %s with key %q: %d, want 401", op[0], op[1], key, status)
			}
		}
		if status := cc.do("POST", "/__clienttest/faults", key, `{"kind":"drop"}`, nil); status != 401 {
			t.Fatalf("faults with key %q: %d", key, status)
		}
	}

	// Health needs no key, and is never counted.
	var health struct{ Status string }
	if status := cc.do("GET", "/__clienttest/health", "", "", &health); status != 200 || health.Status != "ok" {
		t.Fatalf("health: %d %+v", status, health)
	}
	if got := s.Counts(); got != (clienttest.Counts{AuthFailures: 12}) {
		t.Fatalf("counts after 12 control requests without the key and a health check: %+v", got)
	}

	// A body over 4 KiB is refused 400 by any operation, as the document declares.
	if status := cc.do("POST", "/__clienttest/reset", "KEY", `{"x":"`+strings.Repeat("x", 5<<10)+`"}`, nil); status != 400 {
		t.Fatalf("reset with a 5 KiB body: %d, want 400", status)
	}

	// Tokens: the fake's model, in milliseconds, never the credentials.
	plain, err := c.Create(ctx, api.CreateParams{UserID: "user_a", ExpiresIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	withOrg, err := c.Create(ctx, api.CreateParams{UserID: "user_b", OrganizationID: "org_1"})
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Tokens []tokenJSON }
	if cc.do("GET", "/__clienttest/tokens", "KEY", "", &list) != 200 || len(list.Tokens) != 2 {
		t.Fatalf("tokens = %+v", list)
	}
	a, b := list.Tokens[0], list.Tokens[1]
	if a.ID != plain.ID || a.UserID != "user_a" || a.OrganizationID != nil || a.Status != "pending" ||
		a.CreatedAt != clock.Now().UnixMilli() || a.ExpiresAt-a.CreatedAt != time.Hour.Milliseconds() {
		t.Errorf("first token = %+v", a)
	}
	if b.ID != withOrg.ID || b.OrganizationID == nil || *b.OrganizationID != "org_1" || b.ExpiresAt-b.CreatedAt != 30*24*time.Hour.Milliseconds() {
		t.Errorf("second token = %+v", b)
	}

	// Accept: through the control API, seen by the Go door.
	var accepted tokenJSON
	if cc.do("POST", "/__clienttest/tokens/"+plain.ID+"/accept", "KEY", "", &accepted) != 200 || accepted.Status != "accepted" {
		t.Fatalf("accept = %+v", accepted)
	}
	if s.Tokens()[0].Status != api.StatusAccepted {
		t.Fatal("an accept through the control API is not seen by Tokens()")
	}
	var e struct{ Error string }
	if cc.do("POST", "/__clienttest/tokens/"+plain.ID+"/accept", "KEY", "", &e) != 409 || e.Error == "" {
		t.Fatalf("accepting twice: %+v", e)
	}
	if cc.do("POST", "/__clienttest/tokens/sit_unknown/accept", "KEY", "", &e) != 404 {
		t.Fatal("accepting an unknown token was not 404")
	}
	_ = s.Accept(withOrg.ID) // the Go door, seen by the control API
	if cc.do("GET", "/__clienttest/tokens", "KEY", "", &list); list.Tokens[1].Status != "accepted" {
		t.Fatalf("an Accept through Go is not seen by the control API: %+v", list.Tokens[1])
	}

	// Requests: only authenticated API requests; the Authorization header redacted.
	var reqs struct {
		Requests []struct {
			Method, Path, Body string
			Header             map[string][]string
		}
		Total int
	}
	cc.do("GET", "/__clienttest/requests", "KEY", "", &reqs)
	if reqs.Total != 2 || len(reqs.Requests) != 2 || reqs.Requests[0].Method != "POST" || reqs.Requests[0].Path != "/v1/sign_in_tokens" ||
		!strings.Contains(reqs.Requests[0].Body, `"user_id":"user_a"`) {
		t.Fatalf("requests = %+v; want the two creates, and no control request", reqs)
	}
	if got := reqs.Requests[0].Header["Authorization"]; len(got) != 1 || got[0] != "[REDACTED]" {
		t.Fatalf("Authorization = %q; want it redacted", got)
	}

	// Violations: one expected (of its kind), one not; listed and counted apart.
	if status := cc.do("POST", "/__clienttest/expectations", "KEY", `{"count":1,"kind":"form_param_missing"}`, nil); status != 204 {
		t.Fatalf("expectations: %d", status)
	}
	post(t, s.URL()+"/sign_in_tokens", s.SecretKey(), `{"user_id":"user_a","expires_in_seconds":0}`) // another kind: unexpected
	post(t, s.URL()+"/sign_in_tokens", s.SecretKey(), `{"expires_in_seconds":60}`)                   // expected
	var vs struct {
		Violations []struct {
			Kind, Message string
			Expected      bool
		}
		Total int
	}
	if cc.do("GET", "/__clienttest/violations", "KEY", "", &vs); vs.Total != 2 || len(vs.Violations) != 2 ||
		vs.Violations[0].Kind != "form_param_value_invalid" || vs.Violations[0].Expected ||
		vs.Violations[1].Kind != "form_param_missing" || !vs.Violations[1].Expected || !strings.Contains(vs.Violations[1].Message, "user_id") {
		t.Fatalf("violations = %+v", vs)
	}
	var withCounts struct{ Counts clienttest.Counts }
	cc.do("GET", "/__clienttest/requests", "KEY", "", &withCounts)
	if want := (clienttest.Counts{Requests: 4, UnexpectedViolations: 1, ExpectedViolations: 1, AuthFailures: 12}); withCounts.Counts != want || s.Counts() != want {
		t.Fatalf("counts = %+v (Go: %+v), want %+v", withCounts.Counts, s.Counts(), want)
	}
	for _, body := range []string{`{"count":0}`, `{"count":1,"kind":"wrong_key"}`, `{"kind":"form_param_missing"}`, `{"count":1,"x":1}`} {
		if status := cc.do("POST", "/__clienttest/expectations", "KEY", body, nil); status != 400 {
			t.Errorf("expectations %s: %d, want 400", body, status)
		}
	}

	// Faults, in the order queued.
	for _, body := range []string{`{"kind":"fail","status":429,"retry_after_seconds":3}`, `{"kind":"lose","status":503}`, `{"kind":"drop"}`, `{"kind":"fail","status":500,"count":2}`} {
		if status := cc.do("POST", "/__clienttest/faults", "KEY", body, nil); status != 204 {
			t.Fatalf("queue %s: %d", body, status)
		}
	}
	var apiErr *api.Error
	if _, err := c.Create(ctx, api.CreateParams{UserID: "user_a"}); !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.RetryAfter != 3*time.Second {
		t.Fatalf("fail fault: %v; want 429 with Retry-After 3", err)
	}
	before := len(s.Tokens())
	if _, err := c.Create(ctx, api.CreateParams{UserID: "user_a"}); !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || len(s.Tokens()) != before+1 {
		t.Fatalf("lose fault: %v, %d tokens; want 503 after minting", err, len(s.Tokens()))
	}
	if _, err := c.Create(ctx, api.CreateParams{UserID: "user_a"}); err == nil || errors.As(err, &apiErr) || len(s.Tokens()) != before+2 {
		t.Fatalf("drop fault: %v; want a connection error after minting", err)
	}
	for range 2 {
		if _, err := c.Create(ctx, api.CreateParams{UserID: "user_a"}); !errors.As(err, &apiErr) || apiErr.StatusCode != 500 {
			t.Fatalf("fail fault with count 2: %v", err)
		}
	}
	if _, err := c.Create(ctx, api.CreateParams{UserID: "user_a"}); err != nil {
		t.Fatalf("after the faults: %v", err)
	}

	// Faults the model refuses, with a reason.
	for _, body := range []string{`{"kind":"fail"}`, `{"kind":"lose"}`, `{"kind":"latency"}`, `{"kind":"explode"}`, `{"kind":"fail","status":42}`,
		`{"kind":"drop","count":0}`, `{"kind":"drop","surprise":1}`, `{"kind":"fail","status":429,"retry_after_seconds":-1}`, `not json`, ``} {
		e.Error = ""
		if status := cc.do("POST", "/__clienttest/faults", "KEY", body, &e); status != 400 || e.Error == "" {
			t.Errorf("queue %q: %d %q; want 400 with a reason", body, status, e.Error)
		}
	}

	// Latency: API requests wait; the control API never does.
	if status := cc.do("POST", "/__clienttest/faults", "KEY", `{"kind":"latency","latency_ms":3600000}`, nil); status != 204 {
		t.Fatalf("latency: %d", status)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := c.Create(short, api.CreateParams{UserID: "user_a"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("under an hour's latency: %v", err)
	}
	cc.do("GET", "/__clienttest/tokens", "KEY", "", &list) // would hang for an hour if delayed
	cc.do("POST", "/__clienttest/faults", "KEY", `{"kind":"latency","latency_ms":0}`, nil)

	// Reset forgets the state, faults and expectations included, but not the run's record.
	cc.do("POST", "/__clienttest/faults", "KEY", `{"kind":"fail","status":503}`, nil)
	cc.do("POST", "/__clienttest/expectations", "KEY", `{"count":5}`, nil)
	before = s.Counts().Requests
	if status := cc.do("POST", "/__clienttest/reset", "KEY", "", nil); status != 204 {
		t.Fatalf("reset: %d", status)
	}
	cc.do("GET", "/__clienttest/tokens", "KEY", "", &list)
	cc.do("GET", "/__clienttest/requests", "KEY", "", &reqs)
	cc.do("GET", "/__clienttest/violations", "KEY", "", &vs)
	if len(list.Tokens) != 0 || len(reqs.Requests) != 0 || len(s.Tokens()) != 0 || len(s.Requests()) != 0 {
		t.Fatalf("after reset: %d tokens, %d requests kept", len(list.Tokens), len(reqs.Requests))
	}
	if reqs.Total != before || vs.Total != 2 || len(s.Violations()) != 2 {
		t.Fatalf("after reset: total %d requests (want %d), %d violations (want the 2 seen)", reqs.Total, before, vs.Total)
	}
	if _, err := c.Create(ctx, api.CreateParams{UserID: "user_a"}); err != nil {
		t.Fatalf("a fault survived the reset: %v", err)
	}
	post(t, s.URL()+"/sign_in_tokens", s.SecretKey(), `{}`)
	if got := s.Counts(); got.UnexpectedViolations != 2 || got.ExpectedViolations != 1 || got.UnmetExpectations != 5 {
		t.Fatalf("an expectation survived the reset, or its 5 violations were not counted unmet: %+v", got)
	}
	cc.exercisedAll()
}

func TestControlAPIAnswersUnknownPathsAndMethods(t *testing.T) {
	s := clienttest.NewServer(t)
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/__clienttest/nothing", 404},
		{"GET", "/__clienttest", 404},
		{"DELETE", "/__clienttest/tokens", 405},
		{"GET", "/__clienttest/reset", 405},
	} {
		req, _ := http.NewRequest(tc.method, s.Origin()+tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+s.SecretKey())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, resp)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(body, `"error"`) {
			t.Errorf("%s %s: %d %s; want %d with an error", tc.method, tc.path, resp.StatusCode, body, tc.status)
		}
	}
	if len(s.Requests()) != 0 || len(s.Violations()) != 0 {
		t.Fatal("control requests were recorded as API requests or violations")
	}
}

func TestControlRequestsNeverCountAgainstTheRateLimit(t *testing.T) {
	s := clienttest.NewServer(t, clienttest.WithRateLimit(1, time.Hour))
	cc := newControlClient(t, s)
	var list struct{ Tokens []tokenJSON }
	for range 5 {
		if status := cc.do("GET", "/__clienttest/tokens", "KEY", "", &list); status != 200 {
			t.Fatalf("control request: %d", status)
		}
	}
	if _, err := s.Client(noRetries()).Create(context.Background(), api.CreateParams{UserID: "user_a"}); err != nil {
		t.Fatalf("the first API request after control requests was refused: %v", err)
	}
	if len(s.Requests()) != 1 {
		t.Fatalf("%d requests recorded; control requests must not be", len(s.Requests()))
	}
}

// TestBothDoorsAreSafeTogether drives the model through both doors at once, under the race
// detector: API calls, control reads, faults and resets interleaved.
func TestBothDoorsAreSafeTogether(t *testing.T) {
	s := clienttest.NewServer(t, clienttest.WithHistory(16), clienttest.WithTokenLimit(8), clienttest.WithRateLimit(1000, time.Minute))
	cc := newControlClient(t, s)
	c := s.Client(noRetries())
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				switch (g + i) % 6 {
				case 0, 1:
					if tok, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"}); err == nil {
						_, _ = c.Revoke(context.Background(), tok.ID)
					}
				case 2:
					var list struct{ Tokens []tokenJSON }
					cc.do("GET", "/__clienttest/tokens", "KEY", "", &list)
				case 3:
					cc.do("POST", "/__clienttest/faults", "KEY", `{"kind":"fail","status":503}`, nil)
				case 4:
					_ = s.Requests()
					_ = s.Violations()
					s.FailNext(1, 500, 0)
				case 5:
					s.Reset()
				}
			}
		}()
	}
	wg.Wait()
	s.Reset()
	if len(s.Tokens()) != 0 || len(s.Requests()) != 0 {
		t.Fatal("Reset left state behind")
	}
	if _, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"}); err != nil {
		t.Fatalf("after Reset: %v", err)
	}
}

// TestRecordsAndViolationsCarryNoCredentials: a careless client that echoes a minted ticket,
// its sign-in URL or the key in a request's body, headers or path does not make the fake's
// records, violations or control API carry them.
func TestRecordsAndViolationsCarryNoCredentials(t *testing.T) {
	s := clienttest.NewServer(t, clienttest.AllowContractViolations())
	tok, err := s.Client().Create(context.Background(), api.CreateParams{UserID: "user_2abc"})
	if err != nil {
		t.Fatal(err)
	}
	ticket, url := credentials(tok)
	key := s.SecretKey()
	body := `{"user_id":"user_2abc","echo":"` + ticket + `","url":"` + url + `","key":"` + key + `"}`
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/sign_in_tokens", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Echo", ticket+" "+key)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	// The ticket passed where the token's id goes, and the key where no key goes.
	post(t, s.URL()+"/sign_in_tokens/"+ticket+"/revoke", key, "").Body.Close()
	post(t, s.URL()+"/"+key, key, "").Body.Close()
	// Both in a Content-Type, which the contract check quotes in its violation.
	req, _ = http.NewRequest(http.MethodPost, s.URL()+"/sign_in_tokens", strings.NewReader(`{"user_id":"user_2abc"}`))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "text/plain; echo="+ticket+"; key="+key)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}

	var rendered strings.Builder
	reqs, viols := s.Requests(), s.Violations()
	if len(reqs) < 4 || len(viols) == 0 {
		t.Fatalf("%d requests, %d violations recorded; want the 4 requests and their violations", len(reqs), len(viols))
	}
	fmt.Fprintf(&rendered, "%+v\n%#v\n%v\n", reqs, reqs, viols)
	payload, _ := json.Marshal(reqs)
	rendered.Write(payload)
	c := newControlClient(t, s)
	for _, path := range []string{"/__clienttest/requests", "/__clienttest/violations"} {
		var raw json.RawMessage
		c.do(http.MethodGet, path, "KEY", "", &raw)
		rendered.Write(raw)
	}
	signature := ticket[strings.LastIndexByte(ticket, '.')+1:]
	for what, secret := range map[string]string{"ticket": signature, "key": key} {
		if strings.Contains(rendered.String(), secret) {
			t.Errorf("the fake's records carry the %s:\n%s", what, rendered.String())
		}
	}
	if !strings.Contains(rendered.String(), "user_2abc") {
		t.Errorf("the records lost what is not a credential:\n%s", rendered.String())
	}
}
