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
