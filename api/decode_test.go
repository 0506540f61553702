package api

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func respond(status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}
}

// The decoder matches object and status without allocating, and must still read every other
// value as the generated model would.
func TestDecodeTokenFields(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       Status
	}{
		{"pending", `{"object":"sign_in_token","id":"sit_1","status":"pending","user_id":"user_1","token":"T","url":"U","created_at":1764106651000,"updated_at":1764106652500}`, StatusPending},
		{"revoked", `{"object":"sign_in_token","id":"sit_1","status":"revoked","user_id":"user_1","created_at":1764106651000,"updated_at":1764106652500}`, StatusRevoked},
		{"accepted", `{"status":"accepted","object":"sign_in_token","id":"sit_1","user_id":"user_1","created_at":1764106651000,"updated_at":1764106652500}`, StatusAccepted},
		{"unknown status", `{"object":"sign_in_token","id":"sit_1","status":"expired","user_id":"user_1","created_at":1764106651000,"updated_at":1764106652500}`, Status("expired")},
		{"escaped status", `{"object":"sign_in_token","id":"sit_1","status":"pend\u0069ng","user_id":"user_1","created_at":1764106651000,"updated_at":1764106652500}`, StatusPending},
	} {
		tok, err := readResponse(respond(200, tc.body), noRedact)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if tok.Status != tc.want || tok.ID != "sit_1" || tok.UserID != "user_1" ||
			!tok.CreatedAt.Equal(time.UnixMilli(1764106651000)) || !tok.UpdatedAt.Equal(time.UnixMilli(1764106652500)) {
			t.Errorf("%s: decoded %+v", tc.name, tok)
		}
		if tc.name == "pending" && (tok.Token.Reveal() != "T" || tok.URL.Reveal() != "U") {
			t.Errorf("%s: Token %q, URL %q; want T and U", tc.name, tok.Token.Reveal(), tok.URL.Reveal())
		}
		if tc.name != "pending" && (tok.Token != Secret{} || tok.URL != Secret{}) {
			t.Errorf("%s: a token without credentials has non-zero secrets", tc.name)
		}
	}
	for name, body := range map[string]string{
		"object a number":  `{"object":1,"id":"sit_1","status":"pending"}`,
		"object escaped":   `{"object":"sign_in_tokenX","id":"sit_1"}`,
		"status a number":  `{"object":"sign_in_token","id":"sit_1","status":2}`,
		"status an object": `{"object":"sign_in_token","id":"sit_1","status":{"a":1}}`,
		"object null":      `{"object":null,"id":"sit_1"}`,
	} {
		if tok, err := readResponse(respond(200, body), noRedact); !errors.Is(err, ErrInvalidResponse) {
			t.Errorf("%s: token %v, error %v; want ErrInvalidResponse", name, tok, err)
		}
	}
}

// Two tokens decoded one after the other do not share their secrets.
func TestDecodedTokensAreIndependent(t *testing.T) {
	a, _ := readResponse(respond(200, `{"object":"sign_in_token","id":"sit_a","token":"A","url":"UA"}`), noRedact)
	b, _ := readResponse(respond(200, `{"object":"sign_in_token","id":"sit_b","token":"B","url":"UB"}`), noRedact)
	if a.Token.Reveal() != "A" || a.URL.Reveal() != "UA" || b.Token.Reveal() != "B" || b.URL.Reveal() != "UB" {
		t.Errorf("a: %s %s, b: %s %s", a.Token.Reveal(), a.URL.Reveal(), b.Token.Reveal(), b.URL.Reveal())
	}
}

func noRedact(s string) string { return s }
