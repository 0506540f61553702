package clienttest

import (
	"fmt"
	"math"
	"sync"
)

// EventKind is one of the kinds of event the fake tells a test, a log and an exit status
// about. The same words name them everywhere: in [Event], in [Counts] (and so in the control
// API's GET /__clienttest/requests and `signintoken fake --summary-json`), and in the lines
// `signintoken fake` logs.
type EventKind string

const (
	// EventViolation is a request to one of the two operations, with the fake's key, that
	// openapi.yaml forbids: a bug in the client. It fails a test (NewServer) and makes
	// `signintoken fake` exit 3, unless it was expected (ExpectViolations) or
	// AllowContractViolations is given.
	EventViolation EventKind = "violation"
	// EventAuthFailure is a request with no key, another key, or a header that is not
	// "Bearer <key>": answered 401 as Clerk answers it, counted, never a test failure (a test
	// of the bad-key path is a normal negative test). `signintoken fake --strict` fails on it.
	EventAuthFailure EventKind = "auth_failure"
	// EventUnknownRoute is a request to a path and method that is none of the fake's: answered
	// 404 as Clerk answers it, counted, never a test failure (a health probe, a port scan, a
	// browser's /favicon.ico). `signintoken fake --strict` fails on it.
	EventUnknownRoute EventKind = "unknown_route"
	// EventFakeError is an answer of the fake's own that fails its contract check: a bug in
	// clienttest, or a fault queued with a status the operation declares and a body it does
	// not (FailNext with 200). Always reported, AllowContractViolations or not; `signintoken
	// fake` exits 4.
	EventFakeError EventKind = "fake_error"
)

// ViolationKind is what a violation broke: the Clerk error code the fake answered it with,
// or PathV1Twice. ExpectViolations and the control API's POST /__clienttest/expectations take
// one to mark only violations of that kind as expected.
type ViolationKind string

const (
	// AnyViolation matches every kind, in ExpectViolations.
	AnyViolation ViolationKind = ""
	// ParamMissing: a required parameter is absent (or user_id is empty). 422.
	ParamMissing ViolationKind = "form_param_missing"
	// ParamInvalid: a parameter has the wrong type or value (expires_in_seconds 0, 1.5, 1e3). 422.
	ParamInvalid ViolationKind = "form_param_value_invalid"
	// BodyInvalid: the body is missing, not JSON, not a JSON object, not JSON-typed, over 64 KiB,
	// or shorter than its Content-Length (the server's read timeout ended it). 422 (400 for a
	// Revoke, which declares no 422).
	BodyInvalid ViolationKind = "request_body_invalid"
	// PathV1Twice: an operation's path with /v1 twice: a base URL that already ends in /v1,
	// given to a client that adds its own. 404.
	PathV1Twice ViolationKind = "path_has_v1_twice"
)

var violationKinds = []ViolationKind{ParamMissing, ParamInvalid, BodyInvalid, PathV1Twice}

// Auth failure reasons, in Event.Reason.
const (
	ReasonNoKey       = "no_key"       // no Authorization header
	ReasonWrongScheme = "wrong_scheme" // not one "Bearer <key>" header
	ReasonWrongKey    = "wrong_key"    // a key other than SecretKey
)

// Event is one event the fake reports (see OnEvent).
type Event struct {
	Kind EventKind
	// Reason refines Kind: a violation's ViolationKind; an auth failure's ReasonNoKey,
	// ReasonWrongScheme or ReasonWrongKey; empty for the others.
	Reason string
	// Expected is true for a violation that an ExpectViolations (or the control API's
	// expectations) marked as expected.
	Expected bool
	// Message says where and why; it never quotes a key, a token or a URL, and is at most
	// 1 KiB.
	Message string
}

// Counts are the fake's tallies since it started. Reset does not clear them: they are the
// run's verdict (mark a violation provoked on purpose as expected instead). The JSON names are
// the words the control API and `signintoken fake` use.
type Counts struct {
	// Requests to one of the two operations with the fake's key (what Requests records).
	Requests int `json:"requests"`
	// UnexpectedViolations fail: a test (NewServer), or `signintoken fake` (exit 3).
	UnexpectedViolations int `json:"unexpected_violations"`
	// ExpectedViolations were marked expected beforehand; they never fail.
	ExpectedViolations int `json:"expected_violations"`
	// UnmetExpectations are violations marked expected (ExpectViolations) that never came:
	// still queued, or dropped by a Reset, after which they cannot come. A test that meant to
	// send a bad request and did not shows here. They never fail a test; `signintoken fake
	// --strict` exits 3 on them.
	UnmetExpectations int `json:"unmet_expectations"`
	AuthFailures      int `json:"auth_failures"`
	UnknownRoutes     int `json:"unknown_routes"`
	FakeErrors        int `json:"fake_errors"`
}

// OnEvent sends every event to f as it happens: violations (expected or not), auth failures,
// unknown routes and fake errors. Unlike OnViolation, which only reports what should fail a
// test, it sees everything, for a log. f must not block; it may be called concurrently.
func OnEvent(f func(Event)) Option {
	return func(c *config) { c.onEvent = f }
}

// maxQueuedExpectations bounds the expectations queue, as maxQueuedFaults bounds the faults.
const maxQueuedExpectations = 1024

// expectation is n violations' worth of one ExpectViolations call.
type expectation struct {
	kind ViolationKind
	n    int
}

// events keeps the run's record: the counts, and the expectations still to be met.
type events struct {
	mu     sync.Mutex
	counts Counts
	expect []expectation
}

// violation counts one of kind and says whether it was expected, consuming the first
// queued expectation that matches it.
func (e *events) violation(kind ViolationKind) (expected bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range e.expect {
		if x := &e.expect[i]; x.kind == AnyViolation || x.kind == kind {
			if x.n--; x.n == 0 {
				e.expect = append(e.expect[:i], e.expect[i+1:]...)
			}
			e.counts.ExpectedViolations++
			e.counts.UnmetExpectations--
			return true
		}
	}
	e.counts.UnexpectedViolations++
	return false
}

func (e *events) count(f func(*Counts)) {
	e.mu.Lock()
	f(&e.counts)
	e.mu.Unlock()
}

func (e *events) snapshot() Counts {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.counts
}

func (e *events) queue(n int, kind ViolationKind) error {
	if !knownViolationKind(kind) {
		return fmt.Errorf("%q is not a violation kind (want one of %v, or none for any)", kind, violationKinds)
	}
	if n <= 0 {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.expect) >= maxQueuedExpectations {
		return fmt.Errorf("%d expectations are queued already; let them be met or Reset", len(e.expect))
	}
	e.expect = append(e.expect, expectation{kind, n})
	e.counts.UnmetExpectations += min(n, math.MaxInt-e.counts.UnmetExpectations) // ExpectViolations(math.MaxInt, …) twice
	return nil
}

// forgetExpectations drops the queue; what it held stays counted as unmet, as it can no
// longer be met.
func (e *events) forgetExpectations() {
	e.mu.Lock()
	e.expect = nil
	e.mu.Unlock()
}

func knownViolationKind(k ViolationKind) bool {
	if k == AnyViolation {
		return true
	}
	for _, v := range violationKinds {
		if v == k {
			return true
		}
	}
	return false
}

// ExpectViolations marks the next n violations of kind (AnyViolation: of any kind) as
// expected, for a test that sends a bad request on purpose: they are answered as any
// violation is, listed and counted apart (Counts.ExpectedViolations), and never reported as
// test failures. Expectations are met in the order queued; one not met is not an error, but
// is counted (Counts.UnmetExpectations) until met, and for good once a Reset drops it. It
// panics for an unknown kind or when 1,024 expectations are queued.
func (h *Handler) ExpectViolations(n int, kind ViolationKind) {
	if err := h.events.queue(n, kind); err != nil {
		panic("clienttest: ExpectViolations: " + err.Error())
	}
}

// Counts returns the fake's tallies since it started (Reset does not clear them).
func (h *Handler) Counts() Counts {
	c := h.events.snapshot()
	c.Requests = h.requests.count() // one count: the history's
	return c
}

// ViolationEvents returns each violation seen, oldest first, with its kind and whether it was
// expected: the most recent ones, as many as WithHistory keeps. Reset does not clear them.
func (h *Handler) ViolationEvents() []Event {
	out, _ := h.violations.list(func(e Event) Event { return e })
	return out
}

// FakeErrors returns the description of each fake error seen (the fake's own answer failing
// its contract check), oldest first: the most recent ones, as many as WithHistory keeps.
func (h *Handler) FakeErrors() []string {
	out, _ := h.fakeErrors.list(func(s string) string { return s })
	return out
}

// emit tells OnEvent about e.
func (h *Handler) emit(e Event) {
	if h.onEvent != nil {
		h.onEvent(e)
	}
}

// violate counts and lists a violation of the caller's, and reports it unless it was
// expected or violations are allowed.
func (h *Handler) violate(v *violation) {
	msg := truncate(h.scrub(v.message))
	expected := h.events.violation(ViolationKind(v.kind))
	e := Event{Kind: EventViolation, Reason: string(v.kind), Expected: expected, Message: msg}
	h.violations.add(e)
	h.emit(e)
	if h.report != nil && !expected && !h.allowViolations {
		h.report(msg)
	}
}

// fakeError counts, lists and always reports an answer of the fake's own that breaks the
// contract.
func (h *Handler) fakeError(msg string) {
	msg = truncate(h.scrub("fake error: the fake's own " + msg))
	h.events.count(func(c *Counts) { c.FakeErrors++ })
	h.fakeErrors.add(msg)
	h.emit(Event{Kind: EventFakeError, Message: msg})
	if h.report != nil {
		h.report(msg)
	}
}

// authFailed counts a request refused for its Authorization header.
func (h *Handler) authFailed(v *violation) {
	h.events.count(func(c *Counts) { c.AuthFailures++ })
	h.emit(Event{Kind: EventAuthFailure, Reason: string(v.kind), Message: truncate(h.scrub(v.message))})
}

// unknownRoute counts a request for a path and method that is none of the fake's.
func (h *Handler) unknownRoute(msg string) {
	h.events.count(func(c *Counts) { c.UnknownRoutes++ })
	h.emit(Event{Kind: EventUnknownRoute, Message: truncate(h.scrub(msg))})
}
