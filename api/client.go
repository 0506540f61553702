package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	signintokens "github.com/clerkgen/signintokens"
	"github.com/clerkgen/signintokens/gen"
	"github.com/clerkgen/signintokens/internal/ctxsleep"
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
	hc            *http.Client // the client given or built; raw sends through sendingClient's copy (tests read it)
	redact        func(string) string
	baseURL       string
	defaultExpiry time.Duration
	retry         RetryPolicy
	log           *slog.Logger
	// wait sleeps between attempts; tests replace it to observe the waits the client chose.
	wait func(ctx context.Context, d time.Duration) error
}

// NewClient returns a client that authenticates with secretKey, an sk_test_… or sk_live_…
// key, configured by opts. A malformed key, base URL or option value is refused with an error
// wrapping [ErrInvalidInput] (see Input checks in the package documentation); the error never
// repeats the key.
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
	if err := checkKeyForURL(secretKey, cfg.baseURL); err != nil {
		return nil, err
	}
	plainHTTP := strings.HasPrefix(cfg.baseURL, "http://")
	hc := cfg.httpClient
	if !cfg.httpClientSet {
		hc = newDefaultHTTPClient(plainHTTP, cfg.dial)
	}
	rt, err := wrap(hc.Transport, cfg.wrappers)
	if err != nil {
		return nil, err
	}
	ua := userAgent
	if cfg.product != "" {
		ua += " " + cfg.product
	}
	// The key lives only inside these closures: no field of Client holds it, so no fmt verb,
	// reflection-based dumper or log handler that walks the struct can print it.
	auth := []string{"Bearer " + secretKey}
	redact := func(s string) string { return redactFold(s, secretKey) }
	// Header values are built once and shared by every request (transports do not modify
	// them); the generated client sets Content-Type on requests with a body.
	accept := []string{"application/json"}
	userAgent := []string{ua}
	version := []string{signintokens.APIVersion}
	setHeaders := func(_ context.Context, req *http.Request) error {
		req.Header["Authorization"] = auth
		req.Header["Accept"] = accept
		req.Header["User-Agent"] = userAgent
		req.Header["Clerk-Api-Version"] = version
		return nil
	}
	send := doer{hc: sendingClient(hc, rt), redact: redact, wrapped: len(cfg.wrappers) > 0, checkConns: plainHTTP && cfg.httpClientSet}
	raw, err := gen.NewClientWithResponses(cfg.baseURL,
		gen.WithHTTPClient(send), gen.WithRequestEditorFn(setHeaders))
	if err != nil {
		return nil, invalidInput("base URL does not parse")
	}
	logger := cfg.logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Client{
		raw:           raw,
		hc:            hc,
		redact:        redact,
		baseURL:       cfg.baseURL,
		defaultExpiry: cfg.defaultExpiry,
		retry:         cfg.retry,
		log:           logger,
		wait:          ctxsleep.Sleep,
	}, nil
}

// Raw returns the generated client, with the same base URL, HTTP client, headers and
// authentication as c, and the same 1 MiB bound on bodies. Use it when you need what the
// facade hides, such as the status code and headers of a successful call:
//
//	resp, err := c.Raw().CreateSignInTokenWithResponse(ctx, gen.CreateSignInTokenJSONRequestBody{UserID: id})
//	// resp.StatusCode(), resp.HTTPResponse.Header, resp.JSON200, resp.JSON422, …
//
// Calls through Raw are sent once, as given: no input checks, expiry default or retries; see
// Raw access in the package documentation.
func (c *Client) Raw() *gen.ClientWithResponses { return c.raw }

// Format prints the client's base URL and nothing else: never the key.
func (c Client) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "api.Client{BaseURL: %q}", c.baseURL)
}

// LogValue logs the client's base URL and nothing else: never the key.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.baseURL))
}
