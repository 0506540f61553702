package clienttest

import (
	"fmt"
	"time"
)

// An Option configures a fake server or handler.
type Option func(*config)

type config struct {
	users           []string
	secretKey       string
	allowViolations bool
	latency         time.Duration
	now             func() time.Time
	onViolation     func(msg string)
	onEvent         func(Event)
	rateLimit       int
	rateWindow      time.Duration
	rateLimitSet    bool
	history         int
	tokenLimit      int
}

func defaultConfig() config {
	return config{now: time.Now, history: DefaultHistory, tokenLimit: DefaultTokenLimit}
}

// check refuses a configuration the fake cannot honour, naming the option.
func (c *config) check() error {
	switch {
	case c.secretKey != "" && !isTestKey(c.secretKey):
		return fmt.Errorf("clienttest: WithSecretKey: want a development key, sk_test_ followed by its secret value, with no spaces or control characters (a live sk_live_ key never belongs in a fake)")
	case c.rateLimitSet && (c.rateLimit < 1 || c.rateWindow <= 0):
		return fmt.Errorf("clienttest: WithRateLimit(%d, %v): want at least 1 request in a window longer than 0", c.rateLimit, c.rateWindow)
	case c.history < 1:
		return fmt.Errorf("clienttest: WithHistory(%d): want at least 1", c.history)
	case c.tokenLimit < 1:
		return fmt.Errorf("clienttest: WithTokenLimit(%d): want at least 1", c.tokenLimit)
	case c.latency < 0:
		return fmt.Errorf("clienttest: WithLatency(%v): want 0 or more", c.latency)
	}
	// Past these, a bound is no bound (math.MaxInt says "keep everything"), and the store's
	// arithmetic on its limit must not overflow, on 32-bit platforms too.
	c.history = min(c.history, maxBound)
	c.tokenLimit = min(c.tokenLimit, maxBound)
	return nil
}

// WithUsers limits the users that exist: Create for any other user_id answers 404
// resource_not_found, as Clerk does. By default every user exists.
func WithUsers(userIDs ...string) Option {
	return func(c *config) { c.users = append([]string{}, userIDs...) }
}

// WithSecretKey sets the sk_test_… key the fake accepts. By default it makes a random one.
// NewHandler refuses anything but a development key: a live sk_live_ key must never be
// written into a test.
func WithSecretKey(key string) Option {
	return func(c *config) { c.secretKey = key }
}

// AllowContractViolations stops reporting requests that break the contract as test errors,
// for tests that send bad requests on purpose (ExpectViolations says which, and is
// usually the better choice). The fake still answers them as Clerk would, and Violations and
// Counts still list and count them. Fake errors (the fake's own answer failing its contract
// check) are reported all the same.
func AllowContractViolations() Option {
	return func(c *config) { c.allowViolations = true }
}

// WithLatency delays every API response by d (or until the request is cancelled), like a slow
// network. See also SetLatency.
func WithLatency(d time.Duration) Option {
	return func(c *config) { c.latency = d }
}

// WithClock sets the clock for created_at, updated_at, expiry and the rate limit's window.
// Default: time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// OnViolation sends the description of each event that should fail a test to report, instead
// of to the test (NewServer) or nowhere (NewHandler): every unexpected violation (unless
// AllowContractViolations) and every fake error. Descriptions never quote keys, tokens or
// URLs. See OnEvent for every event.
func OnViolation(report func(msg string)) Option {
	return func(c *config) { c.onViolation = report }
}

// WithRateLimit emulates Clerk's rate limit on the Backend API, which is per instance (per
// fake here): at most n authenticated API requests in each window (Clerk allows 100 per 10 s on
// development instances, 1000 per 10 s in production). Past n, the fake answers 429
// too_many_requests, unprocessed, with Retry-After in whole seconds (at least 1): the time
// left in the window, rounded up, so a caller that waits it out is admitted. Windows are
// fixed: the first request after a window ends opens the next one. Requests refused for their
// key or by the limit itself do not count; control API requests never do. Off by default.
// The window runs on the fake's clock (see WithClock). NewHandler fails unless n ≥ 1 and
// window > 0.
func WithRateLimit(n int, window time.Duration) Option {
	return func(c *config) { c.rateLimit, c.rateWindow, c.rateLimitSet = n, window, true }
}

// maxBound caps WithHistory and WithTokenLimit: 2^28 of either is more than any fake holds.
const maxBound = 1 << 28

// WithHistory sets how many of the most recent requests, and of the most recent violations,
// the fake keeps for Requests and Violations (and the control API). Default: DefaultHistory.
// Each kept request holds at most 24 KiB, so a long-running fake's memory stays bounded.
func WithHistory(n int) Option {
	return func(c *config) { c.history = n }
}

// WithTokenLimit sets how many tokens the fake keeps before it evicts the oldest finished
// (revoked or accepted) and expired ones; pending tokens that can still be used are kept
// whatever their number. Default: DefaultTokenLimit. Tokens lists only what is kept.
func WithTokenLimit(n int) Option {
	return func(c *config) { c.tokenLimit = n }
}
