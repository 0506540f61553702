// Package api is a client for the sign-in-token endpoints of Clerk's Backend API:
// [Client.Create] mints a one-time sign-in token for a user, [Client.Revoke] revokes a pending
// one. This documentation is the one place where the rules below are stated; the README and
// the method docs link here.
//
// A sign-in token is a credential: its Token (a JWT ticket) and its URL let whoever holds
// them sign in as the user. Both are [Secret] values; hand what [Secret.Reveal] returns only to that
// user.
//
//	c, err := api.NewClientFromEnv() // CLERK_SECRET_KEY, and CLERK_API_URL if set
//	if err != nil { … } // a missing or malformed key, URL or option: errors.Is(err, api.ErrInvalidInput)
//	tok, err := c.Create(ctx, api.CreateParams{UserID: "user_2abc", ExpiresIn: time.Hour})
//	if err != nil { … }
//	sendToUser(tok.URL.Reveal())
//	…
//	_, err = c.Revoke(ctx, tok.ID)
//
// # Input checks
//
// Calls and options are checked before anything is sent; a refused one returns an error
// wrapping [ErrInvalidInput] that names what was wrong without quoting it. Refused are:
//
//   - a UserID that is empty; a UserID or OrganizationID over 256 bytes, not valid UTF-8
//     (it would reach the wire as U+FFFD, so two ids would name one user), or holding
//     whitespace of any script, control characters (C0, C1) or invisible formatting
//     characters (bidi overrides and isolates, zero-width characters);
//   - an expiry under one second or not in whole seconds;
//   - a sign-in token id that is not 1–128 characters of letters, digits, _ and - (an id like
//     ".." or "a?x=1" would otherwise reach another endpoint);
//   - a secret key that is not sk_test_… or sk_live_… in printable ASCII;
//   - a base URL that is not https (or plain http to a loopback host), whose host is missing
//     or not ASCII (a look-alike letter; write punycode), that carries whitespace, user info,
//     a query or a fragment, or whose path is neither empty nor ends in /v1 (see [WithBaseURL]);
//   - a live key (sk_live_…) with a plain http base URL, loopback included: only tests and the
//     fake use http, and the fake refuses live keys;
//   - a nil [WithTransportWrapper] function, or one that returns nil;
//   - a [RetryPolicy] outside its bounds;
//   - a nil context, and a call on a Client that [NewClient] did not make (nil or zero).
//
// An ExpiresIn of 0 takes the client's default ([DefaultExpiry], 30 days, unless
// [WithDefaultExpiry]), and the chosen expiry is always sent, so a token's lifetime never
// depends on the server's default.
//
// # Errors
//
// Every non-2xx response is an [*Error], with the status, the decoded ClerkErrors (code,
// message, meta such as param_name), Clerk's trace id and Retry-After, whatever the body
// looked like: empty, HTML from a proxy or cut short. errors.Is matches it against
// [ErrUnauthorized] (401, 403), [ErrNotFound] (404) and [ErrRateLimited] (429):
//
//	var apiErr *api.Error
//	switch {
//	case errors.Is(err, api.ErrNotFound): // no such user, organization or token
//	case errors.As(err, &apiErr) && apiErr.Code() == "sign_in_token_cannot_be_revoked_code":
//		// the token was accepted or revoked already
//	}
//
// A 2xx whose body is not a sign-in token, or that answers Create without the token and URL,
// is [ErrInvalidResponse] (Create's error then warns that the token may exist all the same).
// Every response body is read up to 1 MiB and no further; one declared larger is not read at
// all. A 3xx is an *Error too: no redirect is ever followed, whatever [*http.Client] the
// client uses. On any error the token returned is nil.
//
// Whether Clerk may have acted on a failed call all the same (minted or revoked, the answer
// lost, a 5xx, a timeout after sending) is [MayHaveActed]: a caller that must not mint twice
// treats true as "unknown", never as "failed".
//
// Text from the server is not trusted: before it reaches an *Error, its Error() or a log, it
// is stripped of control and invisible characters, cut to a bound, and any echo of the
// secret key is replaced by [REDACTED]. An *Error keeps at most 8 details and 8 KiB of
// response headers, never Set-Cookie, Cookie or Authorization.
//
// # Retries
//
// A call is sent again only under its [RetryPolicy] ([DefaultRetryPolicy] unless
// [WithRetryPolicy]; full-jitter backoff), and only where a second attempt is safe. After
// each failed attempt the client decides from what the failure says Clerk did:
//
//   - Nothing: the connection failed before the request was sent in full (a refused dial, a
//     proxy that refused the CONNECT, a failed TLS handshake), the HTTP/2 server declared the
//     request unprocessed (RST_STREAM REFUSED_STREAM, or a GOAWAY below its stream), or Clerk
//     answered 429. Create and Revoke are both retried.
//   - Maybe something: the response was lost (a dropped connection, a reset stream, a
//     timeout) or a gateway answered 502, 503 or 504. Only Revoke is retried. Create is not:
//     Clerk may have minted the token, and a second attempt would mint a second live
//     credential. The error reaches the caller, who can decide (say, by revoking what it
//     cannot confirm). If such a Revoke is retried and then answered
//     sign_in_token_cannot_be_revoked_code, the error says the earlier attempt may have
//     revoked the token.
//   - An answer: any other status, or a 2xx that is not a sign-in token. Never retried.
//
// Waits honour Retry-After (seconds or an HTTP date). When the server asks for longer than
// MaxDelay, or the next wait (Retry-After or backoff) would outlast the context's deadline,
// the call returns the last attempt's error at once instead of sleeping. Every wait ends when
// the context does.
//
// Each attempt is one request on the wire. net/http's transports replay some requests on
// their own (HTTP/2 after a GOAWAY or a reset stream, HTTP/1 on a reused connection), unseen
// by any retry loop and, for HTTP/2, without a bound; every request this package sends
// (including through [Client.Raw]) leaves with no means to be rewound, so a transport cannot
// replay it, and the retry decision above is the only one. This holds through
// [WithTransportWrapper]: below the wrappers, each request reaches the transport at most
// once, and again without a GetBody. A wrapper that buffers a body to send it again gets an
// error for the second send, which sends nothing; a GetBody it puts back is taken away. A
// RoundTripper given with [WithHTTPClient] is the transport itself: it must not buffer and
// resend request bodies.
//
// # Transport
//
// Without [WithHTTPClient], the client builds its own [*http.Client], from a configuration of
// its own rather than a copy of [http.DefaultTransport] (which any package in the program may
// have changed): a 30s timeout per attempt, TLS 1.2 or later with certificates always
// checked, HTTP/2, a pool of up to 32 connections per host shared by all goroutines, at most
// 64 KiB of response headers, and proxies from the environment (below). A client given with
// WithHTTPClient is used with its transport, TLS settings and timeout, through a copy that
// never follows redirects; the caller's own client is not modified. Every call returns when
// its context ends, whatever the server sends: a 1xx response (whose body would be the raw
// connection, which no deadline covers) is never read.
//
// Plain http carries the key in clear, so it is for tests and the fake only: the base URL's
// host must be loopback by name (127.0.0.1, ::1, localhost), and the client also checks the
// address each connection reached, since "localhost" is resolved through /etc/hosts and DNS
// like any name: a connection that is not to a loopback address (nor a Unix socket) is
// closed before anything is written on it, and the call fails, unretried, with an error
// wrapping [ErrInvalidInput]. The client's own transport checks as it dials; a caller's,
// each connection it reports through [net/http/httptrace] (net/http's transports do; one
// that reports none, such as an in-memory RoundTripper, is the caller's to trust). A live
// key is never sent over plain http at all (see Input checks).
//
// [WithTransportWrapper] wraps the transport the client sends through (its own, or the one
// given with WithHTTPClient) for tracing, metrics or request signing, keeping its settings;
// examples/otel in the repository traces the client with OpenTelemetry's otelhttp.
//
// # Proxies
//
// The client's own transport takes its proxy from the environment exactly as net/http's
// default client does ([http.ProxyFromEnvironment]): HTTPS_PROXY (or https_proxy) for
// https base URLs, NO_PROXY to exempt hosts, read once per process; loopback hosts never go
// through a proxy. An https request goes through the proxy's CONNECT tunnel, so the proxy
// sees Clerk's host name but not the key, the request or the token. A proxy that refuses the
// CONNECT (403, 407 Proxy Authentication Required, 502, or a connection closed unanswered)
// passed nothing on: Clerk cannot have seen the request, so Create is retried like any
// connection that failed before sending. Proxy credentials go in the proxy URL
// (http://user:pass@proxy:3128). For another proxy setup, give a client of your own with
// WithHTTPClient (its Transport's Proxy field).
//
// # Secrets
//
// The secret key is held only inside the closures that sign requests and redact text: no
// field, fmt verb or log record of a Client shows it, and no error repeats it. A
// SignInToken's Token and URL are [Secret] values: every fmt verb, encoding/json and log/slog show
// [REDACTED] in their place, at any depth (inside slices, maps and structs, exported field
// or not); [Secret.Reveal] is the one way to read them. Debug records ([WithLogger]) carry
// operation, attempt, status, duration, trace id and, before a retry, its reason and wait;
// never keys, tokens, URLs or bodies.
//
// # Raw access
//
// [Client.Raw] returns the generated client (package gen) with the same base URL, transport,
// authentication and headers, for callers who need the status code and headers of a
// successful call. Calls through it are sent once, unchecked and unretried, under the same
// body bound, redirect and replay rules.
//
// A Client is safe for concurrent use.
package api
