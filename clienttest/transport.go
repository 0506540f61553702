package clienttest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"
)

// ContractTransport returns a RoundTripper that sends through base (nil:
// http.DefaultTransport) and checks each request and each response against the contract,
// reporting every violation to t with t.Errorf. Point an api.Client at a real Clerk
// development instance through it, and CI learns when the live API drifts from the spec:
//
//	hc := &http.Client{Transport: clienttest.ContractTransport(t, nil)}
//	c, _ := api.NewClient(os.Getenv("CLERK_SECRET_KEY"), api.WithHTTPClient(hc))
//
// A conforming exchange reports nothing. Reports describe where and why, never quoting a
// key, token or URL. Requests are passed on unchanged, violating or not.
func ContractTransport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &contractTransport{t: t, base: base, contract: mustContract()}
}

type contractTransport struct {
	t        testing.TB
	base     http.RoundTripper
	contract *contract
}

func (ct *contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("clienttest: ContractTransport: read request body: %w", err)
		}
		// A RoundTripper must not change the caller's request: send a copy with a fresh body.
		// The copy keeps the caller's GetBody, nil included: with one, net/http's HTTP/2
		// transport replays a request on its own, and api.Client removes it so that a Create
		// cannot be sent twice.
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	in, v := ct.contract.checkRequest(req, body)
	if v != nil {
		ct.t.Errorf("clienttest: ContractTransport: %s", v.message)
	}
	resp, err := ct.base.RoundTrip(req)
	if err != nil || in == nil {
		return resp, err
	}
	respBody, readErr := io.ReadAll(io.LimitReader(resp.Body, maxCheckedResponse+1))
	rest := resp.Body
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(respBody), rest), rest}
	if readErr != nil || len(respBody) > maxCheckedResponse {
		return resp, nil // too large or cut short to check; the caller will see the same
	}
	if err := ct.contract.checkResponse(req.Context(), in, resp.StatusCode, resp.Header, respBody); err != nil {
		ct.t.Errorf("clienttest: ContractTransport: %s %s: %v", req.Method, req.URL.Path, err)
	}
	return resp, nil
}

// maxCheckedResponse bounds how much of a response ContractTransport reads to check it; a
// longer one is passed on unchecked.
const maxCheckedResponse = 1 << 20
