package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSuccessThatIsNotASignInTokenFails(t *testing.T) {
	for name, body := range map[string]string{
		"empty":          ``,
		"not JSON":       `<html>ok</html>`,
		"wrong object":   `{"object":"user","id":"user_1"}`,
		"no id":          `{"object":"sign_in_token","status":"pending"}`,
		"wrong types":    `{"object":"sign_in_token","id":"sit_1","created_at":"yesterday"}`,
		"over the bound": `{"object":"sign_in_token","id":"sit_1","pad":"` + strings.Repeat("x", 1<<20) + `"}`,
		// A created token that carries no credential cannot be handed to anyone: a success
		// would leave the caller (and the CLI, exit 0) with nothing to send.
		"no credentials": `{"object":"sign_in_token","id":"sit_1","status":"pending","user_id":"user_2abc"}`,
		"no url":         `{"object":"sign_in_token","id":"sit_1","status":"pending","user_id":"user_2abc","token":"t"}`,
		"empty token":    `{"object":"sign_in_token","id":"sit_1","status":"pending","user_id":"user_2abc","token":"","url":"https://x"}`,
	} {
		t.Run(name, func(t *testing.T) {
			c, srv, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(body))
			})
			tok, err := c.Create(context.Background(), CreateParams{UserID: "user_2abc"})
			if tok != nil || !errors.Is(err, ErrInvalidResponse) {
				t.Fatalf("Create = %v, %v; want ErrInvalidResponse", tok, err)
			}
			if !strings.Contains(err.Error(), "may have created") {
				t.Errorf("error %q does not warn that the token may exist", err)
			}
			if n := len(srv.Requests()); n != 1 {
				t.Fatalf("a 2xx was retried: %d requests", n)
			}
		})
	}
}

// TestADeclaredOversizedBodyIsRefusedWithoutReadingIt: a response whose Content-Length is
// over the bound is refused from its headers. The server never sends the body, so a client
// that reads it returns only when its context ends: that is what the test catches.
func TestADeclaredOversizedBodyIsRefusedWithoutReadingIt(t *testing.T) {
	for _, code := range []int{200, 500} {
		c, _, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "50000000")
			w.WriteHeader(code)
			http.NewResponseController(w).Flush()
			<-r.Context().Done() // never sends the body
		}, noRetries())
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := c.Create(ctx, CreateParams{UserID: "user_2abc"})
		ended := ctx.Err()
		cancel()
		if ended != nil || errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%d: the call returned only when its context ended (%v): it waited for a body it should refuse by its Content-Length", code, err)
		}
		var apiErr *Error
		switch {
		case code == 200 && (!errors.Is(err, ErrInvalidResponse) || !errors.Is(err, errBodyTooLarge) || !strings.Contains(err.Error(), "exceeds")):
			t.Fatalf("%d: err = %v; want ErrInvalidResponse saying the body exceeds the bound", code, err)
		case code == 500 && (!errors.As(err, &apiErr) || apiErr.StatusCode != 500):
			t.Fatalf("%d: err = %v", code, err)
		}
	}
}
