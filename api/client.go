package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	signintokens "github.com/clerkgen/signintokens"
	"github.com/clerkgen/signintokens/gen"
)

// DefaultBaseURL is Clerk's Backend API.
const DefaultBaseURL = "https://api.clerk.com/v1"

// DefaultExpiry is how long a new token lives when neither CreateParams.ExpiresIn nor
// WithDefaultExpiry says otherwise: 30 days, Clerk's own default.
const DefaultExpiry = 30 * 24 * time.Hour

// Client calls the sign-in-token endpoints. It is safe for concurrent use; make one per
// secret key and share it.
type Client struct {
	raw           *gen.ClientWithResponses
	baseURL       string
	defaultExpiry time.Duration
	retry         RetryPolicy
	log           *slog.Logger
	// wait sleeps between attempts; tests replace it to observe the waits the client chose.
	wait func(ctx context.Context, d time.Duration) error
}

// NewClient returns a client that authenticates with secretKey, an sk_test_… or sk_live_…
// key. A malformed key, base URL or option value is refused with an error wrapping
// ErrInvalidInput; the error never repeats the key.
func NewClient(secretKey string, opts ...Option) (*Client, error) {
	if err := checkSecretKey(secretKey); err != nil {
		return nil, err
	}
	cfg := defaultConfig()
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	hc := cfg.httpClient
	if !cfg.httpClientSet {
		hc = newDefaultHTTPClient()
	}
	ua := userAgent
	if cfg.product != "" {
		ua += " " + cfg.product
	}
	// The key lives only inside this closure: no field of Client holds it, so no fmt verb,
	// reflection-based dumper or log handler that walks the struct can print it.
	bearer := "Bearer " + secretKey
	setHeaders := func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", bearer)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", ua)
		req.Header.Set("Clerk-API-Version", signintokens.APIVersion)
		return nil
	}
	raw, err := gen.NewClientWithResponses(cfg.baseURL,
		gen.WithHTTPClient(boundedDoer{hc}), gen.WithRequestEditorFn(setHeaders))
	if err != nil {
		return nil, invalidInput("base URL: %v", err)
	}
	logger := cfg.logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Client{
		raw:           raw,
		baseURL:       cfg.baseURL,
		defaultExpiry: cfg.defaultExpiry,
		retry:         cfg.retry,
		log:           logger,
		wait:          sleepCtx,
	}, nil
}

// Raw returns the generated client, with the same base URL, HTTP client, headers and
// authentication as c, and the same 1 MiB bound on bodies. Use it when you need what the
// facade hides, such as the status code and headers of a successful call:
//
//	resp, err := c.Raw().CreateSignInTokenWithResponse(ctx, gen.CreateSignInTokenJSONRequestBody{UserID: id})
//	// resp.StatusCode(), resp.HTTPResponse.Header, resp.JSON200, resp.JSON422, …
//
// Calls through Raw are sent once, as given: no input checks, expiry default or retries.
func (c *Client) Raw() *gen.ClientWithResponses { return c.raw }

// Format prints the client's base URL and nothing else: never the key.
func (c Client) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "api.Client{BaseURL: %q}", c.baseURL)
}

// LogValue logs the client's base URL and nothing else: never the key.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.baseURL))
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

// checkSecretKey accepts sk_test_… and sk_live_… keys. Its errors describe the key's shape,
// never its characters.
func checkSecretKey(key string) error {
	switch {
	case key == "":
		return invalidInput("secret key is empty")
	case strings.HasPrefix(key, "pk_"):
		return invalidInput("secret key is a publishable key (pk_…); use the secret key (sk_test_… or sk_live_…) from the Clerk Dashboard")
	case !strings.HasPrefix(key, "sk_test_") && !strings.HasPrefix(key, "sk_live_"):
		return invalidInput("secret key must start with sk_test_ or sk_live_")
	case len(key) == len("sk_test_"):
		return invalidInput("secret key has nothing after its sk_test_/sk_live_ prefix")
	case strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r >= 0x7f }):
		return invalidInput("secret key contains whitespace, control or non-ASCII characters (copied with a newline?)")
	}
	return nil
}

// checkBaseURL accepts https URLs, and plain http only to a loopback host, so that a key is
// never sent in clear text over a network.
func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return invalidInput("base URL does not parse: %v", errors.Unwrap(err))
	}
	switch {
	case u.Host == "":
		return invalidInput("base URL %q has no host", u.Redacted())
	case u.User != nil:
		return invalidInput("base URL must not carry user info")
	case u.RawQuery != "" || u.Fragment != "":
		return invalidInput("base URL %q must not have a query or fragment", u.Redacted())
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	case u.Scheme == "http":
		return invalidInput("base URL %q is plain http to a non-loopback host; use https (http is for 127.0.0.1, ::1 and localhost)", u.Redacted())
	}
	return invalidInput("base URL %q: scheme must be https", u.Redacted())
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func isControl(r rune) bool { return r < ' ' || r == 0x7f }
