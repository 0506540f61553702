package api

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
)

// WithTransportWrapper puts wrap's RoundTripper between the client and the transport it sends
// through, for tracing, metrics or request signing, without giving that transport up: wrap is
// called once, by NewClient, with the client's own transport (its timeouts, pool, HTTP/2, TLS
// and proxy settings; or, with [WithHTTPClient], that client's transport, nil meaning
// http.DefaultTransport), and what it returns is used. OpenTelemetry's otelhttp, for one:
//
//	api.WithTransportWrapper(func(rt http.RoundTripper) http.RoundTripper { return otelhttp.NewTransport(rt) })
//
// Given more than once, each wraps what the ones before it made: the first is nearest the
// network. A wrapper sees each request with its Authorization header and must pass the
// request's context on (a context derived from it is fine). The rules in Retries and
// Transport in the package documentation hold whatever a wrapper does: a request reaches the
// transport below it at most once, with no means to be replayed (a second send of the same
// attempt, a send after the client's call for it returned, or a request whose context the
// client did not give it, is refused unsent), and only the client decides whether to try again.
func WithTransportWrapper(wrap func(http.RoundTripper) http.RoundTripper) Option {
	return func(c *config) { c.wrappers = append(c.wrappers, wrap) }
}

// wrap builds the chain sendingClient sends through: the wrappers over sendOnce over rt. With
// no wrappers, rt alone: nothing above it could send a request twice. A nil wrapper, or one
// that returns nil, is refused before anything is sent.
func wrap(rt http.RoundTripper, wrappers []func(http.RoundTripper) http.RoundTripper) (http.RoundTripper, error) {
	if len(wrappers) == 0 {
		return rt, nil
	}
	rt = sendOnce{rt}
	for i, w := range wrappers {
		if w == nil {
			return nil, invalidInput("WithTransportWrapper #%d: the function is nil", i+1)
		}
		if rt = w(rt); rt == nil {
			return nil, invalidInput("WithTransportWrapper #%d: the function returned a nil RoundTripper", i+1)
		}
	}
	return rt, nil
}

// errResent is what sendOnce answers a request it has already let through, one sent after
// the doer's call for it returned, or one whose context the client did not give: nothing of
// it is sent.
var errResent = errors.New("a transport wrapper sent a request a second time, after the client's call for it returned, " +
	"or without the context the client gave it; " +
	"it was not sent: the client alone decides whether a request is tried again")

// ticket lets one request of one attempt through sendOnce.
type ticket struct{ used atomic.Bool }

type ticketKey struct{}

// withTicket gives ctx, the context of one request the doer sends, its ticket. The doer
// uses the ticket up when its call returns (expire): a wrapper that answered at once and
// sends the request later, on a goroutine of its own, would otherwise reach Clerk with an
// attempt the client has already decided about, beside the client's retry of it.
func withTicket(ctx context.Context) (context.Context, *ticket) {
	t := new(ticket)
	return context.WithValue(ctx, ticketKey{}, t), t
}

// expire refuses every send of t's request from now on.
func (t *ticket) expire() { t.used.Store(true) }

// sendOnce is the last RoundTripper above the transport when the caller wraps it. It keeps,
// below any wrapper, the rules the doer set above it: each request the doer sends reaches the
// transport at most once, and with no means to be replayed (see noReplay), even when a
// wrapper buffered its body to send it again or put a GetBody back.
type sendOnce struct{ rt http.RoundTripper }

func (s sendOnce) RoundTrip(req *http.Request) (*http.Response, error) {
	t, _ := req.Context().Value(ticketKey{}).(*ticket)
	if t == nil || !t.used.CompareAndSwap(false, true) {
		if req.Body != nil {
			req.Body.Close() // a RoundTripper closes the body, even on error
		}
		return nil, errResent
	}
	if req.GetBody != nil || req.Body == nil || req.Body == http.NoBody {
		r := *req // a RoundTripper must not modify the request it was given
		noReplay(&r)
		req = &r
	}
	rt := s.rt
	if rt == nil {
		rt = http.DefaultTransport
	}
	return rt.RoundTrip(req)
}
