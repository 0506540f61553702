package clienttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
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

// maxRefusedBody bounds what the fake reads of a request it refuses unauthenticated (see
// closeAfter): a Create is well under it.
const maxRefusedBody = 4 << 10

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
	onEvent         func(Event)  // nil: events are only counted
	allowViolations bool
	limiter         *rateLimiter // nil: no rate limit
	now             func() time.Time
	requests        *ring[Request]
	violations      *ring[Event]
	fakeErrors      *ring[string]
	events          events
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
		onEvent:         cfg.onEvent,
		allowViolations: cfg.allowViolations,
		limiter:         newRateLimiter(cfg.rateLimit, cfg.rateWindow),
		now:             cfg.now,
		requests:        newRing[Request](cfg.history),
		violations:      newRing[Event](cfg.history),
		fakeErrors:      newRing[string](cfg.history),
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

// Requests returns the requests to one of the two operations with the fake's key, oldest
// first: the most recent ones, as many as WithHistory keeps, since the fake was made or last
// Reset. Requests refused for their key, to an unknown route, or to the control API are not
// recorded.
func (h *Handler) Requests() []Request {
	out, _ := h.requests.list(copyRequest)
	return out
}

// Violations returns the description of each contract violation seen, expected or not,
// reported or not, oldest first: the most recent ones, as many as WithHistory keeps. Reset
// does not clear them. See ViolationEvents for their kinds.
func (h *Handler) Violations() []string {
	out, _ := h.violations.list(func(e Event) Event { return e })
	msgs := make([]string, len(out))
	for i, e := range out {
		msgs[i] = e.Message
	}
	return msgs
}

// SetLatency delays every later API response by d (or until its request is cancelled).
func (h *Handler) SetLatency(d time.Duration) {
	h.mu.Lock()
	h.latency = max(d, 0)
	h.mu.Unlock()
}

// Reset returns the fake's state to what it was when it was made: no tokens, recorded
// requests, queued faults or expectations, the latency it was configured with, and a fresh
// rate-limit window. Its key and options stay, and so does the run's record: Counts, and the
// violations and fake errors seen, so that a test suite resetting between tests cannot erase a
// violation (mark one provoked on purpose with ExpectViolations instead).
func (h *Handler) Reset() {
	h.store.reset()
	h.requests.forget()
	h.events.forgetExpectations()
	h.limiter.reset()
	h.mu.Lock()
	h.faults, h.latency = nil, h.initialLatency
	h.mu.Unlock()
}

// Close releases requests waiting out a latency, so a server can shut down promptly. It does
// not stop a server serving the handler (Server.Close does).
func (h *Handler) Close() { h.closeOnce.Do(func() { close(h.closed) }) }

// ServeHTTP serves the control API under /__clienttest/, the sign-in URLs' ticket path, and
// Clerk's API under /v1. Any other path is an unknown route: answered 404 resource_not_found,
// counted, never a violation. An API request goes through these steps, in order:
//
//  1. authenticate: a missing or malformed Authorization header, or a key other than
//     SecretKey, is an auth failure, answered 401 before anything else (nothing recorded, no
//     fault consumed, not a violation);
//  2. route: a path and method that are none of the two operations is an unknown route,
//     answered 404 (nothing recorded, no fault consumed); one with /v1 twice is routed to its
//     operation, as a violation;
//  3. record the request (bounded, see WithHistory), unless the caller hung up before sending
//     all of its body (see hungUp): that request is dropped, unanswered and not a violation;
//  4. wait out the latency;
//  5. rate limit (WithRateLimit): past the limit, 429, unprocessed;
//  6. check it against the contract: a violation is counted, reported unless expected, and
//     answered as Clerk would;
//  7. take the next queued fault: a failure answers now, unprocessed;
//  8. process it, by the contract's operation;
//  9. check the fake's own answer against the contract: a failure is a fake error;
//  10. answer, or lose the answer to a queued LoseNext or DropNext.
//
// Answers to requests without the fake's key (auth failures, unknown routes outside /v1)
// close their connection, so that only a caller with the key keeps one open.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case isControlPath(r.URL.Path):
		h.control.ServeHTTP(w, r)
		return
	case r.Method == http.MethodGet && r.URL.Path == ticketPath:
		h.serveTicket(w, r)
		return
	case r.URL.Path != "/v1" && !strings.HasPrefix(r.URL.Path, "/v1/"):
		h.unknownRoute(safepath.Request(r.Method, r.URL.Path) + ": not a path of Clerk's Backend API (which is under /v1)")
		closeAfter(w, r)
		h.answer(w, r, nil, http.StatusNotFound, clerkErrors("resource_not_found", ""))
		return
	}
	if v := h.authenticate(r); v != nil {
		h.authFailed(v)
		in, _ := h.contract.route(r)
		closeAfter(w, r)
		h.answer(w, r, in, v.status, clerkErrors(v.code, v.param))
		return
	}
	in, v := h.route(r)
	if in == nil && v == nil {
		msg := safepath.Request(r.Method, r.URL.Path) + " is neither of the contract's operations (POST /v1/sign_in_tokens, POST /v1/sign_in_tokens/{id}/revoke)"
		h.unknownRoute(msg)
		h.answer(w, r, nil, http.StatusNotFound, clerkErrors("resource_not_found", ""))
		return
	}
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAPIRequestBody))
	if hungUp(readErr) {
		// The caller gave up mid-request: Clerk never saw it whole. Abort, not return: on a
		// return net/http answers 200 with no body, which a half-closed caller would read.
		panic(http.ErrAbortHandler)
	}
	h.requests.add(recordOf(r, body, h.scrub))
	ctx := r.Context()
	if readErr != nil {
		ctx = context.WithoutCancel(ctx) // net/http cancels it on a read timeout; the caller is still there
	}
	if !h.delay(ctx) {
		panic(http.ErrAbortHandler) // the caller gave up; as above, no empty 200
	}
	if ok, wait := h.limiter.admit(h.now()); !ok {
		h.writeFault(w, r, in, fault{kind: failFault, status: http.StatusTooManyRequests, retryAfter: wait})
		return
	}
	switch {
	case v != nil: // /v1 twice
	case readErr != nil:
		v = &violation{status: clientErrorStatus(in), code: "request_body_invalid", kind: string(BodyInvalid),
			message: fmt.Sprintf("%s: request body %s", safepath.Request(r.Method, r.URL.Path), bodyProblem(readErr))}
	default:
		v = h.contract.validate(r, in, body)
	}
	if v != nil {
		h.violate(v)
	}
	if v != nil && v.kind == string(PathV1Twice) {
		in = nil // the answer is Clerk's 404 for a path it does not serve, which the operation does not declare
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

// route finds the operation r asks for. It returns neither a route nor a violation for a
// path and method that are none of the contract's operations (an unknown route); for a path
// with /v1 twice that names an operation once the extra /v1 is dropped, that operation's route
// and the violation saying so.
func (h *Handler) route(r *http.Request) (*openapi3filter.RequestValidationInput, *violation) {
	if in, notFound := h.contract.route(r); notFound == nil {
		return in, nil
	}
	rest, twice := strings.CutPrefix(r.URL.Path, "/v1/v1/")
	if !twice {
		return nil, nil
	}
	once := r.WithContext(r.Context())
	u := *r.URL
	u.Path, u.RawPath = "/v1/"+rest, ""
	once.URL = &u
	in, notFound := h.contract.route(once)
	if notFound != nil {
		return nil, nil
	}
	return in, &violation{status: http.StatusNotFound, code: "resource_not_found", kind: string(PathV1Twice), message: fmt.Sprintf(
		"%s: the path has /v1 twice: the base URL already ends in /v1 and the client adds its own "+
			"(Clerk's JS SDKs take the origin: CLERK_API_URL=%s, without /v1)", safepath.Request(r.Method, r.URL.Path), origin(r))}
}

// hungUp reports whether reading a request's body failed because its connection ended first:
// the caller gave up while sending (a context ending between the headers and the body, which
// net/http's transport may flush apart). Such a request breaks no contract and reached no
// server whole, and no answer to it can be read. A body over the bound, or badly framed, is
// not this: the caller is still there, and is told.
//
// The server's read timeout is not this either: it ends the read of a caller that is still
// there, waiting for an answer to a body shorter than its Content-Length (its bug).
func hungUp(readErr error) bool {
	var connErr *net.OpError
	return errors.Is(readErr, io.ErrUnexpectedEOF) || errors.As(readErr, &connErr) && !connErr.Timeout()
}

// clientErrorStatus is the status for a request whose body the fake could not take: 422, as
// Clerk answers a bad body, where the operation declares it (Create); else 400 (Revoke, which
// declares no 422: answering it 422 would be the fake breaking the contract).
func clientErrorStatus(in *openapi3filter.RequestValidationInput) int {
	if in.Route.Operation.Responses.Value(strconv.Itoa(http.StatusUnprocessableEntity)) != nil {
		return http.StatusUnprocessableEntity
	}
	return http.StatusBadRequest
}

// bodyProblem says what was wrong with a body that could not be read, for a violation.
func bodyProblem(readErr error) string {
	var connErr *net.OpError
	if errors.As(readErr, &connErr) && connErr.Timeout() {
		return "not whole before the server's read timeout (shorter than its Content-Length?)"
	}
	return fmt.Sprintf("unreadable or over %d bytes", maxAPIRequestBody)
}

// closeAfter asks net/http to close the connection once the answer to r is written: a caller
// without the fake's key keeps no connection open (see signintoken fake's --max-conns). Up to
// maxRefusedBody of the body is read first: closing a connection with unread bytes resets it,
// and a caller that sent a small request with the wrong key would see a reset instead of its
// 401.
func closeAfter(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, io.LimitReader(r.Body, maxRefusedBody))
	w.Header().Set("Connection", "close")
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

// selfCheck reports an answer of the fake's own that breaks the contract as a fake error.
func (h *Handler) selfCheck(r *http.Request, in *openapi3filter.RequestValidationInput, status int, header http.Header, payload []byte) {
	if err := h.contract.checkResponse(r.Context(), in, status, header, payload); err != nil {
		h.fakeError(err.Error())
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
