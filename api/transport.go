package api

import (
	"net/http"
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
