package api

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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

// rawServer accepts connections on loopback and hands each one, after reading its request,
// to serve: a server that can send what net/http's never would. It stops, and closes every
// connection, when the test ends.
func rawServer(t *testing.T, serve func(c net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + l.Addr().String() + "/v1"
}

// holdOpen keeps a connection open until the client closes it or the test ends.
func holdOpen(c net.Conn) { _, _ = io.Copy(io.Discard, c) }

// TestEveryCallReturnsWithinItsDeadline sends each call to a server that answers in a way no
// deadline of net/http covers, or slowly, and checks that the call returns once its context
// ends (here 300ms), with a generous bound on how much later.
func TestEveryCallReturnsWithinItsDeadline(t *testing.T) {
	for name, serve := range map[string]func(net.Conn){
		"101 Switching Protocols, then silence": func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: clerk\r\n\r\n")
			holdOpen(c)
		},
		"101 Switching Protocols, then a trickle": func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: clerk\r\n\r\n")
			for range 600 {
				if _, err := c.Write([]byte("x")); err != nil {
					return
				}
				time.Sleep(10 * time.Millisecond) // a server dripping bytes, as hostile ones do
			}
		},
		"a flood of 1xx": func(c net.Conn) {
			for range 100000 {
				if _, err := io.WriteString(c, "HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n"); err != nil {
					return
				}
			}
			holdOpen(c)
		},
		"headers a byte at a time": func(c net.Conn) {
			for _, b := range []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + strings.Repeat("a", 1000)) {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		},
		"a body a byte at a time": func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
			for range 999 {
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		},
	} {
		for _, op := range []operation{create, revoke} {
			t.Run(name+"/"+op.String(), func(t *testing.T) {
				c, err := NewClient(testKey, WithBaseURL(rawServer(t, serve)), noRetries())
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
				defer cancel()
				done := make(chan error, 1)
				go func() {
					var err error
					if op == create {
						_, err = c.Create(ctx, CreateParams{UserID: "user_2abc"})
					} else {
						_, err = c.Revoke(ctx, "sit_1")
					}
					done <- err
				}()
				select {
				case err := <-done:
					if err == nil {
						t.Fatal("the call succeeded")
					}
				case <-time.After(5 * time.Second):
					t.Fatal("the call outlived its 300ms context by more than 5s")
				}
				c.hc.CloseIdleConnections()
			})
		}
	}
}
