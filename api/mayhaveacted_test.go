package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// TestMayHaveActed: the one answer to "could Clerk have acted on this failed call?", read
// from what Create and Revoke return, for each kind of failure. bulk leaves a user unknown
// on true and retries it on false, so a wrong false can mint twice.
func TestMayHaveActed(t *testing.T) {
	var dials atomic.Int32
	tests := []struct {
		name    string
		handler http.HandlerFunc
		opts    []Option
		want    bool
	}{
		{"400 refused", status(400, ""), nil, false},
		{"401 unauthorized", status(401, ""), nil, false},
		{"404 not found", status(404, ""), nil, false},
		{"408 request timeout", status(408, ""), nil, false},
		{"422 invalid", status(422, ""), nil, false},
		{"429 rate limited", status(429, "1"), nil, false},
		{"500 after the insert, perhaps", status(500, ""), nil, true},
		{"502 gateway", status(502, ""), nil, true},
		{"503 unavailable", status(503, ""), nil, true},
		{"504 gateway timeout", status(504, ""), nil, true},
		{"answer lost", dropConnection, nil, true},
		{"2xx that is not a token", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{"object": "x"}) }, nil, true},
		{"timeout after sending", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
			[]Option{WithHTTPClient(&http.Client{Timeout: 50 * time.Millisecond})}, true},
		{"dial refused every time", okToken("sit_1", "pending"),
			[]Option{WithHTTPClient(refusingFirstDial(t, &dials, true))}, false},
	}
	for _, tt := range tests {
		for _, op := range []string{"create", "revoke"} {
			t.Run(tt.name+"/"+op, func(t *testing.T) {
				c, _, _ := setup(t, tt.handler, append([]Option{noRetries()}, tt.opts...)...)
				var err error
				if op == "create" {
					_, err = createOnce(c)
				} else {
					_, err = c.Revoke(context.Background(), "sit_1")
				}
				if err == nil {
					t.Fatal("the call succeeded")
				}
				if got := MayHaveActed(err); got != tt.want {
					t.Fatalf("MayHaveActed(%v) = %t, want %t", err, got, tt.want)
				}
				if got := MayHaveActed(fmt.Errorf("wrapped: %w", err)); got != tt.want {
					t.Fatalf("wrapped: MayHaveActed = %t, want %t", got, tt.want)
				}
			})
		}
	}
	// Refused before anything was sent, or never from a Client.
	c, _, _ := setup(t, okToken("sit_1", "pending"))
	_, err := c.Create(context.Background(), CreateParams{})
	if !errors.Is(err, ErrInvalidInput) || MayHaveActed(err) {
		t.Fatalf("invalid input: err %v, MayHaveActed %t", err, MayHaveActed(err))
	}
	if MayHaveActed(nil) || MayHaveActed(errors.New("other")) {
		t.Fatal("MayHaveActed is true for an error no call returned")
	}
}

// TestMayHaveActedRemembersAnEarlierAttempt: a Revoke whose first attempt's answer was lost
// and whose retry is refused may still have revoked the token (the first attempt did).
func TestMayHaveActedRemembersAnEarlierAttempt(t *testing.T) {
	c, srv, _ := setup(t, answer(dropConnection, status(400, "")), fastRetries(2))
	_, err := c.Revoke(context.Background(), "sit_1")
	if len(srv.Requests()) != 2 || !MayHaveActed(err) {
		t.Fatalf("%d requests, MayHaveActed(%v) = %t; want 2 and true", len(srv.Requests()), err, MayHaveActed(err))
	}
}
