package clienttest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/gen"
)

// maxRequestBody bounds what the fake reads of a request.
const maxRequestBody = 1 << 20

// defaultExpiresInSeconds is Clerk's default expiry, from the spec.
const defaultExpiresInSeconds = 2592000

// Handler is the fake Clerk API as an http.Handler, for serving it yourself (the signintoken
// fake command does). Tests usually want NewServer, which wraps it in a loopback server.
type Handler struct {
	contract *contract
	store    *store
	key      string
	report   func(string) // nil: violations are only listed
	quiet    bool         // AllowContractViolations

	mu         sync.Mutex
	requests   []Request
	violations []string
	faults     []fault
	latency    time.Duration
	limiter    *rateLimiter // nil: no rate limit
	now        func() time.Time

	closeOnce sync.Once
	closed    chan struct{}
}

// Request is one request the fake received.
type Request struct {
	Method string
	Path   string // e.g. /v1/sign_in_tokens
	Header http.Header
	Body   []byte
}

// NewHandler returns a fake Clerk API. It fails only for a malformed WithSecretKey.
func NewHandler(opts ...Option) (*Handler, error) {
	cfg := config{now: time.Now}
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.secretKey == "" {
		cfg.secretKey = "sk_test_clienttest" + randomID()
	}
	if _, err := api.NewClient(cfg.secretKey); err != nil {
		return nil, fmt.Errorf("clienttest: WithSecretKey: %w", err)
	}
	if cfg.rateLimitSet && (cfg.rateLimit < 1 || cfg.rateWindow <= 0) {
		return nil, fmt.Errorf("clienttest: WithRateLimit(%d, %v): want at least 1 request in a window longer than 0", cfg.rateLimit, cfg.rateWindow)
	}
	return &Handler{
		contract: mustContract(),
		store:    newStore(cfg.users, cfg.now),
		key:      cfg.secretKey,
		report:   cfg.onViolation,
		quiet:    cfg.reportOff,
		latency:  cfg.latency,
		limiter:  newRateLimiter(cfg.rateLimit, cfg.rateWindow),
		now:      cfg.now,
		closed:   make(chan struct{}),
	}, nil
}

// SecretKey returns the sk_test_… key the fake accepts.
func (h *Handler) SecretKey() string { return h.key }

// Accept is the user signing in with the token: pending → accepted. It fails for an unknown,
// expired or no longer pending token.
func (h *Handler) Accept(signInTokenID string) error {
	_, err := h.store.transition(signInTokenID, gen.SignInTokenStatusAccepted)
	if err != nil {
		return fmt.Errorf("clienttest: accept %s: %w", signInTokenID, err)
	}
	return nil
}

// Tokens returns every token the fake minted, oldest first, in its current state.
func (h *Handler) Tokens() []api.SignInToken {
	return h.store.all()
}

// Requests returns every request received, in order.
func (h *Handler) Requests() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Request, len(h.requests))
	for i, r := range h.requests {
		out[i] = Request{r.Method, r.Path, r.Header.Clone(), append([]byte(nil), r.Body...)}
	}
	return out
}

// Violations returns the description of every contract violation seen so far, reported or not.
func (h *Handler) Violations() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.violations...)
}

// SetLatency delays every later answer by d (or until its request is cancelled).
func (h *Handler) SetLatency(d time.Duration) {
	h.mu.Lock()
	h.latency = d
	h.mu.Unlock()
}

// Close releases requests waiting out a latency, so a server can shut down promptly.
func (h *Handler) Close() { h.closeOnce.Do(func() { close(h.closed) }) }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	h.record(r, body)
	if !h.delay(r.Context()) {
		return // the caller gave up; nobody is listening
	}
	if r.Method == http.MethodGet && r.URL.Path == ticketPath {
		h.serveTicket(w, r)
		return
	}
	in, v := h.contract.checkRequest(r, body)
	switch {
	case readErr != nil:
		v = &violation{status: http.StatusUnprocessableEntity, code: "request_body_invalid",
			message: fmt.Sprintf("%s %s: request body unreadable or over %d bytes", r.Method, r.URL.Path, maxRequestBody)}
	case v == nil && r.Header.Get("Authorization") != "Bearer "+h.key:
		v = &violation{status: http.StatusUnauthorized, code: "authentication_invalid",
			message: fmt.Sprintf("%s %s: Authorization carries a secret key this fake does not accept (see SecretKey)", r.Method, r.URL.Path)}
	}
	if v != nil {
		h.violate(v.message, false)
	}
	if authenticated := r.Header.Get("Authorization") == "Bearer "+h.key; authenticated {
		if ok, wait := h.limiter.admit(h.now()); !ok {
			h.writeFault(w, r, in, fault{status: http.StatusTooManyRequests, retryAfter: wait})
			return
		}
	}

	f, faulty := h.nextFault()
	if faulty && !f.process {
		h.writeFault(w, r, in, f)
		return
	}
	var status int
	var answer any
	if v != nil {
		status, answer = v.status, clerkErrors(v.code, v.param)
	} else {
		status, answer = h.process(r, in.PathParams, body)
	}
	payload, _ := json.Marshal(answer)
	header := http.Header{"Content-Type": {"application/json"}}
	if in != nil {
		if err := h.contract.checkResponse(r.Context(), in, status, header, payload); err != nil {
			h.violate("clienttest bug: the fake's own "+err.Error(), true)
		}
	}
	if faulty { // processed; now the answer is lost
		if f.status == 0 {
			panic(http.ErrAbortHandler) // drop the connection without a response
		}
		h.writeFault(w, r, in, f)
		return
	}
	writeRaw(w, status, header, payload)
}

// process carries out a request that passed the contract checks.
func (h *Handler) process(r *http.Request, params map[string]string, body []byte) (int, any) {
	if id, ok := params["sign_in_token_id"]; ok {
		tok, err := h.store.transition(id, gen.SignInTokenStatusRevoked)
		switch {
		case errors.Is(err, errUnknownToken):
			return http.StatusNotFound, clerkErrors("resource_not_found", "")
		case errors.Is(err, errNotPending):
			return http.StatusBadRequest, clerkErrors("sign_in_token_cannot_be_revoked_code", "")
		}
		return http.StatusOK, tok
	}
	var req gen.CreateSignInTokenRequest
	_ = json.Unmarshal(body, &req) // validated against the schema already
	seconds := defaultExpiresInSeconds
	if req.ExpiresInSeconds != nil {
		seconds = *req.ExpiresInSeconds
	}
	orgID := ""
	if req.OrgID != nil {
		orgID = *req.OrgID
	}
	tok, err := h.store.create(req.UserID, orgID, time.Duration(seconds)*time.Second, origin(r))
	if err != nil {
		return http.StatusNotFound, clerkErrors("resource_not_found", "")
	}
	return http.StatusOK, tok
}

func (h *Handler) record(r *http.Request, body []byte) {
	h.mu.Lock()
	h.requests = append(h.requests, Request{r.Method, r.URL.Path, r.Header.Clone(), body})
	h.mu.Unlock()
}

// violate lists msg and reports it. A caller's violation is not reported under
// AllowContractViolations; a fault of the fake's own always is.
func (h *Handler) violate(msg string, ours bool) {
	h.mu.Lock()
	h.violations = append(h.violations, msg)
	h.mu.Unlock()
	if h.report != nil && (ours || !h.quiet) {
		h.report(msg)
	}
}

// delay waits out the latency; false when the request was cancelled meanwhile.
func (h *Handler) delay(ctx context.Context) bool {
	h.mu.Lock()
	d := h.latency
	h.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-h.closed:
		return true
	case <-ctx.Done():
		return false
	}
}

func origin(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// clerkErrors is Clerk's error body for code, with param as meta.param_name when set.
func clerkErrors(code, param string) gen.ClerkErrors {
	msg, long := messages(code, param)
	e := gen.ClerkError{Code: code, Message: msg, LongMessage: long}
	if param != "" {
		e.Meta = &map[string]any{"param_name": param}
	}
	trace := traceID()
	return gen.ClerkErrors{Errors: []gen.ClerkError{e}, ClerkTraceID: &trace}
}

func messages(code, param string) (string, string) {
	switch code {
	case "resource_not_found":
		return "not found", "Resource not found"
	case "form_param_missing":
		return "is missing", param + " must be included."
	case "form_param_value_invalid":
		return "is invalid", param + " is invalid."
	case "sign_in_token_cannot_be_revoked_code":
		return "the sign-in token cannot be revoked", "Only sign-in tokens with status 'pending' can be revoked."
	case "authentication_invalid":
		return "Invalid authentication", "The provided secret key is missing, malformed or not valid for this instance."
	case "authorization_invalid":
		return "Unauthorized request", "You are not authorized to perform this request"
	case "too_many_requests":
		return "Too many requests", "Too many requests, retry later"
	case "request_body_invalid":
		return "invalid request body", "The request body is not a JSON object of the expected shape."
	}
	return "Something went wrong", "Please try again later."
}

func traceID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// writeFault answers with an injected fault. Statuses the operation declares (429, say) are
// checked like any answer; the others (a 503) are outside the contract on purpose.
func (h *Handler) writeFault(w http.ResponseWriter, r *http.Request, in *openapi3filter.RequestValidationInput, f fault) {
	payload, _ := json.Marshal(faultBody(f.status))
	header := f.header()
	header.Set("Content-Type", "application/json")
	if in != nil && declares(in, f.status) {
		if err := h.contract.checkResponse(r.Context(), in, f.status, header, payload); err != nil {
			h.violate("clienttest bug: the fake's own "+err.Error(), true)
		}
	}
	writeRaw(w, f.status, header, payload)
}

func writeRaw(w http.ResponseWriter, status int, header http.Header, payload []byte) {
	for k, vs := range header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
	w.WriteHeader(status)
	w.Write(payload)
}

// ticketPath is where the fake's sign-in URLs point. Following one signs the user in (the
// token becomes accepted), so tests in any language can play the user.
const ticketPath = "/v1/tickets/accept"

func (h *Handler) serveTicket(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	id, ok := h.store.idByTicket(r.URL.Query().Get("ticket"))
	if !ok {
		http.Error(w, "unknown ticket", http.StatusNotFound)
		return
	}
	tok, err := h.store.transition(id, gen.SignInTokenStatusAccepted)
	if err != nil {
		http.Error(w, strings.TrimPrefix(err.Error(), "sign-in token ")+": cannot sign in", http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, "signed in as %s with %s\n", tok.UserID, id)
}
