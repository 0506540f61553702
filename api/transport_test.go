package api

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

func TestDefaultTransportReusesABoundedPoolUnderConcurrency(t *testing.T) {
	var opened atomic.Int32
	release := make(chan struct{})
	var inflight sync.WaitGroup
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, tokenJSON("sit_1", "pending"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c, err := NewClient(testKey, WithBaseURL(srv.URL+"/v1"))
	if err != nil {
		t.Fatal(err)
	}
	const callers, rounds = 200, 5
	errs := make(chan error, callers*rounds)
	for range callers {
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			<-release
			for range rounds {
				_, err := c.Create(context.Background(), CreateParams{UserID: "user_2abc"})
				errs <- err
			}
		}()
	}
	close(release)
	inflight.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := opened.Load(); n > connsPerHost {
		t.Fatalf("%d callers opened %d connections; the pool should hold them to %d", callers, n, connsPerHost)
	}
}

func TestDefaultTransportSpeaksHTTP2(t *testing.T) {
	var proto atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(r.Proto)
		writeJSON(w, 200, tokenJSON("sit_1", "pending"))
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)

	c, err := NewClient(testKey, WithBaseURL(srv.URL+"/v1"))
	if err != nil {
		t.Fatal(err)
	}
	// Trust the test server's certificate on the client's own default transport, as a
	// private CA would be trusted in production; everything else stays as built.
	hc := c.hc
	tr := hc.Transport.(*http.Transport)
	tr.TLSClientConfig = &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}

	if _, err := c.Create(context.Background(), CreateParams{UserID: "user_2abc"}); err != nil {
		t.Fatal(err)
	}
	if got := proto.Load(); got != "HTTP/2.0" {
		t.Fatalf("request arrived as %v, want HTTP/2.0", got)
	}
	if hc.Timeout == 0 || hc.CheckRedirect == nil {
		t.Fatalf("default client lacks a per-attempt timeout or redirect policy: %+v", hc)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(target.Close)
	c, _, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	})
	// setup's client uses the default transport: the redirect must come back as an error.
	if _, err := c.Create(context.Background(), CreateParams{UserID: "user_2abc"}); err == nil {
		t.Fatal("a redirect was taken as success")
	}
	if hits.Load() != 0 {
		t.Fatal("the request and its key were resent to the redirect target")
	}
}
