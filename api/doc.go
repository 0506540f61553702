// Package api is a client for the sign-in-token endpoints of Clerk's Backend API: Create
// mints a one-time sign-in token for a user, Revoke revokes a pending one.
//
// A sign-in token is a credential: its Token (a JWT ticket) and its URL let whoever holds
// them sign in as the user. Hand them only to that user.
//
//	c, err := api.NewClient(os.Getenv("CLERK_SECRET_KEY"))
//	if err != nil { … } // a malformed key or option: errors.Is(err, api.ErrInvalidInput)
//	tok, err := c.Create(ctx, api.CreateParams{UserID: "user_2abc", ExpiresIn: time.Hour})
//	if err != nil { … }
//	sendToUser(tok.URL.Reveal())
//	…
//	_, err = c.Revoke(ctx, tok.ID)
//
// # Input checks
//
// Calls are checked before anything is sent, and a refused call wraps ErrInvalidInput with
// what was wrong: an empty UserID, an expiry under one second or not in whole seconds, or a
// sign-in token id that is not 1–128 characters of letters, digits, _ and - (an id like ".."
// or "a?x=1" would otherwise reach another endpoint). An ExpiresIn of 0 takes the client's
// default (DefaultExpiry, 30 days, unless WithDefaultExpiry), and the chosen expiry is always
// sent, so the token's lifetime never depends on the server's default.
//
// # Errors
//
// Every non-2xx answer is an *Error, with the status, the decoded ClerkErrors (code, message,
// meta such as param_name), Clerk's trace id and Retry-After, whatever the body looked like:
// empty, HTML from a proxy or cut short. errors.Is matches it against ErrUnauthorized (401,
// 403), ErrNotFound (404) and ErrRateLimited (429):
//
//	var apiErr *api.Error
//	switch {
//	case errors.Is(err, api.ErrNotFound): // no such user, organization or token
//	case errors.As(err, &apiErr) && apiErr.Code() == "sign_in_token_cannot_be_revoked_code":
//		// the token was accepted or revoked already
//	}
//
// A 2xx whose body is not a sign-in token (or is over the 1 MiB bound on every body read)
// is ErrInvalidResponse. On any error the token returned is nil.
//
// # Retries
//
// Retries follow RetryPolicy (DefaultRetryPolicy: 4 attempts, full-jitter backoff from 250ms,
// at most 10s per wait), and only where a second attempt is safe:
//
//   - Create is retried on a 429, and on a connection that failed before the request was
//     written. It is never retried after a 5xx, a timeout or a lost answer: Clerk may have
//     minted the token, and a second attempt would mint a second live credential. Such an
//     error reaches the caller, who can decide (say, by revoking what it cannot confirm).
//   - Revoke is also retried on 502, 503, 504 and any connection error. If an earlier
//     attempt's answer was lost and a later one answers sign_in_token_cannot_be_revoked_code,
//     the error says the earlier attempt may have revoked the token.
//   - Other 4xx answers are never retried.
//
// Waits honour Retry-After (seconds or an HTTP date). When the server asks for longer than
// MaxDelay, or for longer than the context has left, the call returns the rate-limit *Error
// at once instead of sleeping. Every wait ends when the context is cancelled.
//
// # Transport
//
// Without WithHTTPClient, the client builds its own *http.Client: a 30s timeout per attempt,
// HTTP/2, a pool of up to 32 connections per host shared by all goroutines, and no redirects
// followed. A client given with WithHTTPClient is used as is.
//
// # Secrets
//
// The secret key is held only inside the request-signing closure: no field, fmt verb or log
// record of a Client shows it, and no error repeats it. SignInToken prints with every fmt verb
// and logs through log/slog without its Token and URL; read those fields directly. Debug
// records (WithLogger) carry operation, attempt, status, duration and trace id, never keys,
// tokens, URLs or bodies.
//
// # Raw access
//
// Client.Raw returns the generated client (package gen) with the same base URL, transport,
// authentication and headers, for callers who need the status code and headers of a
// successful call. Calls through it are sent once, unchecked.
//
// A Client is safe for concurrent use.
package api
