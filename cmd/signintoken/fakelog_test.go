package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestFakeLogNeverHasAToken: a client that sends a token where an id belongs (a common bug:
// revoking by the token instead of its id), or the key anywhere in a path, must not make the
// fake print the credential to a CI log, which is often public. The log keeps id-like path
// segments and hides the rest.
func TestFakeLogNeverHasAToken(t *testing.T) {
	f := startFake(t, "--fail-on-violation=false")
	req, err := http.NewRequest(http.MethodPost, f.origin+"/v1/sign_in_tokens", strings.NewReader(`{"user_id":"user_a"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+f.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct{ ID, Token string }
	err = json.NewDecoder(resp.Body).Decode(&tok)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || tok.Token == "" {
		t.Fatalf("create: %v %+v", err, tok.ID)
	}
	f.call(t, f.key, http.MethodPost, "/v1/sign_in_tokens/"+tok.Token+"/revoke", "")
	f.call(t, "", http.MethodGet, "/v1/sign_in_tokens/"+tok.Token, "")
	f.call(t, f.key, http.MethodPost, "/v1/sign_in_tokens/"+tok.ID+"/revoke", "")
	f.call(t, f.key, http.MethodPost, "/v1/sign_in_tokens/"+f.key+"/revoke", "") // the key is id-shaped
	f.call(t, "", http.MethodGet, "/__clienttest/"+f.key, "")
	f.stop(t)
	log := f.stderr.String()
	if strings.Contains(log, tok.Token) {
		t.Fatalf("the fake's log holds a token:\n%s", log)
	}
	if strings.Contains(log, f.key) {
		t.Fatalf("the fake's log holds its key:\n%s", log)
	}
	if !strings.Contains(log, "/v1/sign_in_tokens/"+tok.ID+"/revoke") {
		t.Fatalf("the log no longer names an id-like path:\n%s", log)
	}
}
