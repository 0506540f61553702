package bulk

import (
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/clerkgen/signintokens/api"
)

// outcome is what one answer (or its absence) says about Clerk's state.
type outcome int

const (
	settled     outcome = iota // the request did what it asked
	rateLimited                // 429: nothing was done; pause the run and send again
	refused                    // Clerk answered no, or the request never left: nothing was done
	maybeDone                  // Create only: Clerk may have minted a token (5xx, lost answer, timeout)
	notPending                 // Revoke only: the token is accepted, revoked or unknown: nothing to do
)

// classifyCreate sorts Create's result. Only maybeDone leaves a user unknown: everything
// else says for certain whether a token exists.
func classifyCreate(err error) outcome {
	var apiErr *api.Error
	var opErr *net.OpError
	switch {
	case err == nil:
		return settled
	case errors.Is(err, api.ErrRateLimited):
		return rateLimited
	case errors.Is(err, api.ErrInvalidInput): // refused before sending
		return refused
	case errors.As(err, &apiErr):
		if apiErr.StatusCode >= 500 || apiErr.StatusCode == http.StatusRequestTimeout {
			return maybeDone // a proxy's 502/504 or Clerk's 500 may come after the insert
		}
		return refused
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return refused // no connection: the request never left
	}
	// A lost answer, a timeout, a 2xx that could not be read (api.ErrInvalidResponse).
	return maybeDone
}

// classifyRevoke sorts Revoke's result. Revoking is safe to repeat, so nothing is unknown:
// whatever did not settle is refused, and a resume sends it again.
func classifyRevoke(err error) outcome {
	var apiErr *api.Error
	switch {
	case err == nil:
		return settled
	case errors.Is(err, api.ErrRateLimited):
		return rateLimited
	case errors.Is(err, api.ErrNotFound):
		return notPending
	case errors.As(err, &apiErr) && apiErr.Code() == "sign_in_token_cannot_be_revoked_code":
		return notPending // accepted or revoked already (perhaps by an answer lost earlier)
	}
	return refused
}

// fatal reports whether err will fail every later request too, so the run should stop.
func fatal(err error) bool { return errors.Is(err, api.ErrUnauthorized) }

// retryAfter is the Retry-After of a 429, or 0.
func retryAfter(err error) time.Duration {
	var apiErr *api.Error
	if errors.As(err, &apiErr) {
		return apiErr.RetryAfter
	}
	return 0
}
