package api

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// withDial replaces the default transport's dialer: the test's stand-in for a resolver
// that sends a name elsewhere, with no DNS involved.
func withDial(d dialFunc) Option { return func(c *config) { c.dial = d } }

// tlsServer starts a TLS server with config (nil: httptest's) that answers a token and
// counts the requests it gets. Handshakes it refuses are not logged: the tests expect them.
func tlsServer(t *testing.T, config *tls.Config) (*httptest.Server, *atomic.Int32) {
	hits := new(atomic.Int32)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		writeJSON(w, 200, tokenJSON("sit_1", "pending"))
	}))
	srv.TLS = config
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, hits
}

// TestTheDefaultClientChecksCertificatesWhateverDefaultTransportSays: a program (or a test
// helper in it) that turned certificate checks off on http.DefaultTransport must not turn
// them off for the client's own transport, which carries the key.
func TestTheDefaultClientChecksCertificatesWhateverDefaultTransportSays(t *testing.T) {
	dt := http.DefaultTransport.(*http.Transport)
	saved := dt.TLSClientConfig
	dt.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	t.Cleanup(func() { dt.TLSClientConfig = saved })

	srv, hits := tlsServer(t, nil)
	c, err := NewClient(testKey, WithBaseURL(srv.URL), noRetries())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Create(context.Background(), CreateParams{UserID: "user_2abc"})
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("Create to a server with an untrusted certificate: %v; want a certificate error", err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the unverified server got %d requests, with the key", n)
	}
}

// TestTheDefaultClientSpeaksTLS12AtLeast: a server that offers at most TLS 1.1 is refused,
// whatever Go's defaults or GODEBUG say.
func TestTheDefaultClientSpeaksTLS12AtLeast(t *testing.T) {
	srv, hits := tlsServer(t, &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11})
	c, err := NewClient(testKey, WithBaseURL(srv.URL), noRetries())
	if err != nil {
		t.Fatal(err)
	}
	// Trust the server's certificate, as a private CA would be trusted; nothing else changes.
	c.hc.Transport.(*http.Transport).TLSClientConfig.RootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	_, err = c.Create(context.Background(), CreateParams{UserID: "user_2abc"})
	if err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Fatalf("Create over TLS 1.1: %v; want the handshake refused", err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the TLS 1.1 server got %d requests", n)
	}
}

// TestALiveKeyIsNeverSentOverPlainHTTP: plain http is for tests and the fake, which refuses
// live keys; a live key with an http base URL is refused by NewClient, loopback included,
// whatever client sends, and the error does not repeat the key.
func TestALiveKeyIsNeverSentOverPlainHTTP(t *testing.T) {
	const liveKey = "sk_live_0123456789abcdefSECRETKEY"
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		writeJSON(w, 200, tokenJSON("sit_1", "pending"))
	}))
	t.Cleanup(srv.Close)
	for _, base := range []string{srv.URL, srv.URL + "/v1", "http://localhost:8080", "http://[::1]:8080"} {
		for name, opts := range map[string][]Option{"default client": nil, "caller's client": {WithHTTPClient(srv.Client())}} {
			c, err := NewClient(liveKey, append([]Option{WithBaseURL(base)}, opts...)...)
			if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "plain http") {
				t.Errorf("%s, %s: NewClient = %v, %v; want ErrInvalidInput naming plain http", base, name, c, err)
			}
			if err != nil && strings.Contains(err.Error(), "SECRETKEY") {
				t.Errorf("the error repeats the key: %v", err)
			}
			if c != nil {
				c.Create(context.Background(), CreateParams{UserID: "user_2abc"})
			}
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the plain-http server got %d requests with a live key", n)
	}
	if _, err := NewClient(liveKey, WithBaseURL("https://127.0.0.1:8443")); err != nil {
		t.Fatalf("a live key over https: %v", err)
	}
}

// misdirected is a connection to a loopback test server that says it reached remote: what a
// dial looks like when a name (here "localhost") resolved to another machine.
type misdirected struct {
	net.Conn
	remote net.Addr
}

func (m misdirected) RemoteAddr() net.Addr { return m.remote }

// TestPlainHTTPGoesOnlyToALoopbackAddress: "localhost" is a name, resolved through
// /etc/hosts and DNS like any other; the client checks the address each connection reached,
// and one that is not loopback is closed before anything, the key above all, is written on
// it. The call is not retried: another attempt would dial the same name. With the client's
// own transport the dialer checks; with a caller's, the connection the transport reports.
func TestPlainHTTPGoesOnlyToALoopbackAddress(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	received := make(chan int64, 16)
	acceptAll(t, l, func(c net.Conn) {
		n, _ := io.Copy(io.Discard, c)
		c.Close()
		received <- n
	})

	for _, remote := range []string{"203.0.113.7:80", "[2001:db8::7]:80", "10.0.0.1:80"} {
		var dials atomic.Int32
		elsewhere, err := net.ResolveTCPAddr("tcp", remote)
		if err != nil {
			t.Fatal(err)
		}
		dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
			dials.Add(1)
			c, err := (&net.Dialer{}).DialContext(ctx, network, l.Addr().String())
			if err != nil {
				return nil, err
			}
			return misdirected{c, elsewhere}, nil
		}
		callers := &http.Client{Transport: &http.Transport{DialContext: dial}}
		for name, opt := range map[string]Option{"default client": withDial(dial), "caller's client": WithHTTPClient(callers)} {
			dials.Store(0)
			c, err := NewClient(testKey, WithBaseURL("http://localhost:8080"), opt, fastRetries(4))
			if err != nil {
				t.Fatal(err)
			}
			// The bound only ends a call that sent the request: the listener never answers.
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_, err = c.Create(ctx, CreateParams{UserID: "user_2abc"})
			cancel()
			c.hc.CloseIdleConnections()
			if !errors.Is(err, errNotLoopback) || !errors.Is(err, ErrInvalidInput) {
				t.Errorf("%s, localhost resolved to %s: Create = %v; want errNotLoopback", name, remote, err)
			}
			if n := dials.Load(); n != 1 {
				t.Errorf("%s, localhost resolved to %s: %d dials; want 1, the refusal not retried", name, remote, n)
			}
			if n := <-received; n != 0 {
				t.Errorf("%s, localhost resolved to %s: %d bytes were sent on the connection", name, remote, n)
			}
		}
	}
}
