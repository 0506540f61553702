package bench

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// cannedBaseURL is where the in-memory benchmarks send; nothing is dialled.
const cannedBaseURL = "https://api.clerk.com/v1"

const benchKey = "sk_test_bench0123456789abcdef"

var createdJSON, revokedJSON = cannedTokens()

var notFoundJSON = []byte(`{"errors":[{"message":"not found","long_message":"Resource not found","code":"resource_not_found"}]}`)

// cannedTokens are a sign-in token as Clerk answers Create and then Revoke, of realistic size:
// the ticket is an RS256 JWT, whose signature alone is 342 base64url characters, and the URL
// carries the ticket again, about 1.6 KB in all. (Revoke's answer has neither.)
func cannedTokens() (created, revoked []byte) {
	b64 := base64.RawURLEncoding.EncodeToString
	header := b64([]byte(`{"alg":"RS256","kid":"ins_2abcDEFghiJKLmnoPQRstuVWXyz","typ":"JWT"}`))
	payload := b64([]byte(`{"exp":1766698651,"iat":1764106651,"iss":"https://clerk.example.accounts.dev",` +
		`"jti":"sit_2abcDEFghiJKLmnoPQRstuVWXyz","nbf":1764106641,"sid":"sit_2abcDEFghiJKLmnoPQRstuVWXyz",` +
		`"sub":"user_2abcDEFghiJKLmnoPQRstuVWXyz"}`))
	signature := make([]byte, 256) // RSA-2048
	for i := range signature {
		signature[i] = byte(i*7 + 3)
	}
	ticket := header + "." + payload + "." + b64(signature)
	url := "https://example.accounts.dev/v1/tickets/accept?ticket=" + ticket
	created = fmt.Appendf(nil, `{"object":"sign_in_token","id":"sit_2abcDEFghiJKLmnoPQRstuVWXyz","status":"pending",`+
		`"user_id":"user_2abcDEFghiJKLmnoPQRstuVWXyz","token":%q,"url":%q,"created_at":1764106651000,"updated_at":1764106651000}`,
		ticket, url)
	revoked = []byte(`{"object":"sign_in_token","id":"sit_2abcDEFghiJKLmnoPQRstuVWXyz","status":"revoked",` +
		`"user_id":"user_2abcDEFghiJKLmnoPQRstuVWXyz","created_at":1764106651000,"updated_at":1764106652000}`)
	return created, revoked
}

// cannedTransport answers in memory, so a benchmark measures the client and nothing else. It
// reads the request body, as a real transport does, and builds a fresh response each time.
type cannedTransport struct{}

func (cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	status, body := http.StatusOK, createdJSON
	switch {
	case req.Method != http.MethodPost:
		status, body = http.StatusNotFound, notFoundJSON
	case req.URL.Path == "/v1/sign_in_tokens":
	case strings.HasPrefix(req.URL.Path, "/v1/sign_in_tokens/") && strings.HasSuffix(req.URL.Path, "/revoke"):
		body = revokedJSON
	default:
		status, body = http.StatusNotFound, notFoundJSON
	}
	return &http.Response{
		StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}, nil
}
