package clienttest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/internal/safepath"
)

// maxAPIRequestBody bounds what the fake reads of an API request's body: a sign-in-token
// request is well under a kilobyte.
const maxAPIRequestBody = 64 << 10

// Handler is the fake Clerk API as an http.Handler, for serving it yourself (the signintoken
// fake command does). Tests usually want NewServer, which wraps it in a loopback server.
//
// Besides Clerk's API under /v1, it serves its control API under /__clienttest/ (see the
// package documentation), so tests in any language can do what the Go methods do.
type Handler struct {
	contract        *contract
	store           *store
	key             api.Secret   // so that no fmt verb or log handler that walks a Handler prints it
	report          func(string) // nil: violations are only listed
	allowViolations bool
	limiter         *rateLimiter // nil: no rate limit
	now             func() time.Time
	requests        *ring[Request]
	violations      *ring[string]
	control         http.Handler
	initialLatency  time.Duration

	mu      sync.Mutex
	faults  []queued
	latency time.Duration

	closeOnce sync.Once
	closed    chan struct{}
}

// NewHandler returns a fake Clerk API. It fails only for an option it cannot honour (a
// WithSecretKey that is not an sk_test_ key, a WithRateLimit below 1, …).
func NewHandler(opts ...Option) (*Handler, error) {
	cfg := defaultConfig()
	for _, opt := range opts {
		opt(&cfg)
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.secretKey == "" {
		cfg.secretKey = "sk_test_clienttest" + randomID()
	}
	h := &Handler{
		contract:        mustContract(),
		store:           newStore(cfg.users, cfg.tokenLimit, cfg.now),
		key:             api.NewSecret(cfg.secretKey),
		report:          cfg.onViolation,
		allowViolations: cfg.allowViolations,
		limiter:         newRateLimiter(cfg.rateLimit, cfg.rateWindow),
		now:             cfg.now,
		requests:        newRing[Request](cfg.history),
		violations:      newRing[string](cfg.history),
		initialLatency:  cfg.latency,
		latency:         cfg.latency,
		closed:          make(chan struct{}),
	}
	h.control = newControlAPI(h)
	return h, nil
}

// SecretKey returns the sk_test_… key the fake accepts.
func (h *Handler) SecretKey() string { return h.key.Reveal() }

// Accept is the user signing in with the token: pending → accepted. It fails for an unknown,
// expired or no longer pending token.
func (h *Handler) Accept(signInTokenID string) error {
	_, err := h.accept(signInTokenID)
	return err
}

func (h *Handler) accept(id string) (Token, error) {
	tok, err := h.store.transition(id, api.StatusAccepted)
	if err != nil {
		return Token{}, fmt.Errorf("clienttest: accept %s: %w", id, err)
	}
	return tok, nil
}

// Tokens returns the tokens the fake keeps (every one it minted, unless WithTokenLimit's
// eviction has begun), oldest first, in their current state.
func (h *Handler) Tokens() []Token { return h.store.all() }

// Requests returns the authenticated API requests received, oldest first: the most recent
// ones, as many as WithHistory keeps. Requests refused for their key are not recorded, nor
// are control API requests.
func (h *Handler) Requests() []Request {
	out, _ := h.requests.list(copyRequest)
	return out
}

// Violations returns the description of each contract violation seen, reported or not,
// oldest first: the most recent ones, as many as WithHistory keeps.
func (h *Handler) Violations() []string {
	out, _ := h.violations.list(func(s string) string { return s })
	return out
}

// SetLatency delays every later API response by d (or until its request is cancelled).
func (h *Handler) SetLatency(d time.Duration) {
	h.mu.Lock()
	h.latency = max(d, 0)
	h.mu.Unlock()
}

// Reset returns the fake to its state when it was made: no tokens, requests, violations or
// queued faults, the latency it was configured with, and a fresh rate-limit window. Its key
// and options stay.
func (h *Handler) Reset() {
	h.store.reset()
	h.requests.reset()
	h.violations.reset()
	h.limiter.reset()
	h.mu.Lock()
	h.faults, h.latency = nil, h.initialLatency
	h.mu.Unlock()
}

// Close releases requests waiting out a latency, so a server can shut down promptly. It does
// not stop a server serving the handler (Server.Close does).
func (h *Handler) Close() { h.closeOnce.Do(func() { close(h.closed) }) }

// ServeHTTP serves the control API under /__clienttest/, the sign-in URLs' ticket path, and
// Clerk's API. An API request goes through these steps, in order:
//
//  1. authenticate: a malformed Authorization header or a key other than SecretKey is a
//     violation, answered 401 before anything else (nothing recorded, no fault consumed);
//  2. record the request (bounded, see WithHistory);
//  3. wait out the latency;
//  4. rate limit (WithRateLimit): past the limit, 429, unprocessed;
//  5. check it against the contract (and a doubled /v1): a violation is reported and answered
//     as Clerk would;
//  6. take the next queued fault: a failure answers now, unprocessed;
//  7. process it, by the contract's operation;
//  8. check the fake's own answer against the contract;
//  9. answer, or lose the answer to a queued LoseNext or DropNext.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case isControlPath(r.URL.Path):
		h.control.ServeHTTP(w, r)
		return
	case r.Method == http.MethodGet && r.URL.Path == ticketPath:
		h.serveTicket(w, r)
		return
	}
	if v := h.authenticate(r); v != nil {
		h.violate(v.message, false)
		in, _ := h.contract.route(r)
		h.answer(w, r, in, v.status, clerkErrors(v.code, v.param))
		return
	}
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAPIRequestBody))
	h.requests.add(recordOf(r, body, h.scrub))
	if !h.delay(r.Context()) {
		return // the caller gave up; nobody is listening
	}
	in, v := h.contract.route(r)
	if ok, wait := h.limiter.admit(h.now()); !ok {
		h.writeFault(w, r, in, fault{kind: failFault, status: http.StatusTooManyRequests, retryAfter: wait})
		return
	}
	switch {
	case strings.HasPrefix(r.URL.Path, "/v1/v1/"):
		v = &violation{status: http.StatusNotFound, code: "resource_not_found", message: fmt.Sprintf(
			"%s %s: the path has /v1 twice: the base URL already ends in /v1 and the client adds its own "+
				"(Clerk's JS SDKs take the origin: CLERK_API_URL=%s, without /v1)", r.Method, safepath.Of(r.URL.Path), origin(r))}
		in = nil
	case readErr != nil:
		v = &violation{status: http.StatusUnprocessableEntity, code: "request_body_invalid",
			message: fmt.Sprintf("%s %s: request body unreadable or over %d bytes", r.Method, safepath.Of(r.URL.Path), maxAPIRequestBody)}
	case v == nil:
		v = h.contract.validate(r, in, body)
	}
	if v != nil {
		h.violate(v.message, false)
	}

	f, faulty := h.nextFault()
	if faulty && !f.processes() {
		h.writeFault(w, r, in, f)
		return
	}
	var status int
	var answer any
	if v != nil {
		status, answer = v.status, clerkErrors(v.code, v.param)
	} else {
		status, answer = h.process(r, in, body)
	}
	if faulty { // processed; now the answer is lost
		h.writeFault(w, r, in, f)
		return
	}
	h.answer(w, r, in, status, answer)
}

// answer writes status and body as JSON, after checking them against the contract when the
// request was routed to an operation.
func (h *Handler) answer(w http.ResponseWriter, r *http.Request, in *openapi3filter.RequestValidationInput, status int, body any) {
	payload, _ := json.Marshal(body)
	header := http.Header{"Content-Type": {"application/json"}}
	if in != nil {
		h.selfCheck(r, in, status, header, payload)
	}
	writeRaw(w, status, header, payload)
}

// selfCheck reports an answer of the fake's own that breaks the contract: a bug in clienttest.
func (h *Handler) selfCheck(r *http.Request, in *openapi3filter.RequestValidationInput, status int, header http.Header, payload []byte) {
	if err := h.contract.checkResponse(r.Context(), in, status, header, payload); err != nil {
		h.violate("clienttest bug: the fake's own "+err.Error(), true)
	}
}

func writeRaw(w http.ResponseWriter, status int, header http.Header, payload []byte) {
	for k, vs := range header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
	w.WriteHeader(status)
	w.Write(payload)
}

// violate lists msg and reports it. A caller's violation is not reported under
// AllowContractViolations; a fault of the fake's own always is.
func (h *Handler) violate(msg string, ours bool) {
	msg = truncate(h.scrub(msg))
	h.violations.add(msg)
	if h.report != nil && (ours || !h.allowViolations) {
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
