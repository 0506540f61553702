package api

import (
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// An Option configures a Client. NewClient checks every option's value and refuses the
// client, with ErrInvalidInput, when one is out of range.
type Option func(*config)

type config struct {
	baseURL       string
	httpClient    *http.Client
	httpClientSet bool
	defaultExpiry time.Duration
	retry         RetryPolicy
	logger        *slog.Logger
	product       string
}

func defaultConfig() config {
	return config{
		baseURL:       DefaultBaseURL,
		defaultExpiry: DefaultExpiry,
		retry:         DefaultRetryPolicy(),
	}
}

// WithBaseURL points the client at another server: https, or plain http to a loopback host
// (127.0.0.1, ::1, localhost) for tests and the fake API. Default: DefaultBaseURL.
func WithBaseURL(baseURL string) Option {
	return func(c *config) { c.baseURL = baseURL }
}

// WithHTTPClient makes the client send through hc, used as is: its transport, timeout and
// redirect policy. Default: a client of this package's own, with a per-attempt timeout, a
// connection pool sized for concurrent callers, HTTP/2, and no redirects followed.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) { c.httpClient, c.httpClientSet = hc, true }
}

// WithDefaultExpiry sets the lifetime Create gives a token when CreateParams.ExpiresIn is 0:
// at least one second, in whole seconds. Default: DefaultExpiry (30 days, as Clerk's).
func WithDefaultExpiry(d time.Duration) Option {
	return func(c *config) { c.defaultExpiry = d }
}

// WithRetryPolicy replaces DefaultRetryPolicy. MaxAttempts 1 turns retries off.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config) { c.retry = p }
}

// WithLogger sends debug records to l: one per attempt, with operation, attempt, status,
// duration and Clerk trace id; never a key, a token, a URL or a body. Default: no logging.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithUserAgent appends product (e.g. "support-console/2.3") to the library's User-Agent.
func WithUserAgent(product string) Option {
	return func(c *config) { c.product = product }
}

func (cfg *config) check() error {
	if err := checkBaseURL(cfg.baseURL); err != nil {
		return err
	}
	if cfg.httpClientSet && cfg.httpClient == nil {
		return invalidInput("WithHTTPClient: the *http.Client is nil")
	}
	if err := checkExpiry("WithDefaultExpiry", cfg.defaultExpiry); err != nil {
		return err
	}
	if err := cfg.retry.check(); err != nil {
		return err
	}
	if strings.ContainsFunc(cfg.product, isControl) {
		return invalidInput("WithUserAgent: product has control characters")
	}
	return nil
}
