package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
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

// newDefaultHTTPClient builds the client used when no WithHTTPClient is given.
func newDefaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone() // proxy from env, dial and TLS timeouts
	t.ForceAttemptHTTP2 = true
	t.MaxConnsPerHost = connsPerHost
	t.MaxIdleConnsPerHost = connsPerHost
	t.MaxIdleConns = connsPerHost
	return &http.Client{
		Transport: t,
		Timeout:   attemptTimeout,
		// Clerk's API does not redirect; following one would resend a POST elsewhere, so a 3xx
		// is returned as an *Error instead.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// maxBodyBytes bounds every response body read, so a broken or hostile server cannot make
// the client buffer without limit.
const maxBodyBytes = 1 << 20

var errBodyTooLarge = fmt.Errorf("response body exceeds %d bytes", maxBodyBytes)

// boundedDoer caps every response body at maxBodyBytes. It wraps the HTTP client once, so
// Create, Revoke and the Raw client all read through the same bound.
type boundedDoer struct{ hc *http.Client }

func (d boundedDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.hc.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &boundedBody{ReadCloser: resp.Body, left: maxBodyBytes}
	return resp, nil
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
	gotConn, wrote atomic.Bool
}

func (w *wireTrace) attach(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { w.gotConn.Store(true) },
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				w.wrote.Store(true)
			}
		},
	})
}

// notSent reports whether err certainly came before the server could have seen the whole
// request: the dial failed, or the transport reported a connection but never a request
// written in full. A transport that reports nothing (a custom RoundTripper) proves nothing,
// so only a dial error counts there.
func (w *wireTrace) notSent(err error) bool {
	if w.wrote.Load() {
		return false
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return w.gotConn.Load()
}
