package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
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

// operation is one of the two endpoints, with what makes a failed attempt safe to repeat.
type operation struct {
	name string
	// idempotent: a second attempt cannot do harm even if the first one reached the server,
	// so 502/503/504 and any connection error may be retried. Create is not: a second
	// attempt after a lost answer would mint a second live credential.
	idempotent bool
	send       func(ctx context.Context) (*http.Response, error)
}

var retryableStatus = map[int]bool{
	http.StatusBadGateway:         true,
	http.StatusServiceUnavailable: true,
	http.StatusGatewayTimeout:     true,
}

// call runs op under c's retry policy and returns its token, or the last error.
func (c *Client) call(ctx context.Context, op operation) (*SignInToken, error) {
	// outcomeUnknown: an earlier attempt failed after its request may have reached Clerk.
	outcomeUnknown := false
	for attempt := 1; ; attempt++ {
		tok, retryable, err := c.attempt(ctx, op, attempt)
		if err == nil {
			return tok, nil
		}
		if outcomeUnknown && isCannotRevoke(err) {
			return nil, fmt.Errorf("signintokens: %s: an earlier attempt's answer was lost, so that attempt may have revoked the token: %w", op.name, err)
		}
		if !retryable || attempt >= c.retry.MaxAttempts {
			return nil, fmt.Errorf("signintokens: %s: %w", op.name, err)
		}
		wait, ok := c.nextWait(ctx, attempt, err)
		if !ok {
			return nil, fmt.Errorf("signintokens: %s: %w", op.name, err)
		}
		// Only a 429 says for certain that nothing was done; a lost answer or a 502/503/504 from
		// a proxy may come after Clerk acted.
		outcomeUnknown = outcomeUnknown || !errors.Is(err, ErrRateLimited)
		c.log.LogAttrs(ctx, slog.LevelDebug, "clerk retry",
			slog.String("operation", op.name), slog.Int("attempt", attempt), slog.Duration("wait", wait))
		if werr := c.wait(ctx, wait); werr != nil {
			return nil, fmt.Errorf("signintokens: %s: gave up waiting to retry: %w (last attempt: %w)", op.name, werr, err)
		}
	}
}

// attempt sends op once. It reports whether a failure may be retried under op's rules.
func (c *Client) attempt(ctx context.Context, op operation, n int) (tok *SignInToken, retryable bool, err error) {
	var wire wireTrace
	start := time.Now()
	resp, err := op.send(wire.attach(ctx))
	if err != nil {
		c.log.LogAttrs(ctx, slog.LevelDebug, "clerk request",
			slog.String("operation", op.name), slog.Int("attempt", n),
			slog.Duration("duration", time.Since(start)), slog.String("error", "transport"))
		if ctx.Err() != nil {
			return nil, false, context.Cause(ctx)
		}
		return nil, wire.notSent(err) || op.idempotent, err
	}
	tok, err = readResponse(resp)
	attrs := []slog.Attr{
		slog.String("operation", op.name), slog.Int("attempt", n),
		slog.Int("status", resp.StatusCode), slog.Duration("duration", time.Since(start)),
	}
	var apiErr *Error
	if errors.As(err, &apiErr) && apiErr.TraceID != "" {
		attrs = append(attrs, slog.String("trace_id", apiErr.TraceID))
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "clerk request", attrs...)
	switch {
	case err == nil:
		return tok, false, nil
	case apiErr == nil: // a 2xx we could not read: the server acted, so never repeat it
		if !op.idempotent {
			err = fmt.Errorf("%w; Clerk may have created the token all the same", err)
		}
		return nil, false, err
	case apiErr.StatusCode == http.StatusTooManyRequests:
		return nil, true, err
	default:
		return nil, op.idempotent && retryableStatus[apiErr.StatusCode], err
	}
}

// nextWait picks the wait before the next attempt. It reports false when the client should
// stop now instead: the server asks for longer than MaxDelay, or the context has less left.
func (c *Client) nextWait(ctx context.Context, attempt int, err error) (time.Duration, bool) {
	wait := c.retry.backoff(attempt)
	var apiErr *Error
	if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
		if apiErr.RetryAfter > c.retry.MaxDelay {
			return 0, false
		}
		wait = apiErr.RetryAfter
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
		return 0, false
	}
	return wait, true
}

func isCannotRevoke(err error) bool {
	var apiErr *Error
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest &&
		apiErr.Code() == "sign_in_token_cannot_be_revoked_code"
}
