package api

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

// TestACONNECTTheProxyRefusedIsRetried: a proxy that refuses the CONNECT (403, 407, 502) never
// passed the request on, so Clerk cannot have seen it and Create is tried again. net/http
// reports the refusal only as the status text; what tells the client is that the transport
// asked for a connection and never got one. (internal/proxytest proves it through a real
// forward proxy, with the proxy taken from HTTPS_PROXY.)
func TestACONNECTTheProxyRefusedIsRetried(t *testing.T) {
	for _, code := range []int{http.StatusForbidden, http.StatusProxyAuthRequired, http.StatusBadGateway} {
		var connects atomic.Int32
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodConnect {
				connects.Add(1)
			}
			w.WriteHeader(code)
		}))
		t.Cleanup(proxy.Close)
		proxyURL, _ := url.Parse(proxy.URL)
		callers := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}}
		t.Cleanup(callers.CloseIdleConnections)
		for name, opts := range map[string][]Option{"default client": nil, "caller's client": {WithHTTPClient(callers)}} {
			connects.Store(0)
			c, err := NewClient(testKey, append([]Option{WithBaseURL("https://api.clerk.test"), fastRetries(3)}, opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			if tr, ok := c.hc.Transport.(*http.Transport); ok && c.hc != callers {
				tr.Proxy = http.ProxyURL(proxyURL) // as HTTPS_PROXY would, which net/http reads once per process
			}
			c.wait = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
			if _, err := c.Create(context.Background(), CreateParams{UserID: "user_2abc"}); err == nil {
				t.Fatalf("%d, %s: Create through a refusing proxy succeeded", code, name)
			}
			if n := connects.Load(); n != 3 {
				t.Errorf("%d, %s: %d CONNECTs; want 3: a refused CONNECT sent nothing to Clerk, so Create is retried", code, name, n)
			}
		}
	}
}

// TestACONNECTClosedBeforeTLSIsRetried: a proxy that accepts the CONNECT (200) and then closes
// the tunnel before the TLS handshake is done passed on at most a ClientHello: the request is
// written only on a finished handshake, so Clerk cannot have seen it and Create is tried again.
func TestACONNECTClosedBeforeTLSIsRetried(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var connects atomic.Int32
	acceptAll(t, l, func(c net.Conn) {
		defer c.Close()
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil || req.Method != http.MethodConnect {
			return
		}
		connects.Add(1)
		io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
		c.Read(make([]byte, 512)) // the start of the ClientHello; then the tunnel closes
	})
	proxyURL := &url.URL{Scheme: "http", Host: l.Addr().String()}
	c, err := NewClient(testKey, WithBaseURL("https://api.clerk.test"), fastRetries(3))
	if err != nil {
		t.Fatal(err)
	}
	c.hc.Transport.(*http.Transport).Proxy = http.ProxyURL(proxyURL) // as HTTPS_PROXY would
	c.wait = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	if _, err := c.Create(context.Background(), CreateParams{UserID: "user_2abc"}); err == nil {
		t.Fatal("Create through a tunnel that closes succeeded")
	}
	if n := connects.Load(); n != 3 {
		t.Errorf("%d CONNECTs; want 3: a tunnel closed before TLS sent nothing to Clerk, so Create is retried", n)
	}
}
