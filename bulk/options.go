package bulk

import (
	"time"

	"golang.org/x/time/rate"

	"github.com/clerkgen/signintokens/api"
)

// An Option configures Mint or Revoke.
type Option func(*config)

type config struct {
	limiter      *rate.Limiter
	concurrency  int
	progress     func(Progress)
	retryUnknown bool
	expiry       time.Duration
}

// DefaultConcurrency is how many requests a run has in flight at most, unless
// WithConcurrency says otherwise: enough to reach Clerk's production rate at 150 ms a request.
const DefaultConcurrency = 16

// inFlightLimit bounds how long a request already sent may run on after the run's context is
// cancelled: long enough for its answer to arrive and be recorded, short enough to end.
const inFlightLimit = time.Minute

// MaxConcurrency bounds WithConcurrency: more requests in flight than this gain nothing at
// Clerk's limits and cost memory (a run never starts more workers than it has jobs, either).
const MaxConcurrency = 256

func defaultConfig() config {
	return config{concurrency: DefaultConcurrency, expiry: api.DefaultExpiry}
}

// WithLimiter paces requests by l, shared by all workers of the run: NewLimiter for a known
// server limit, LimiterFor for Clerk's limit for a key. Default: LimiterFor a development
// key (100 requests per 10 s, less Headroom), which is safe on every instance. A 429 lowers
// l's rate (l.SetLimit) for the rest of the run and after it: share l between runs (or
// processes' worth of work on one instance) to keep what they learnt, or give each a new one.
func WithLimiter(l *rate.Limiter) Option {
	return func(c *config) { c.limiter = l }
}

// WithConcurrency bounds the requests in flight at once, from 1 to MaxConcurrency. Default:
// DefaultConcurrency.
func WithConcurrency(n int) Option {
	return func(c *config) { c.concurrency = n }
}

// WithProgress calls report with the run's counts at its start, after every user (or token)
// is settled, and at its end. Calls come one at a time, from the run's goroutines; report
// should return quickly, as the run waits for it.
func WithProgress(report func(Progress)) Option {
	return func(c *config) { c.progress = report }
}

// WithRetryUnknown makes Mint send again for users whose outcome is unknown: an earlier
// attempt may have minted a token that nobody saw, so a user can end up with two live
// tokens. Use it only after deciding that is acceptable (tokens expire, and an unseen one
// was never sent to anyone). Revoke ignores it: revoking twice is harmless.
func WithRetryUnknown() Option {
	return func(c *config) { c.retryUnknown = true }
}

// WithExpiry sets the lifetime of tokens whose Input.ExpiresIn is 0: whole seconds, at least
// one. Default: api.DefaultExpiry. Mint always sends the expiry, so that the links file's
// expires_at is exact.
func WithExpiry(d time.Duration) Option {
	return func(c *config) { c.expiry = d }
}

func (c *config) check() error {
	switch {
	case c.concurrency < 1 || c.concurrency > MaxConcurrency:
		return invalid("WithConcurrency(%d): from 1 to %d", c.concurrency, MaxConcurrency)
	case c.expiry < time.Second || c.expiry%time.Second != 0:
		return invalid("WithExpiry(%v): a whole number of seconds, at least 1s", c.expiry)
	case c.limiter != nil && c.limiter.Limit() <= 0:
		return invalid("WithLimiter: the limiter allows no requests (limit %v)", c.limiter.Limit())
	}
	return nil
}

func newConfig(opts []Option) (config, error) {
	cfg := defaultConfig()
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	if err := cfg.check(); err != nil {
		return cfg, err
	}
	if cfg.limiter == nil {
		cfg.limiter = NewLimiter(DevelopmentLimit, LimitWindow)
	}
	return cfg, nil
}
