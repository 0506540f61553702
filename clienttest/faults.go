package clienttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// faultKind is what a queued fault does to the request it meets.
type faultKind int

const (
	failFault faultKind = iota // answer status, unprocessed
	loseFault                  // process, then answer status instead of the result
	dropFault                  // process, then drop the connection with no answer
)

// fault is an answer queued for coming requests.
type fault struct {
	kind       faultKind
	status     int           // failFault, loseFault
	retryAfter time.Duration // Retry-After, rounded up to whole seconds, when > 0
}

// processes reports whether the request is carried out before the fault strikes.
func (f fault) processes() bool { return f.kind != failFault }

func (f fault) header() http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	if f.retryAfter > 0 {
		h.Set("Retry-After", strconv.FormatInt(retryAfterSeconds(f.retryAfter), 10))
	}
	return h
}

// maxQueuedFaults bounds the fault queue: each FailNext, LoseNext or DropNext call (or control
// API request) takes one entry, whatever its n.
const maxQueuedFaults = 1024

// queued is n requests' worth of one fault.
type queued struct {
	fault
	n int
}

// check refuses a fault no server could give.
func (f fault) check() error {
	switch {
	case f.kind != dropFault && (f.status < 100 || f.status > 599):
		return fmt.Errorf("%d is not an HTTP status", f.status)
	case f.retryAfter < 0:
		return fmt.Errorf("Retry-After %v is negative", f.retryAfter)
	}
	return nil
}

// FailNext makes the next n API requests fail with status, unprocessed, with a ClerkErrors body
// and, when retryAfter > 0, a Retry-After header in seconds (rounded up). It panics for a
// status outside 100–599.
func (h *Handler) FailNext(n, status int, retryAfter time.Duration) {
	h.mustQueue("FailNext", n, fault{kind: failFault, status: status, retryAfter: retryAfter})
}

// LoseNext makes the next n API requests be processed as usual, and then answered with status
// instead of their result. This is the "response lost" case: the token was minted or revoked,
// and the caller cannot know. It panics for a status outside 100–599; see DropNext for a
// connection dropped with no answer at all.
func (h *Handler) LoseNext(n, status int) {
	h.mustQueue("LoseNext", n, fault{kind: loseFault, status: status})
}

// DropNext makes the next n API requests be processed as usual, and then drops their
// connections without any answer.
func (h *Handler) DropNext(n int) {
	h.mustQueue("DropNext", n, fault{kind: dropFault})
}

func (h *Handler) mustQueue(method string, n int, f fault) {
	if err := h.queue(n, f); err != nil {
		panic(fmt.Sprintf("clienttest: %s: %v", method, err))
	}
}

// queue adds n requests' worth of f behind the faults already queued. Both doors (the Go
// methods and the control API) come here.
func (h *Handler) queue(n int, f fault) error {
	if err := f.check(); err != nil {
		return err
	}
	if n <= 0 {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.faults) >= maxQueuedFaults {
		return fmt.Errorf("%d faults are queued already; let them be consumed or Reset", len(h.faults))
	}
	h.faults = append(h.faults, queued{f, n})
	return nil
}

// nextFault takes the fault for the request being served, if one is queued.
func (h *Handler) nextFault() (fault, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.faults) == 0 {
		return fault{}, false
	}
	f := h.faults[0].fault
	if h.faults[0].n--; h.faults[0].n == 0 {
		h.faults = h.faults[1:]
	}
	return f, true
}

// writeFault answers with a fault: a status and Clerk's error body for it, or, for a drop, no
// answer at all. Statuses the operation declares (429, say) are checked like any answer; the
// others (a 503) are outside the contract on purpose.
func (h *Handler) writeFault(w http.ResponseWriter, r *http.Request, in *openapi3filter.RequestValidationInput, f fault) {
	if f.kind == dropFault {
		panic(http.ErrAbortHandler) // net/http closes the connection without a response
	}
	payload, _ := json.Marshal(faultBody(f.status))
	header := f.header()
	if in != nil && declares(in, f.status) {
		h.selfCheck(r, in, f.status, header, payload)
	}
	writeRaw(w, f.status, header, payload)
}
