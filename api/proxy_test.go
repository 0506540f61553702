package api

import (
	"context"
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
