package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/clerkgen/signintokens/api"
)

// The fuzz targets drive the public API over an in-memory transport that records what was
// sent and answers what the fuzzer chose. Seed corpora: testdata/fuzz/<FuzzName>/; run them
// longer with `make fuzz` (FUZZTIME=1m) or `go test -fuzz '^FuzzName$' ./api`.

const fuzzKey = "sk_test_fuzz0123456789abcdef"

// wire is an http.RoundTripper that records each request and answers with respond.
type wire struct {
	mu      sync.Mutex
	sent    []sentRequest
	respond func(*http.Request) *http.Response
}

type sentRequest struct {
	method, rawPath, rawQuery string
	body                      []byte
}

func (w *wire) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	w.mu.Lock()
	w.sent = append(w.sent, sentRequest{req.Method, req.URL.EscapedPath(), req.URL.RawQuery, body})
	w.mu.Unlock()
	resp := w.respond(req)
	resp.Request = req
	return resp, nil
}

func (w *wire) requests() []sentRequest {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]sentRequest(nil), w.sent...)
}

// fuzzClient is a client on w with retries off: one input, at most one request.
func fuzzClient(t *testing.T, w *wire) *api.Client {
	c, err := api.NewClient(fuzzKey, api.WithBaseURL("https://api.clerk.com/v1"),
		// As the default client: a 3xx is an answer, not a place to resend a POST.
		api.WithHTTPClient(&http.Client{Transport: w, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}),
		api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func jsonResponse(status int, body string) *http.Response {
	return &http.Response{
		StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)),
	}
}

const tokenBody = `{"object":"sign_in_token","id":"sit_1","status":"pending","user_id":"user_1",` +
	`"token":"eyJ.SECRET.TICKET","url":"https://x.accounts.dev/sign-in?__clerk_ticket=eyJ.SECRET.TICKET",` +
	`"created_at":1764106651000,"updated_at":1764106651000}`

// FuzzRevokeID: a refused id sends nothing; an accepted one is sent as exactly one path
// segment, in place, that decodes back to the id, with no query.
func FuzzRevokeID(f *testing.F) {
	f.Fuzz(func(t *testing.T, id string) {
		w := &wire{respond: func(*http.Request) *http.Response { return jsonResponse(200, tokenBody) }}
		_, err := fuzzClient(t, w).Revoke(context.Background(), id)
		sent := w.requests()
		if errors.Is(err, api.ErrInvalidInput) {
			if len(sent) != 0 {
				t.Fatalf("id %q was refused (%v) but %d requests were sent", id, err, len(sent))
			}
			return
		}
		if err != nil {
			t.Fatalf("id %q: accepted, yet the call failed against a server answering 200: %v", id, err)
		}
		if len(sent) != 1 {
			t.Fatalf("id %q: %d requests sent, want 1", id, len(sent))
		}
		req := sent[0]
		seg, ok := strings.CutPrefix(req.rawPath, "/v1/sign_in_tokens/")
		if ok {
			seg, ok = strings.CutSuffix(seg, "/revoke")
		}
		if !ok || req.method != http.MethodPost || req.rawQuery != "" {
			t.Fatalf("id %q: sent %s %s?%s, want POST /v1/sign_in_tokens/{id}/revoke", id, req.method, req.rawPath, req.rawQuery)
		}
		if seg == "" || seg == "." || seg == ".." || strings.Contains(seg, "/") {
			t.Fatalf("id %q: path segment %q is not exactly one segment", id, seg)
		}
		if decoded, err := url.PathUnescape(seg); err != nil || decoded != id {
			t.Fatalf("id %q: path segment %q decodes to %q (%v)", id, seg, decoded, err)
		}
	})
}

// FuzzCreateParams: what Create sends is exactly what it was given (with the expiry in whole
// seconds, the default when zero); what it cannot send faithfully it refuses, sending nothing.
func FuzzCreateParams(f *testing.F) {
	f.Fuzz(func(t *testing.T, userID, orgID string, expiresIn int64) {
		w := &wire{respond: func(*http.Request) *http.Response { return jsonResponse(200, tokenBody) }}
		p := api.CreateParams{UserID: userID, OrganizationID: orgID, ExpiresIn: time.Duration(expiresIn)}
		_, err := fuzzClient(t, w).Create(context.Background(), p)
		sent := w.requests()
		if errors.Is(err, api.ErrInvalidInput) {
			if len(sent) != 0 {
				t.Fatalf("%+v was refused (%v) but %d requests were sent", p, err, len(sent))
			}
			return
		}
		if mustRefuse(p) {
			t.Fatalf("%+v was not refused (err %v)", p, err)
		}
		if err != nil {
			t.Fatalf("%+v: accepted, yet the call failed against a server answering 200: %v", p, err)
		}
		if len(sent) != 1 || sent[0].rawPath != "/v1/sign_in_tokens" || sent[0].method != http.MethodPost {
			t.Fatalf("%+v: sent %d requests (%+v); want one POST /v1/sign_in_tokens", p, len(sent), sent)
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(sent[0].body, &got); err != nil {
			t.Fatalf("%+v: body is not a JSON object: %v", p, err)
		}
		seconds := int64(p.ExpiresIn / time.Second)
		if p.ExpiresIn == 0 {
			seconds = int64(api.DefaultExpiry / time.Second)
		}
		want := map[string]any{"user_id": userID, "expires_in_seconds": seconds}
		if orgID != "" {
			want["org_id"] = orgID
		}
		if len(got) != len(want) {
			t.Fatalf("%+v: body has fields %s, want exactly %v", p, sent[0].body, want)
		}
		for field, v := range want {
			var s string
			var n int64
			var err error
			switch v := v.(type) {
			case string:
				if err = json.Unmarshal(got[field], &s); err == nil && s != v {
					t.Fatalf("%+v: %s on the wire is %q, want %q (body %s)", p, field, s, v, sent[0].body)
				}
			case int64:
				if err = json.Unmarshal(got[field], &n); err == nil && n != v {
					t.Fatalf("%+v: %s on the wire is %d, want %d", p, field, n, v)
				}
			}
			if err != nil {
				t.Fatalf("%+v: %s on the wire (%s): %v", p, field, got[field], err)
			}
		}
	})
}

// mustRefuse is the least the client must refuse: what Clerk would reject, or what cannot be
// sent as given (JSON replaces invalid UTF-8).
func mustRefuse(p api.CreateParams) bool {
	badID := func(s string) bool {
		return !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f })
	}
	return p.UserID == "" || badID(p.UserID) || badID(p.OrganizationID) ||
		p.ExpiresIn != 0 && (p.ExpiresIn < time.Second || p.ExpiresIn%time.Second != 0)
}

// FuzzResponse: whatever the server answers (status, headers, body, declared length), the
// client never panics; a non-2xx is always an *api.Error with that status; a 2xx is either a
// token or ErrInvalidResponse; and an error about a 2xx never quotes the body's credentials.
func FuzzResponse(f *testing.F) {
	f.Fuzz(func(t *testing.T, revoke bool, status int, rawHeader string, body []byte, declared int64) {
		status = 100 + abs(status)%500 // what a transport can hand back: 100–599
		header := parseHeader(rawHeader)
		w := &wire{respond: func(*http.Request) *http.Response {
			return &http.Response{StatusCode: status, Header: header,
				Body: io.NopCloser(bytes.NewReader(body)), ContentLength: max(declared, -1)}
		}}
		c := fuzzClient(t, w)
		var tok *api.SignInToken
		var err error
		if revoke {
			tok, err = c.Revoke(context.Background(), "sit_1")
		} else {
			tok, err = c.Create(context.Background(), api.CreateParams{UserID: "user_1"})
		}
		if (tok == nil) == (err == nil) {
			t.Fatalf("status %d: token %v and error %v: want exactly one", status, tok != nil, err)
		}
		if status < 200 || status > 299 {
			var apiErr *api.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
				t.Fatalf("status %d: error %v (%T), want an *api.Error with that status", status, err, err)
			}
			return
		}
		if err != nil {
			if !errors.Is(err, api.ErrInvalidResponse) {
				t.Fatalf("status %d: error %v, want ErrInvalidResponse", status, err)
			}
			for _, secret := range credentials(body) {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("status %d: the error quotes a credential from the body: %v", status, err)
				}
			}
			return
		}
		if tok.ID == "" {
			t.Fatalf("status %d: a token without an id", status)
		}
	})
}

// parseHeader reads "Key: value" lines, as a server would send them.
func parseHeader(raw string) http.Header {
	r := textproto.NewReader(bufio.NewReader(strings.NewReader(raw + "\r\n\r\n")))
	h, _ := r.ReadMIMEHeader()
	return http.Header(h)
}

// credentials are the body's token and url values that could not appear in an error by
// chance: 16 characters or more, of the characters JSON carries unescaped, found nowhere else in
// the body (an object or field name the error may quote).
func credentials(body []byte) []string {
	var v struct{ Token, URL any }
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var values []string
	for _, s := range []any{v.Token, v.URL} {
		if s, ok := s.(string); ok {
			values = append(values, s)
		}
	}
	var out []string
	for _, s := range values {
		if len(s) < 16 || strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-:/?=&") != "" {
			continue
		}
		inValues := 0
		for _, v := range values {
			inValues += strings.Count(v, s)
		}
		if bytes.Count(body, []byte(s)) == inValues {
			out = append(out, s)
		}
	}
	return out
}

func abs(n int) int {
	if n < 0 {
		return -(n + 1) // no overflow at math.MinInt
	}
	return n
}
