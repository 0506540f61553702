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
// A wrapper must wait for the transport below it: one that returns while its send is still
// under way (its own timeout, say) has the attempt count as sent, whatever it answered, since
// that request may yet reach Clerk; Create is then not retried.
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

// errAbandoned is the doer's answer when a wrapper returned while the send it passed on was
// still under way (a wrapper's own timeout, say): that request may yet reach Clerk, so the
// attempt counts as sent, whatever the wrapper answered (see wireTrace.notSent).
var errAbandoned = errors.New("a transport wrapper returned before the request it passed on had its answer; " +
	"that request may still reach Clerk, so it counts as sent (a wrapper must wait for the transport below it, " +
	"and end it through the request's context)")

// The states of a ticket.
const (
	ticketUnused   int32 = iota
	ticketInFlight       // sendOnce let the request through; its RoundTrip has not returned
	ticketReturned       // that RoundTrip returned
	ticketExpired        // the doer's call returned before any send: none will go now
)

// ticket lets one request of one attempt through sendOnce, and tells the doer whether that
// send was still under way when the wrapper above it returned.
type ticket struct{ state atomic.Int32 }

type ticketKey struct{}

// withTicket gives ctx, the context of one request the doer sends, its ticket.
func withTicket(ctx context.Context) (context.Context, *ticket) {
	t := new(ticket)
	return context.WithValue(ctx, ticketKey{}, t), t
}

// close is called once the doer's call has returned. From then on every send of t's request
// is refused: a wrapper that answered at once and sent the request later, on a goroutine of
// its own, would otherwise reach Clerk with an attempt the client has already decided about,
// beside the client's retry of it. close reports whether a send was still under way.
func (t *ticket) close() (inFlight bool) {
	if t.state.CompareAndSwap(ticketUnused, ticketExpired) {
		return false
	}
	return t.state.Load() == ticketInFlight
}

type sendOnce struct{ rt http.RoundTripper }

func (s sendOnce) RoundTrip(req *http.Request) (*http.Response, error) {
	t, _ := req.Context().Value(ticketKey{}).(*ticket)
	if t == nil || !t.state.CompareAndSwap(ticketUnused, ticketInFlight) {
		if req.Body != nil {
			req.Body.Close() // a RoundTripper closes the body, even on error
		}
		return nil, errResent
	}
	defer t.state.Store(ticketReturned)
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
