package proxytest_test

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elazarl/goproxy"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
)

// proxy is the forward proxy every test goes through, a goproxy server on loopback: net/http
// reads HTTPS_PROXY and NO_PROXY once per process, so TestMain starts it and sets them before
// any test runs. A test says where a CONNECT to a name goes (route) and which CONNECTs to
// refuse (refuse).
var proxy struct {
	mu       sync.Mutex
	routes   map[string]string // CONNECT target (host:port) -> the loopback address it reaches
	refuse   []int             // statuses for the next CONNECTs; 0: close the connection unanswered
	connects []string          // every CONNECT target asked for, in order
	forwards []string          // every plain http request the proxy forwarded, by its URL
}

// The names the tests use, none of them resolved: the proxy maps example.com to a loopback
// server (httptest's certificate is valid for example.com), and bypass.invalid is in NO_PROXY.
const (
	proxiedHost = "example.com"
	bypassHost  = "bypass.invalid"
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "proxytest")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// Every httptest TLS server has the same certificate; the client trusts it as it would a
	// system root, so that the default client is used as it is, with nothing set by the test.
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	certFile := filepath.Join(dir, "cert.pem")
	err = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw}), 0o600)
	tlsSrv.Close()
	if err != nil {
		log.Fatal(err)
	}

	gp := goproxy.NewProxyHttpServer() // before HTTPS_PROXY is set: it would chain to itself
	gp.Logger = log.New(io.Discard, "", 0)
	gp.ConnectDial = func(network, addr string) (net.Conn, error) {
		proxy.mu.Lock()
		to, ok := proxy.routes[addr]
		proxy.mu.Unlock()
		if !ok {
			return nil, fmt.Errorf("proxytest: no route to %s", addr)
		}
		return net.Dial(network, to)
	}
	gp.OnRequest().HandleConnectFunc(func(host string, ctx *goproxy.ProxyCtx) (*goproxy.ConnectAction, string) {
		proxy.mu.Lock()
		defer proxy.mu.Unlock()
		proxy.connects = append(proxy.connects, host)
		if len(proxy.refuse) == 0 {
			return goproxy.OkConnect, host
		}
		code := proxy.refuse[0]
		proxy.refuse = proxy.refuse[1:]
		if code != 0 {
			ctx.Resp = goproxy.NewResponse(ctx.Req, goproxy.ContentTypeText, code, http.StatusText(code))
		}
		return goproxy.RejectConnect, host
	})
	// A plain http request goes to a proxy as GET http://host/…, not as a CONNECT: it is
	// recorded apart, so that a test can see the key would have reached the proxy in clear.
	gp.OnRequest().DoFunc(func(r *http.Request, _ *goproxy.ProxyCtx) (*http.Request, *http.Response) {
		proxy.mu.Lock()
		defer proxy.mu.Unlock()
		proxy.forwards = append(proxy.forwards, r.URL.String())
		return r, nil
	})
	proxySrv := httptest.NewServer(gp)
	defer proxySrv.Close()

	for k, v := range map[string]string{
		"SSL_CERT_FILE": certFile, "HTTPS_PROXY": proxySrv.URL, "HTTP_PROXY": proxySrv.URL, "NO_PROXY": bypassHost,
		"https_proxy": "", "http_proxy": "", "no_proxy": "", "REQUEST_METHOD": "",
	} {
		os.Setenv(k, v)
	}
	return m.Run()
}

// fake starts the fake Clerk API over TLS on loopback, routes CONNECTs to name:443 to it,
// and returns a default client (nothing but the base URL and the key set) pointed at name.
func fake(t *testing.T, name string, opts ...api.Option) (*clienttest.Handler, *api.Client) {
	t.Helper()
	const key = "sk_test_proxytestSECRETKEY"
	h, err := clienttest.NewHandler(clienttest.WithSecretKey(key), clienttest.OnViolation(func(msg string) { t.Errorf("clienttest: %s", msg) }))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(func() { h.Close(); srv.Close() })
	proxy.mu.Lock()
	proxy.routes = map[string]string{name + ":443": srv.Listener.Addr().String()}
	proxy.refuse, proxy.connects = nil, nil
	proxy.mu.Unlock()
	c, err := api.NewClient(key, append([]api.Option{api.WithBaseURL("https://" + name)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return h, c
}

func connects() []string {
	proxy.mu.Lock()
	defer proxy.mu.Unlock()
	return append([]string(nil), proxy.connects...)
}

func refuseNext(codes ...int) {
	proxy.mu.Lock()
	defer proxy.mu.Unlock()
	proxy.refuse = codes
}

var quickRetries = api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond})

// TestTheDefaultClientGoesThroughHTTPSProxy: with HTTPS_PROXY set, the default client reaches
// Clerk through the proxy's CONNECT tunnel, as net/http's own default client would.
func TestTheDefaultClientGoesThroughHTTPSProxy(t *testing.T) {
	h, c := fake(t, proxiedHost)
	tok, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Revoke(context.Background(), tok.ID); err != nil {
		t.Fatal(err)
	}
	if got := connects(); len(got) == 0 || got[0] != proxiedHost+":443" {
		t.Fatalf("the proxy saw CONNECTs %v; want %s:443", got, proxiedHost)
	}
	if n := len(h.Requests()); n != 2 {
		t.Fatalf("the fake got %d requests; want 2", n)
	}
}

// TestARefusedCONNECTIsRetried: a proxy that refuses the CONNECT (403, 407, 502, or a
// connection closed without an answer) passed nothing on, so Clerk cannot have seen the
// request and Create is tried again; the token is minted once.
func TestARefusedCONNECTIsRetried(t *testing.T) {
	for _, code := range []int{http.StatusForbidden, http.StatusProxyAuthRequired, http.StatusBadGateway, 0} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			h, c := fake(t, proxiedHost, quickRetries)
			refuseNext(code)
			tok, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"})
			if err != nil {
				t.Fatalf("Create after one refused CONNECT: %v; want it retried", err)
			}
			if n := len(connects()); n != 2 {
				t.Errorf("the proxy saw %d CONNECTs; want 2", n)
			}
			if toks := h.Tokens(); len(toks) != 1 || toks[0].ID != tok.ID {
				t.Errorf("the fake holds %d tokens; want the one Create returned", len(toks))
			}
		})
	}
}

// TestNoProxyIsHonoured: a host in NO_PROXY is dialled directly, never through the proxy
// (the name does not resolve, so the call fails; what matters is where it went).
func TestNoProxyIsHonoured(t *testing.T) {
	_, c := fake(t, bypassHost, api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 1}))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := c.Create(ctx, api.CreateParams{UserID: "user_2abc"}); err == nil {
		t.Fatalf("Create to %s succeeded; the name should not resolve", bypassHost)
	}
	if got := connects(); len(got) != 0 {
		t.Fatalf("the proxy saw CONNECTs %v for a host in NO_PROXY", got)
	}
}

// TestLoopbackIsNeverProxied: plain http to the fake on loopback goes direct, as net/http
// does for loopback hosts whatever HTTP_PROXY says; the key never reaches a proxy in clear.
func TestLoopbackIsNeverProxied(t *testing.T) {
	s := clienttest.NewServer(t)
	proxy.mu.Lock()
	proxy.connects, proxy.forwards = nil, nil
	proxy.mu.Unlock()
	c, err := api.NewClient(s.SecretKey(), api.WithBaseURL(s.URL()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(context.Background(), api.CreateParams{UserID: "user_2abc"}); err != nil {
		t.Fatal(err)
	}
	got := connects()
	proxy.mu.Lock()
	got = append(got, proxy.forwards...)
	proxy.mu.Unlock()
	if len(got) != 0 || !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Fatalf("the proxy saw %v", got)
	}
}
