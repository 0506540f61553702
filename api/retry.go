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

// RetryPolicy says how often and how long the client retries an attempt that may be retried;
// which attempts may be is the rule in Retries, in the package documentation. NewClient
// refuses a policy with MaxAttempts outside 1–10, a MaxDelay over 10 minutes, or, when
// MaxAttempts is over 1, a BaseDelay under 1ms (which would retry back to back).
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

// Bounds on a RetryPolicy, so that no policy NewClient accepts can hammer a server or
// overflow a wait: at most maxAttempts requests per call, at least minRetryDelay of backoff
// window before each retry, and no single wait over maxRetryDelay.
const (
	maxAttempts   = 10
	minRetryDelay = time.Millisecond
	maxRetryDelay = 10 * time.Minute
)

func (p RetryPolicy) check() error {
	switch {
	case p.MaxAttempts < 1 || p.MaxAttempts > maxAttempts:
		return invalidInput("RetryPolicy.MaxAttempts is %d; it counts the first attempt, so it must be 1 (no retries) to %d", p.MaxAttempts, maxAttempts)
	case p.BaseDelay < 0 || p.MaxDelay < 0:
		return invalidInput("RetryPolicy.BaseDelay (%v) or MaxDelay (%v) is negative", p.BaseDelay, p.MaxDelay)
	case p.MaxDelay < p.BaseDelay:
		return invalidInput("RetryPolicy.MaxDelay (%v) is less than BaseDelay (%v)", p.MaxDelay, p.BaseDelay)
	case p.MaxDelay > maxRetryDelay:
		return invalidInput("RetryPolicy.MaxDelay is %v; at most %v", p.MaxDelay, maxRetryDelay)
	case p.MaxAttempts > 1 && p.BaseDelay < minRetryDelay:
		return invalidInput("RetryPolicy.BaseDelay is %v with MaxAttempts %d: retries would go back to back; "+
			"set BaseDelay to at least %v, or MaxAttempts to 1 to turn retries off", p.BaseDelay, p.MaxAttempts, minRetryDelay)
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

// effect is what one failed attempt tells the client about what Clerk did with it.
type effect int

const (
	// notActed: Clerk cannot have acted: the request never reached it in full, the HTTP/2
	// server declared it unprocessed (REFUSED_STREAM, or a GOAWAY below its stream), or Clerk
	// answered 429.
	notActed effect = iota
	// mayHaveActed: the request may have been processed and the answer lost: a dropped
	// connection, a reset stream, a timeout, or a 502/503/504 from a gateway.
	mayHaveActed
	// answered: Clerk answered and the answer says what happened: any other status, or a 2xx
	// that could not be read.
	answered
)

// verdict is the retry decision on one failed attempt: whether another attempt may be sent,
// what the failure says about Clerk's state, and why (for the debug log and the tests).
type verdict struct {
	retry  bool
	effect effect
	reason string
}

// retryableStatus are the gateway answers after which an idempotent operation is repeated.
func retryableStatus(code int) bool {
	return code == http.StatusBadGateway || code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout
}

// decide is the retry rule, as a pure function of the operation and one attempt's failure.
// err is the attempt's error (the loop stops on its own once the context has ended); sent
// reports whether the request may have reached the server in full.
//
// An attempt Clerk cannot have acted on is always repeated. One it may have acted on is
// repeated only for an idempotent operation (Revoke): repeating Create would mint a second
// live credential.
func decide(op operation, err error, sent bool) verdict {
	e, reason := effectOf(err, sent)
	switch e {
	case notActed:
		return verdict{true, e, reason}
	case mayHaveActed:
		return verdict{op.idempotent(), e, reason}
	}
	return verdict{false, e, reason}
}

// effectOf classifies one attempt's failure.
func effectOf(err error, sent bool) (effect, string) {
	var apiErr *Error
	switch {
	case errors.As(err, &apiErr):
		switch {
		case apiErr.StatusCode == http.StatusTooManyRequests:
			return notActed, "429: rate limited, nothing done"
		case retryableStatus(apiErr.StatusCode):
			return mayHaveActed, "gateway status: the request may have been processed"
		}
		return answered, "answered"
	case errors.Is(err, ErrInvalidResponse):
		return answered, "2xx that is not a sign-in token"
	case errors.Is(err, errNotLoopback):
		return answered, "refused before sending: plain http to an address that is not loopback"
	case !sent:
		return notActed, "connection failed before the request was sent"
	case isH2Unprocessed(err):
		return notActed, "HTTP/2 server declared the request unprocessed"
	}
	return mayHaveActed, "transport error after the request was sent"
}

// call runs op under c's retry policy and returns its token, or the last error.
func (c *Client) call(ctx context.Context, op operation, in input) (*SignInToken, error) {
	// acted: an earlier attempt failed after Clerk may have acted on it.
	acted := false
	for attempt := 1; ; attempt++ {
		tok, sent, err := c.attempt(ctx, op, in, attempt)
		if err == nil {
			return tok, nil
		}
		if acted && isCannotRevoke(err) {
			return nil, callFailed(fmt.Errorf("signintokens: %s: an earlier attempt's response was lost, so that attempt may have revoked the token: %w", op, err), true)
		}
		v := decide(op, err, sent)
		acted = acted || v.effect == mayHaveActed
		mayHave := acted || v.effect == answered && answerMayFollowAction(err)
		if !v.retry || attempt >= c.retry.MaxAttempts || ctx.Err() != nil {
			return nil, callFailed(fmt.Errorf("signintokens: %s: %w", op, err), mayHave)
		}
		wait, ok := c.nextWait(ctx, attempt, err)
		if !ok {
			return nil, callFailed(fmt.Errorf("signintokens: %s: %w", op, err), mayHave)
		}
		c.log.LogAttrs(ctx, slog.LevelDebug, "clerk retry",
			slog.String("operation", op.String()), slog.Int("attempt", attempt),
			slog.String("reason", v.reason), slog.Duration("wait", wait))
		if werr := c.wait(ctx, wait); werr != nil {
			return nil, callFailed(fmt.Errorf("signintokens: %s: gave up waiting to retry: %w (last attempt: %w)", op, werr, err), mayHave)
		}
	}
}

// attempt sends op once, reads the response and logs it. sent reports whether the request may
// have reached the server in full; it is traced on the wire only where it can change the
// retry decision (Create with retries on), and otherwise false only for a failed dial.
func (c *Client) attempt(ctx context.Context, op operation, in input, n int) (tok *SignInToken, sent bool, err error) {
	var wire *wireTrace
	if op == create && c.retry.MaxAttempts > 1 {
		wire = new(wireTrace)
		ctx = wire.attach(ctx)
	}
	start := time.Now()
	resp, err := c.send(ctx, op, in)
	if err != nil {
		c.log.LogAttrs(ctx, slog.LevelDebug, "clerk request",
			slog.String("operation", op.String()), slog.Int("attempt", n),
			slog.Duration("duration", time.Since(start)), slog.String("error", "transport"))
		if ctx.Err() != nil {
			err = context.Cause(ctx) // the transport's error says less: "context deadline exceeded" in some wrapping
		}
		return nil, !wire.notSent(err), err
	}
	tok, err = readResponse(resp, c.redact)
	if c.log.Enabled(ctx, slog.LevelDebug) {
		attrs := []slog.Attr{
			slog.String("operation", op.String()), slog.Int("attempt", n),
			slog.Int("status", resp.StatusCode), slog.Duration("duration", time.Since(start)),
		}
		var apiErr *Error
		if errors.As(err, &apiErr) && apiErr.TraceID != "" {
			attrs = append(attrs, slog.String("trace_id", apiErr.TraceID))
		}
		c.log.LogAttrs(ctx, slog.LevelDebug, "clerk request", attrs...)
	}
	if err == nil && op == create && (tok.Token.Reveal() == "" || tok.URL.Reveal() == "") {
		// Clerk sends both on creation; without them the token cannot be handed to anyone.
		tok, err = nil, fmt.Errorf("%w: %d response is a sign-in token without its token or URL", ErrInvalidResponse, resp.StatusCode)
	}
	if err != nil && op == create && errors.Is(err, ErrInvalidResponse) {
		err = fmt.Errorf("%w; Clerk may have created the token all the same", err)
	}
	return tok, true, err
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

// answerMayFollowAction reports whether an answer (effect answered) may have come after Clerk
// acted: a 2xx that could not be read, or a 5xx, which a server can send after its insert.
// Neither is retried (they are answers), but neither is a refusal either.
func answerMayFollowAction(err error) bool {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode >= 500
	}
	return errors.Is(err, ErrInvalidResponse)
}

func isCannotRevoke(err error) bool {
	var apiErr *Error
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest &&
		apiErr.Code() == "sign_in_token_cannot_be_revoked_code"
}
