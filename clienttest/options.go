package clienttest

import "time"

// An Option configures a fake server or handler.
type Option func(*config)

type config struct {
	users          []string
	secretKey      string
	reportOff      bool
	latency        time.Duration
	now            func() time.Time
	onViolation    func(msg string)
	onViolationSet bool
	rateLimit      int
	rateWindow     time.Duration
	rateLimitSet   bool
}

// WithUsers limits the users that exist: Create for any other user_id answers 404
// resource_not_found, as Clerk does. By default every user exists.
func WithUsers(userIDs ...string) Option {
	return func(c *config) { c.users = append([]string{}, userIDs...) }
}

// WithSecretKey sets the sk_test_… key the fake accepts. By default it makes a random one.
func WithSecretKey(key string) Option {
	return func(c *config) { c.secretKey = key }
}

// AllowContractViolations stops reporting requests that break the contract as test errors,
// for tests that send bad requests on purpose. The fake still answers them as Clerk would,
// and Violations still lists them.
func AllowContractViolations() Option {
	return func(c *config) { c.reportOff = true }
}

// WithLatency delays every answer by d (or until the request is cancelled), like a slow
// network. See also SetLatency.
func WithLatency(d time.Duration) Option {
	return func(c *config) { c.latency = d }
}

// WithClock sets the clock for created_at, updated_at and expiry. Default: time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// OnViolation sends each contract violation's description to report, instead of to the test
// (NewServer) or nowhere (NewHandler). Descriptions never quote keys, tokens or URLs.
func OnViolation(report func(msg string)) Option {
	return func(c *config) { c.onViolation, c.onViolationSet = report, true }
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
