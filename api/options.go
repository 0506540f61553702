package api

import (
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
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
	wrappers      []func(http.RoundTripper) http.RoundTripper // WithTransportWrapper's, in order
	dial          dialFunc                                    // the default transport's dialer; nil but in tests
}

func defaultConfig() config {
	return config{
		baseURL:       DefaultBaseURL,
		defaultExpiry: DefaultExpiry,
		retry:         DefaultRetryPolicy(),
	}
}

// WithBaseURL points the client at another server: an origin such as
// "http://127.0.0.1:8080" (the client adds /v1, as Clerk's CLERK_API_URL is read) or a URL
// ending in /v1 such as "https://api.clerk.com/v1". It must be https, or plain http to a
// loopback host (127.0.0.1, ::1, localhost) for tests and the fake API; no user info, query
// or fragment. Plain http is refused for a live key, and the client's own transport sends it
// only to an address that is loopback when dialled (see Transport in the package
// documentation). Default: DefaultBaseURL.
func WithBaseURL(baseURL string) Option {
	return func(c *config) { c.baseURL = baseURL }
}

// WithHTTPClient makes the client send through hc: its transport, timeout and cookie jar, but
// never following a redirect, whatever hc.CheckRedirect says (see Transport in the package
// documentation); hc itself is not modified. Default: a client of this package's own, with a
// per-attempt timeout, a connection pool sized for concurrent callers, HTTP/2, and no
// redirects followed.
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
// duration and Clerk trace id, and one per retry, with its reason and wait; never a key, a
// token, a URL or a body. Default: no logging.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithUserAgent appends product (e.g. "support-console/2.3") to the library's User-Agent.
func WithUserAgent(product string) Option {
	return func(c *config) { c.product = product }
}

// maxProductLen bounds WithUserAgent's product.
const maxProductLen = 256

// check refuses out-of-range option values and normalizes the base URL (see checkBaseURL).
func (cfg *config) check() error {
	baseURL, err := checkBaseURL(cfg.baseURL)
	if err != nil {
		return err
	}
	cfg.baseURL = baseURL
	if cfg.httpClientSet && cfg.httpClient == nil {
		return invalidInput("WithHTTPClient: the *http.Client is nil")
	}
	if err := checkExpiry("WithDefaultExpiry", cfg.defaultExpiry); err != nil {
		return err
	}
	if err := cfg.retry.check(); err != nil {
		return err
	}
	if len(cfg.product) > maxProductLen || !utf8.ValidString(cfg.product) || strings.ContainsFunc(cfg.product, unsafeRune) {
		return invalidInput("WithUserAgent: product is over %d bytes, or has control, invisible or invalid characters", maxProductLen)
	}
	return nil
}
