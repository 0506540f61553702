package bulk

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"

	"github.com/clerkgen/signintokens/api"
)

// TestClassify is the whole rule for what an answer means, in one table.
func TestClassify(t *testing.T) {
	apiErr := func(status int, code string) error {
		e := &api.Error{StatusCode: status}
		if code != "" {
			e.Errors = []api.ErrorDetail{{Code: code}}
		}
		return fmt.Errorf("signintokens: create: %w", e)
	}
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	read := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
	for _, tc := range []struct {
		name           string
		err            error
		create, revoke outcome
	}{
		{"ok", nil, settled, settled},
		{"429", apiErr(http.StatusTooManyRequests, "too_many_requests"), rateLimited, rateLimited},
		{"refused before sending", fmt.Errorf("x: %w", api.ErrInvalidInput), refused, refused},
		{"404", apiErr(http.StatusNotFound, "resource_not_found"), refused, notPending},
		{"422", apiErr(http.StatusUnprocessableEntity, "form_param_value_invalid"), refused, refused},
		{"401", apiErr(http.StatusUnauthorized, "authentication_invalid"), refused, refused},
		{"cannot be revoked", apiErr(http.StatusBadRequest, "sign_in_token_cannot_be_revoked_code"), refused, notPending},
		{"500", apiErr(http.StatusInternalServerError, ""), maybeDone, refused},
		{"502", apiErr(http.StatusBadGateway, ""), maybeDone, refused},
		{"408", apiErr(http.StatusRequestTimeout, ""), maybeDone, refused},
		{"dial failed", fmt.Errorf("post: %w", dial), refused, refused},
		{"connection reset", fmt.Errorf("post: %w", read), maybeDone, refused},
		{"timeout", context.DeadlineExceeded, maybeDone, refused},
		{"unreadable 2xx", fmt.Errorf("%w: not json", api.ErrInvalidResponse), maybeDone, refused},
	} {
		if got := classifyCreate(tc.err); got != tc.create {
			t.Errorf("%s: classifyCreate = %v, want %v", tc.name, got, tc.create)
		}
		if got := classifyRevoke(tc.err); got != tc.revoke {
			t.Errorf("%s: classifyRevoke = %v, want %v", tc.name, got, tc.revoke)
		}
	}
	if !fatal(apiErr(http.StatusUnauthorized, "")) || !fatal(apiErr(http.StatusForbidden, "")) || fatal(apiErr(http.StatusNotFound, "")) {
		t.Error("fatal: only 401 and 403 stop a run")
	}
}
