package clienttest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/clerkgen/signintokens/api"
)

// reportsTo stands in for a test's testing.TB to catch what the fake reports with Errorf,
// passing everything else (Cleanup, Fatal, Helper) to the real t.
type reportsTo struct {
	testing.TB
	mu      sync.Mutex
	reports []string
}

func (r *reportsTo) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reports = append(r.reports, fmt.Sprintf(format, args...))
}

func (r *reportsTo) Reports() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.reports...)
}

// post sends a raw request, as a caller in another language (or a buggy one) would.
func post(t *testing.T, url, key, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// credentials reads a minted token's ticket and sign-in URL: the one place these tests read
// them (when api.SignInToken's fields become api.Secret, this is the line that changes).
func credentials(tok *api.SignInToken) (ticket, url string) {
	return tok.Token.Reveal(), tok.URL.Reveal()
}
