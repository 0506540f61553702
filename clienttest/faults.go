package clienttest

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// fault is an answer queued for a coming request.
type fault struct {
	status     int           // 0 with process: drop the connection
	retryAfter time.Duration // Retry-After in whole seconds, when > 0
	process    bool          // carry the request out first ("response lost")
}

func (f fault) header() http.Header {
	h := http.Header{}
	if f.retryAfter > 0 {
		h.Set("Retry-After", strconv.FormatInt(retryAfterSeconds(f.retryAfter), 10))
	}
	return h
}

// FailNext makes the next n requests fail with status, unprocessed, with a ClerkErrors body
// and, when retryAfter > 0, a Retry-After header in seconds (rounded up).
func (h *Handler) FailNext(n, status int, retryAfter time.Duration) {
	if status < 100 || status > 599 {
		panic(fmt.Sprintf("clienttest: FailNext: %d is not an HTTP status", status))
	}
	h.queue(n, fault{status: status, retryAfter: retryAfter})
}

// LoseNext makes the next n requests be processed as usual, and then answered with status
// instead of their result; status 0 drops the connection without any answer. This is the
// "response lost" case: the token was minted or revoked, and the caller cannot know.
func (h *Handler) LoseNext(n, status int) {
	if status != 0 && (status < 100 || status > 599) {
		panic(fmt.Sprintf("clienttest: LoseNext: %d is neither 0 (drop the connection) nor an HTTP status", status))
	}
	h.queue(n, fault{status: status, process: true})
}

func (h *Handler) queue(n int, f fault) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for range n {
		h.faults = append(h.faults, f)
	}
}

func (h *Handler) nextFault() (fault, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.faults) == 0 {
		return fault{}, false
	}
	f := h.faults[0]
	h.faults = h.faults[1:]
	return f, true
}

// faultBody is the ClerkErrors body Clerk gives with status.
func faultBody(status int) any {
	switch {
	case status == http.StatusTooManyRequests:
		return clerkErrors("too_many_requests", "")
	case status == http.StatusUnauthorized:
		return clerkErrors("authentication_invalid", "")
	case status == http.StatusForbidden:
		return clerkErrors("authorization_invalid", "")
	case status == http.StatusNotFound:
		return clerkErrors("resource_not_found", "")
	case status >= 500:
		return clerkErrors("internal_clerk_error", "")
	}
	return clerkErrors("request_failed", "")
}
