package clienttest

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/api"
)

// Server is the fake Clerk API on a loopback httptest server, for one test.
type Server struct {
	*Handler
	srv       *httptest.Server
	transport *http.Transport
	t         testing.TB
	closeOnce sync.Once
}

// NewServer starts a fake Clerk API for t and closes it when t ends. Violations (requests to
// the two operations, with the key, that break the contract) fail t unless expected (see
// ExpectViolations and AllowContractViolations); so does any answer of the fake's own that
// breaks it (a fake error). Auth failures and unknown routes are counted (Counts), never a
// failure: a test of the bad-key path is a normal negative test.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	report := OnViolation(func(msg string) {
		t.Helper()
		t.Errorf("clienttest: %s", msg)
	})
	h, err := NewHandler(append([]Option{report}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Handler: h, srv: httptest.NewServer(h), t: t}
	// A pool sized for parallel callers: with Go's default of 2 idle connections per host,
	// a concurrent test would open and drop a connection for most requests.
	s.transport = &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}
	t.Cleanup(s.Close)
	return s
}

// Close shuts the fake down, as httptest.Server.Close does: it releases answers waiting out a
// latency, closes every connection (one still sending its request too) and waits for the
// handlers to return. Later requests fail to connect. NewServer calls it when the test ends;
// calling it again does nothing.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.Handler.Close()
		// httptest.Server.Close waits for active requests, and a client that stopped halfway
		// through sending one would keep its handler reading forever: refuse new connections,
		// then close every open one, active or not, before waiting.
		s.srv.Listener.Close()
		s.srv.CloseClientConnections()
		s.srv.Close()
		s.transport.CloseIdleConnections()
	})
}

// URL returns the fake's base URL, ending in /v1 like api.DefaultBaseURL (the form
// clerk-sdk-go takes).
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Origin returns the fake's origin, http://127.0.0.1:PORT, without /v1: the form Clerk's JS SDKs
// take as CLERK_API_URL, and where the control API lives (Origin()+"/__clienttest/").
func (s *Server) Origin() string { return s.srv.URL }

// Client returns an api.Client pointed at the fake, with its key; opts are applied after.
func (s *Server) Client(opts ...api.Option) *api.Client {
	s.t.Helper()
	base := []api.Option{api.WithBaseURL(s.URL()), api.WithHTTPClient(&http.Client{Transport: s.transport, Timeout: time.Minute})}
	c, err := api.NewClient(s.SecretKey(), append(base, opts...)...)
	if err != nil {
		s.t.Fatalf("clienttest: Client: %v", err)
	}
	return c
}
