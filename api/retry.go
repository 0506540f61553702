package api

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http/httptrace"
	"sync/atomic"
	"time"
)

// RetryPolicy says how often and how long the client retries an attempt that may be retried.
// Which attempts may be retried depends on the operation; see the package documentation.
type RetryPolicy struct {
	MaxAttempts int           // attempts in all, the first included; 1 turns retries off
	BaseDelay   time.Duration // first backoff; doubles each attempt, full jitter
	MaxDelay    time.Duration // longest single wait, a server's Retry-After included
}

// DefaultRetryPolicy is 4 attempts, backing off from 250ms, waiting at most 10s at a time:
// enough to ride out Clerk's 10-second rate-limit window once.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 4, BaseDelay: 250 * time.Millisecond, MaxDelay: 10 * time.Second}
}

func (p RetryPolicy) check() error {
	switch {
	case p.MaxAttempts < 1:
		return invalidInput("RetryPolicy.MaxAttempts is %d; it counts the first attempt, so it must be at least 1", p.MaxAttempts)
	case p.BaseDelay < 0:
		return invalidInput("RetryPolicy.BaseDelay is negative (%v)", p.BaseDelay)
	case p.MaxDelay < p.BaseDelay:
		return invalidInput("RetryPolicy.MaxDelay (%v) is less than BaseDelay (%v)", p.MaxDelay, p.BaseDelay)
	}
	return nil
}

// backoff is the wait before attempt n+1 after attempt n failed: full jitter over an
// exponentially growing window, capped at MaxDelay.
func (p RetryPolicy) backoff(n int) time.Duration {
	window := p.BaseDelay
	for i := 1; i < n && window < p.MaxDelay; i++ {
		window *= 2
	}
	window = min(window, p.MaxDelay)
	if window <= 0 {
		return 0
	}
	return rand.N(window + 1)
}

// sleepCtx waits d, or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
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
