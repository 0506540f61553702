package api

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"time"
)

const (
	// attemptTimeout bounds one attempt of the default client: connect, send and read.
	attemptTimeout = 30 * time.Second
	// connsPerHost bounds the default client's connections to Clerk, open and idle. Go's
	// default keeps only 2 idle per host, so many goroutines would each open and drop their
	// own; 32 covers Clerk's rate limit (100 requests/s on production) with room to spare,
	// and HTTP/2 multiplexes them over one connection anyway.
	connsPerHost = 32
)

// maxHeaderBytes bounds the response headers the default client reads (net/http's own
// default is 10 MiB); what an *Error keeps of them is bounded again (see errors.go).
const maxHeaderBytes = 64 << 10

// dialFunc dials as net.Dialer.DialContext does.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// newDefaultHTTPClient builds the client used when no WithHTTPClient is given, from a
// configuration of its own: nothing is taken from http.DefaultTransport, which any package
// in the program may have changed (a test helper that turned certificate checks off, a
// tracing library that replaced it). Proxies come from the environment, as net/http's own
// default does (see Transport in the package documentation). dial is nil but in tests.
//
// plainHTTP says the base URL is http: every connection must then reach a loopback address,
// which is checked on the connection itself (see dialLoopbackOnly), not on the host's name.
func newDefaultHTTPClient(plainHTTP bool, dial dialFunc) *http.Client {
	if dial == nil {
		dial = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	if plainHTTP {
		dial = dialLoopbackOnly(dial)
	}
	t := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            dial,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    10 * time.Second,
		ForceAttemptHTTP2:      true, // a TLSClientConfig of our own turns HTTP/2 off unless asked for
		MaxConnsPerHost:        connsPerHost,
		MaxIdleConnsPerHost:    connsPerHost,
		MaxIdleConns:           connsPerHost,
		IdleConnTimeout:        90 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: maxHeaderBytes,
	}
	return &http.Client{Transport: t, Timeout: attemptTimeout}
}

// errNotLoopback is the error of a plain-http connection that reached an address that is not
// loopback: nothing was sent on it, and nothing will be, however often the call is tried. It
// is the base URL that is wrong, so it wraps ErrInvalidInput.
var errNotLoopback = fmt.Errorf("%w: plain http reached an address that is not loopback (the base URL's host "+
	"did not resolve to this machine), so nothing was sent; http is for the fake and tests on loopback, use https", ErrInvalidInput)

// dialLoopbackOnly dials as dial does, then closes, before anything is written, a connection
// whose far end is not a loopback address. A host's name proves nothing: "localhost" is
// resolved through /etc/hosts and DNS like any name, and an answer pointing elsewhere would
// send the key in clear over a network.
func dialLoopbackOnly(dial dialFunc) dialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if !isLoopbackConn(conn) {
			conn.Close()
			return nil, errNotLoopback
		}
		return conn, nil
	}
}

// isLoopbackConn reports whether c reached this machine: a TCP connection to a loopback
// address, or a Unix socket. Anything else, an address of a kind it does not know included,
// is not.
func isLoopbackConn(c net.Conn) bool {
	switch a := c.RemoteAddr().(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	}
	return false
}

// checkConnIsLoopback makes a transport of the caller's that reports its connections
// (net/http's do, through httptrace) close, before a byte of the request is written on it,
// one that did not reach a loopback address, and set refused. A transport reports the
// connection (GotConn) before it writes on it, HTTP/1 and HTTP/2 alike.
func checkConnIsLoopback(ctx context.Context, refused *atomic.Bool) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		if info.Conn != nil && !isLoopbackConn(info.Conn) {
			refused.Store(true)
			info.Conn.Close()
		}
	}})
}

// sendingClient returns the copy of hc that a doer sends through, which never follows a
// redirect; the caller's own client is left as it was. Its transport is rt (hc's, or the
// chain wrap made of it) under keepRedirects, which hides a 3xx response's Location from
// http.Client, which then hands the response back as it is. Refusing redirects in
// CheckRedirect alone is not enough: http.Client parses Location before it asks
// CheckRedirect, and a Location that does not parse came back as a transport error quoting
// the server's text, instead of an *Error with the status (found by FuzzResponse). The doer
// puts Location back before anyone reads the response. CheckRedirect refuses all the same.
func sendingClient(hc *http.Client, rt http.RoundTripper) *http.Client {
	c := *hc
	c.Transport = keepRedirects{rt}
	c.CheckRedirect = refuseRedirect
	return &c
}

// hiddenLocation is where keepRedirects keeps a 3xx's Location while http.Client looks; it
// is not in canonical form, so no server-sent header can be mistaken for it.
const hiddenLocation = "signintokens-hidden-location"

// keepRedirects is a RoundTripper (nil: http.DefaultTransport, as http.Client would use) whose
// 3xx responses carry no Location while http.Client decides whether to follow them.
type keepRedirects struct{ rt http.RoundTripper }

func (k keepRedirects) RoundTrip(req *http.Request) (*http.Response, error) {
	rt := k.rt
	if rt == nil {
		rt = http.DefaultTransport
	}
	resp, err := rt.RoundTrip(req)
	if err == nil && resp.StatusCode >= 300 && resp.StatusCode < 400 {
		if loc, ok := resp.Header["Location"]; ok {
			delete(resp.Header, "Location")
			resp.Header[hiddenLocation] = loc
		}
	}
	return resp, err
}

// refuseRedirect hands a 3xx back as the response. Clerk's API does not redirect, and
// following one would send the key, and resend a Create, to wherever the Location says.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// maxBodyBytes bounds every response body read, so a broken or hostile server cannot make
// the client buffer without limit.
const maxBodyBytes = 1 << 20

var errBodyTooLarge = fmt.Errorf("response body exceeds %d bytes", maxBodyBytes)

// doer sends every request of a Client, the facade's and Raw's alike: once (see noReplay and
// sendOnce), reading at most maxBodyBytes of the response, and never returning the key in an
// error.
type doer struct {
	hc      *http.Client        // sendingClient's copy: redirects come back as responses
	redact  func(string) string // removes the client's key from text (see cleanTransportError)
	wrapped bool                // rt has the caller's wrappers over sendOnce, which needs a ticket
	// checkConns: plain http through a caller's transport, whose dialer is not the client's
	// own (dialLoopbackOnly): each connection it reports is checked (checkConnIsLoopback).
	checkConns bool
}

func (d doer) Do(req *http.Request) (*http.Response, error) {
	noReplay(req)
	var refused *atomic.Bool
	var t *ticket
	if d.wrapped || d.checkConns {
		ctx := req.Context()
		if d.wrapped {
			ctx, t = withTicket(ctx)
		}
		if d.checkConns {
			refused = new(atomic.Bool)
			ctx = checkConnIsLoopback(ctx, refused)
		}
		req = req.WithContext(ctx)
	}
	resp, err := d.hc.Do(req)
	if t != nil && t.close() {
		if err == nil {
			resp.Body.Close()
		}
		return nil, errAbandoned
	}
	if refused != nil && refused.Load() {
		if err == nil {
			resp.Body.Close()
		}
		return nil, errNotLoopback
	}
	if err != nil {
		return nil, cleanTransportError(err, d.redact)
	}
	//lint:ignore SA1008 hiddenLocation is not canonical on purpose: no header a server sends has that key.
	if loc, ok := resp.Header[hiddenLocation]; ok {
		delete(resp.Header, hiddenLocation)
		resp.Header["Location"] = loc
	}
	if resp.StatusCode < 200 {
		// A 101 Switching Protocols hands over the raw connection as the body, and no
		// deadline covers reading it; the API never switches protocols, so it is not read.
		resp.Body.Close()
		resp.Body = http.NoBody
		return resp, nil
	}
	resp.Body = &boundedBody{ReadCloser: resp.Body, left: maxBodyBytes}
	return resp, nil
}

// noReplay takes from the transport every means to send req a second time, so that the
// client alone decides how often a request goes out. net/http's transports replay a request
// on their own after some failures (HTTP/2: a GOAWAY, RST_STREAM REFUSED_STREAM or
// PROTOCOL_ERROR; HTTP/1: a reused connection that failed) when they can rewind its body:
// with GetBody, or because it has none. PROTOCOL_ERROR may come after the server acted, and
// such replays are unbounded and invisible to the retry loop, so a Create could mint twice.
//
// Without GetBody and with a body, a transport may still resend a request it has not begun
// to write (that is safe); anything else comes back as an error, for the retry decision.
// An empty body of a type of its own goes out on HTTP/1 as an empty chunked body
// (Transfer-Encoding: chunked, its headers flushed before its last chunk, so a context that
// ends between the two leaves the server a cut body; a server must take that as a hang-up) and
// as an empty DATA frame on HTTP/2.
func noReplay(req *http.Request) {
	req.GetBody = nil
	if req.Body == nil || req.Body == http.NoBody {
		req.Body = emptyBody{}
		req.ContentLength = 0
	}
}

// emptyBody is an empty request body that, unlike nil and http.NoBody, a transport cannot
// tell from one it would have to rewind.
type emptyBody struct{}

func (emptyBody) Read([]byte) (int, error) { return 0, io.EOF }
func (emptyBody) Close() error             { return nil }

// isH2Unprocessed reports whether err is an HTTP/2 transport declining to replay a request
// that the server, by the protocol, did not process: RST_STREAM REFUSED_STREAM (RFC 9113
// §8.7) or a GOAWAY whose last stream id is below the request's. net/http's transport (and
// x/net/http2's) says so only in text, since noReplay took away its GetBody:
//
//	http2: Transport: cannot retry err [<cause>] after Request.Body was written; …
//
// The match is exact and fails safe: any other text, such as a future Go's, counts as
// possibly processed, and Create is then not repeated.
func isH2Unprocessed(err error) bool {
	const prefix = "http2: Transport: cannot retry err ["
	const suffix = "] after Request.Body was written; define Request.GetBody to avoid this error"
	for ; err != nil; err = errors.Unwrap(err) {
		cause, ok := strings.CutPrefix(err.Error(), prefix)
		if !ok {
			continue
		}
		cause, ok = strings.CutSuffix(cause, suffix)
		if !ok {
			return false
		}
		if cause == "http2: Transport received Server's graceful shutdown GOAWAY" {
			return true
		}
		// stream error: stream ID 3; REFUSED_STREAM; received from peer
		rest, ok := strings.CutPrefix(cause, "stream error: stream ID ")
		if !ok {
			return false
		}
		id, rest, _ := strings.Cut(rest, ";")
		return id != "" && strings.Trim(id, "0123456789") == "" && rest == " REFUSED_STREAM; received from peer"
	}
	return false
}

// boundedBody fails a read that would go past its bound instead of truncating silently.
type boundedBody struct {
	io.ReadCloser
	left int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, errBodyTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n - 1, errBodyTooLarge // n-1: never hand out the byte past the bound
	}
	return n, err
}

// wireTrace records, for one attempt, whether the request reached the wire. It is what lets
// Create retry a connection failure safely: a request never written cannot have minted a token.
type wireTrace struct {
	getConn, gotConn, wrote atomic.Bool
	trace                   httptrace.ClientTrace // in the same allocation as the flags it sets
}

func (w *wireTrace) attach(ctx context.Context) context.Context {
	w.trace.GetConn = func(string) { w.getConn.Store(true) }
	w.trace.GotConn = func(httptrace.GotConnInfo) { w.gotConn.Store(true) }
	w.trace.WroteRequest = func(info httptrace.WroteRequestInfo) {
		if info.Err == nil {
			w.wrote.Store(true)
		}
	}
	return httptrace.WithClientTrace(ctx, &w.trace)
}

// notSent reports whether err certainly came before the server could have seen the whole
// request:
//
//   - the dial failed;
//   - the transport asked for a connection and never got one: the dial, a proxy's CONNECT
//     (refused, say with 403 or 407, which net/http reports only as the status text) or the TLS
//     handshake failed, or the attempt ended while waiting. net/http's transports, HTTP/1 and
//     HTTP/2, report the connection (GotConn) before they write anything on it;
//   - the transport reported a connection but never a request written in full, and did not
//     give up on a timeout.
//
// A transport that reports nothing (a custom RoundTripper) proves nothing, so only a dial
// error counts there. A nil *wireTrace (an attempt not traced) proves nothing either.
func (w *wireTrace) notSent(err error) bool {
	if w != nil && w.wrote.Load() || errors.Is(err, errAbandoned) {
		return false
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	if w != nil && w.getConn.Load() && !w.gotConn.Load() {
		return true
	}
	if isTimeout(err) {
		// net/http's HTTP/2 transport returns as soon as the request's context ends (an
		// http.Client.Timeout, the default client's per-attempt one included) without waiting
		// for its writer, which may have flushed the whole request and not yet reported it.
		return false
	}
	return w != nil && w.gotConn.Load()
}

// isTimeout reports a deadline or cancellation, in any of the forms net/http returns it.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.As(err, &ne) && ne.Timeout()
}
