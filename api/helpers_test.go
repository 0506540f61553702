package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testKey   = "sk_test_0123456789abcdefSECRETKEY"
	testToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzJhYmMifQ.SECRET-TICKET"
	testURL   = "https://example.accounts.dev/sign-in?__clerk_ticket=" + testToken
)

// received is one request the test server saw.
type received struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// server is a test's own Clerk stand-in: it records requests and answers with handler.
type server struct {
	*httptest.Server
	mu       sync.Mutex
	requests []received
}

func (s *server) Requests() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.requests...)
}

// setup starts an httptest server answering with handler and a client pointed at it. Retries
// wait no real time: the client records each wait it chose in *waits instead.
func setup(t testing.TB, handler http.HandlerFunc, opts ...Option) (*Client, *server, *[]time.Duration) {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.requests = append(s.requests, received{r.Method, r.URL.Path, r.Header.Clone(), body})
		s.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(s.Close)
	c, err := NewClient(testKey, append([]Option{WithBaseURL(s.URL + "/v1")}, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	var mu sync.Mutex
	waits := &[]time.Duration{}
	c.wait = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*waits = append(*waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	return c, s, waits
}

// tokenJSON is a sign-in token as Clerk answers it.
func tokenJSON(id, status string) map[string]any {
	return map[string]any{
		"object": "sign_in_token", "id": id, "status": status, "user_id": "user_2abc",
		"token": testToken, "url": testURL,
		"created_at": int64(1764106651000), "updated_at": int64(1764106652500),
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func clerkErrors(code, message, trace string, meta map[string]any) map[string]any {
	e := map[string]any{"message": message, "long_message": message + ".", "code": code}
	if meta != nil {
		e["meta"] = meta
	}
	return map[string]any{"errors": []any{e}, "clerk_trace_id": trace}
}

// answer returns a handler that answers each request with the next of responses, repeating
// the last one.
func answer(responses ...http.HandlerFunc) http.HandlerFunc {
	var mu sync.Mutex
	n := 0
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := responses[min(n, len(responses)-1)]
		n++
		mu.Unlock()
		h(w, r)
	}
}

func okToken(id, status string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, tokenJSON(id, status)) }
}

func status(code int, retryAfter string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		writeJSON(w, code, clerkErrors("some_code", "failed", "trace_1", nil))
	}
}

// dropConnection reads the request, then closes the connection without answering: the
// request reached the server, the answer was lost.
func dropConnection(w http.ResponseWriter, r *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

// paddedHeaders answers 500 with n headers of size bytes each.
func paddedHeaders(n, size int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := range n {
			w.Header().Set(fmt.Sprintf("X-Pad-%d", i), strings.Repeat("v", size))
		}
		w.WriteHeader(500)
	}
}

func noRetries() Option { return WithRetryPolicy(RetryPolicy{MaxAttempts: 1}) }

func fastRetries(n int) Option {
	return WithRetryPolicy(RetryPolicy{MaxAttempts: n, BaseDelay: time.Millisecond, MaxDelay: time.Second})
}
