package bench

import (
	"bytes"
	"io"
	"net/http"
	"strings"
)

// cannedBaseURL is where the in-memory benchmarks send; nothing is dialled.
const cannedBaseURL = "https://api.clerk.com/v1"

const benchKey = "sk_test_bench0123456789abcdef"

// Sign-in tokens as Clerk answers them, of realistic size (the spec's examples).
var (
	createdJSON = []byte(`{"object":"sign_in_token","id":"sit_2abcDEFghiJKLmnoPQRstuVWXyz","status":"pending",` +
		`"user_id":"user_2abcDEFghiJKLmnoPQRstuVWXyz",` +
		`"token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzJhYmMiLCJzaWQiOiJzaXRfMmFiYyJ9.c2lnbmF0dXJlLW9mLXRoZS10aWNrZXQ",` +
		`"url":"https://example.accounts.dev/sign-in?__clerk_ticket=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzJhYmMiLCJzaWQiOiJzaXRfMmFiYyJ9.c2lnbmF0dXJlLW9mLXRoZS10aWNrZXQ",` +
		`"created_at":1764106651000,"updated_at":1764106651000}`)
	revokedJSON = []byte(`{"object":"sign_in_token","id":"sit_2abcDEFghiJKLmnoPQRstuVWXyz","status":"revoked",` +
		`"user_id":"user_2abcDEFghiJKLmnoPQRstuVWXyz","created_at":1764106651000,"updated_at":1764106652000}`)
	notFoundJSON = []byte(`{"errors":[{"message":"not found","long_message":"Resource not found","code":"resource_not_found"}]}`)
)

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
