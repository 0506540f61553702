package api

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
	// The promise is a bounded pool that is reused: at no moment more than connsPerHost open
	// connections, and far fewer connections opened than calls made. (Counting only the total
	// opened would fail when the server or the OS closes one connection under load and the pool
	// replaces it, which a bounded pool may do.)
	var opened, open, peak atomic.Int32
	release := make(chan struct{})
	var inflight sync.WaitGroup
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, tokenJSON("sit_1", "pending"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			opened.Add(1)
			n := open.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
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
	if n := peak.Load(); n > connsPerHost {
		t.Fatalf("%d callers held %d connections open at once; the pool should hold them to %d", callers, n, connsPerHost)
	}
	if n := opened.Load(); n > 2*connsPerHost {
		t.Fatalf("%d calls opened %d connections: the pool is not reused", callers*rounds, n)
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
	if hc.Timeout == 0 {
		t.Fatalf("default client lacks a per-attempt timeout: %+v", hc)
	}
}

// rawServer accepts connections on loopback and hands each one, after reading its request,
// to serve: a server that can send what net/http's never would. It stops, and closes every
// connection, when the test ends.
func rawServer(t *testing.T, serve func(c net.Conn, r *http.Request)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	acceptAll(t, l, func(c net.Conn) {
		defer c.Close()
		r, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		serve(c, r)
	})
	return "http://" + l.Addr().String() + "/v1"
}

// acceptAll hands each connection l accepts to handle, in a goroutine of its own, until the
// test ends; then it closes l and every connection, and waits for the handlers.
func acceptAll(t *testing.T, l net.Listener, handle func(net.Conn)) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { handle(c) })
		}
	})
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
}

// holdOpen keeps a connection open until the client closes it or the test ends.
func holdOpen(c net.Conn) { _, _ = io.Copy(io.Discard, c) }

// TestEveryCallReturnsWithinItsDeadline sends each call to a server that answers in a way no
// deadline of net/http covers, or slowly, and checks that the call returns once its context
// ends (here 300ms), with a generous bound on how much later.
func TestEveryCallReturnsWithinItsDeadline(t *testing.T) {
	for name, serve := range map[string]func(net.Conn, *http.Request){
		"101 Switching Protocols, then silence": func(c net.Conn, _ *http.Request) {
			io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: clerk\r\n\r\n")
			holdOpen(c)
		},
		"101 Switching Protocols, then a trickle": func(c net.Conn, _ *http.Request) {
			io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: clerk\r\n\r\n")
			for range 600 {
				if _, err := c.Write([]byte("x")); err != nil {
					return
				}
				time.Sleep(10 * time.Millisecond) // a server dripping bytes, as hostile ones do
			}
		},
		"a flood of 1xx": func(c net.Conn, _ *http.Request) {
			for range 100000 {
				if _, err := io.WriteString(c, "HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n"); err != nil {
					return
				}
			}
			holdOpen(c)
		},
		"headers a byte at a time": func(c net.Conn, _ *http.Request) {
			for _, b := range []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + strings.Repeat("a", 1000)) {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		},
		"a body a byte at a time": func(c net.Conn, _ *http.Request) {
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

// TestTransportErrorsDoNotQuoteTheKey: net/http quotes a malformed header or status line in
// its error; a server that echoes the request there must not get the key into the error.
func TestTransportErrorsDoNotQuoteTheKey(t *testing.T) {
	for name, answer := range map[string]func(auth string) string{
		"malformed header line": func(auth string) string { return "HTTP/1.1 500 Oops\r\n" + auth + "\r\n\r\n" },
		"malformed status line": func(auth string) string { return "HTTP/1.1 " + strings.ReplaceAll(auth, " ", "") + "\r\n\r\n" },
		"control characters":    func(auth string) string { return "HTTP/1.1 500 Oops\r\n\x1b[31m" + auth + "\x07\r\n\r\n" },
	} {
		t.Run(name, func(t *testing.T) {
			var logs bytes.Buffer
			url := rawServer(t, func(c net.Conn, r *http.Request) {
				io.WriteString(c, answer(r.Header.Get("Authorization")))
			})
			c, err := NewClient(testKey, WithBaseURL(url), noRetries(),
				WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Revoke(context.Background(), "sit_1")
			if err == nil {
				t.Fatal("no error")
			}
			var all bytes.Buffer
			for _, verb := range verbs {
				fmt.Fprintf(&all, verb+"\n", err)
			}
			for e := error(err); e != nil; e = errors.Unwrap(e) {
				all.WriteString(e.Error())
			}
			all.Write(logs.Bytes())
			if strings.Contains(all.String(), "SECRETKEY") || strings.Contains(all.String(), "\x1b") {
				t.Fatalf("the error carries the key or a control character:\n%s", all.String())
			}
			if !strings.Contains(err.Error(), "[REDACTED]") {
				t.Errorf("err = %v; want the transport's message with the key redacted", err)
			}
		})
	}
}

// TestTheDefaultClientBoundsResponseHeaders: net/http accepts 10 MiB of response headers by
// default; the client's own transport stops at maxHeaderBytes.
func TestTheDefaultClientBoundsResponseHeaders(t *testing.T) {
	c, _, _ := setup(t, paddedHeaders(200, 1000))
	_, err := c.Revoke(context.Background(), "sit_1")
	var apiErr *Error
	if err == nil || errors.As(err, &apiErr) || !strings.Contains(err.Error(), "exceeded") {
		t.Fatalf("err = %v; want the transport to refuse 200 KB of headers", err)
	}
}

// TestRedirectsAreNeverFollowed: whatever client the library is given, a 3xx comes back as
// an *Error; neither the key nor a Create goes to the Location. The caller's client is not
// modified.
func TestRedirectsAreNeverFollowed(t *testing.T) {
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		writeJSON(w, 200, tokenJSON("sit_1", "pending"))
	}))
	t.Cleanup(target.Close)
	for _, code := range []int{301, 302, 303, 307, 308} {
		callers := &http.Client{}
		for name, opts := range map[string][]Option{"default client": nil, "caller's client": {WithHTTPClient(callers)}} {
			c, _, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target.URL+r.URL.Path, code)
			}, opts...)
			_, errCreate := c.Create(context.Background(), CreateParams{UserID: "user_2abc"})
			_, errRevoke := c.Revoke(context.Background(), "sit_1")
			resp, errRaw := c.Raw().RevokeSignInTokenWithResponse(context.Background(), "sit_1")
			var apiErr *Error
			if !errors.As(errCreate, &apiErr) || apiErr.StatusCode != code || !errors.As(errRevoke, &apiErr) {
				t.Errorf("%d, %s: Create %v, Revoke %v; want the %d as an *Error", code, name, errCreate, errRevoke, code)
			}
			if errRaw != nil || resp.StatusCode() != code {
				t.Errorf("%d, %s: Raw = %v, %v", code, name, resp, errRaw)
			}
		}
		if callers.CheckRedirect != nil {
			t.Fatalf("the caller's client was modified")
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the redirect target got %d requests, with the key", n)
	}
}

// http.Client parses a redirect's Location before it asks CheckRedirect: a Location that does
// not parse must still come back as an *Error with the status (and the Location, cleaned), not
// as a transport error quoting the server's text. Found by FuzzResponse.
func TestARedirectWithABadLocationIsAnError(t *testing.T) {
	for _, code := range []int{301, 302, 303, 307, 308} {
		c, _, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "%zz")
			w.WriteHeader(code)
		})
		for name, call := range map[string]func() error{
			"Create": func() error { _, err := c.Create(context.Background(), CreateParams{UserID: "user_2abc"}); return err },
			"Revoke": func() error { _, err := c.Revoke(context.Background(), "sit_1"); return err },
		} {
			err := call()
			var apiErr *Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != code {
				t.Errorf("%d, %s: %v (%T); want an *Error with status %d", code, name, err, err, code)
				continue
			}
			if got := apiErr.Header.Get("Location"); got != "%zz" {
				t.Errorf("%d, %s: Error.Header Location = %q, want the server's", code, name, got)
			}
		}
	}
}

// TestBoundedBodyStopsAtItsBound: a body of exactly maxBodyBytes is read whole; one byte more
// fails with errBodyTooLarge, and the byte past the bound is never handed out, nor anything
// on a later read.
func TestBoundedBodyStopsAtItsBound(t *testing.T) {
	for _, chunk := range []int{1, 4096, 2 * maxBodyBytes} {
		for _, size := range []int{maxBodyBytes, maxBodyBytes + 1} {
			b := &boundedBody{ReadCloser: io.NopCloser(&chunked{s: strings.Repeat("x", size), n: chunk}), left: maxBodyBytes}
			got, err := io.ReadAll(b)
			if size == maxBodyBytes && (err != nil || len(got) != size) {
				t.Errorf("chunks of %d, %d bytes: read %d, %v; want all of it", chunk, size, len(got), err)
			}
			if size > maxBodyBytes {
				if !errors.Is(err, errBodyTooLarge) || len(got) != maxBodyBytes {
					t.Errorf("chunks of %d, %d bytes: read %d, %v; want %d and errBodyTooLarge", chunk, size, len(got), err, maxBodyBytes)
				}
				if n, err := b.Read(make([]byte, 8)); n != 0 || !errors.Is(err, errBodyTooLarge) {
					t.Errorf("chunks of %d: a read after the bound = %d, %v", chunk, n, err)
				}
			}
		}
	}
}
