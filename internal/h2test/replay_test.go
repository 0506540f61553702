//lint:file-ignore SA1019 x/net/http2.Transport is deprecated, but a caller's client may still use it: it is tested on purpose.

package h2test_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/clienttest"
	"github.com/clerkgen/signintokens/gen"
	"golang.org/x/net/http2"
)

const testKey = "sk_test_h2testSECRETKEY"

// transports are the ways a Create reaches the wire: the api package's own default client, a
// caller's *http.Client (over net/http's bundled HTTP/2, or x/net/http2's Transport), and the
// generated client behind Client.Raw.
var transports = []struct {
	name   string
	client func(t *testing.T, srv *h2Server, maxAttempts int) createFunc
}{
	{"default client", func(t *testing.T, srv *h2Server, n int) createFunc {
		return facade(newClient(t, srv, n))
	}},
	{"caller's client", func(t *testing.T, srv *h2Server, n int) createFunc {
		hc := &http.Client{Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: testPool},
			ForceAttemptHTTP2: true,
		}}
		t.Cleanup(hc.CloseIdleConnections)
		return facade(newClient(t, srv, n, api.WithHTTPClient(hc)))
	}},
	{"x/net/http2 Transport", func(t *testing.T, srv *h2Server, n int) createFunc {
		tr := &http2.Transport{TLSClientConfig: &tls.Config{RootCAs: testPool}}
		t.Cleanup(tr.CloseIdleConnections)
		return facade(newClient(t, srv, n, api.WithHTTPClient(&http.Client{Transport: tr})))
	}},
	// clienttest's ContractTransport, as its documentation shows it: between an api.Client and
	// a real Clerk over HTTP/2. It copies the request to check it; the copy must stay as
	// impossible to replay as the original.
	{"clienttest.ContractTransport", func(t *testing.T, srv *h2Server, n int) createFunc {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: testPool}, ForceAttemptHTTP2: true}
		t.Cleanup(tr.CloseIdleConnections)
		hc := &http.Client{Transport: clienttest.ContractTransport(t, tr)}
		return facade(newClient(t, srv, n, api.WithHTTPClient(hc)))
	}},
	{"Raw", func(t *testing.T, srv *h2Server, n int) createFunc {
		c := newClient(t, srv, n)
		return func(ctx context.Context) error {
			resp, err := c.Raw().CreateSignInTokenWithResponse(ctx, gen.CreateSignInTokenJSONRequestBody{UserID: "user_2abc"})
			if err == nil && resp.JSON200 == nil {
				return http.ErrNotSupported // any non-200: not a success
			}
			return err
		}
	}},
}

type createFunc func(ctx context.Context) error

func facade(c *api.Client) createFunc {
	return func(ctx context.Context) error {
		_, err := c.Create(ctx, api.CreateParams{UserID: "user_2abc"})
		return err
	}
}

func newClient(t *testing.T, srv *h2Server, maxAttempts int, opts ...api.Option) *api.Client {
	t.Helper()
	opts = append([]api.Option{
		api.WithBaseURL(srv.URL() + "/v1"),
		api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: maxAttempts, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}),
	}, opts...)
	c, err := api.NewClient(testKey, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCreateReachesTheServerOncePerAttempt sends one Create against a server that refuses,
// resets or shuts down the stream, and counts the POSTs it saw. net/http's HTTP/2 transport
// would replay the request on its own (GOAWAY, REFUSED_STREAM, PROTOCOL_ERROR), unseen by
// the retry loop; the api package must never let it, and may retry only where the protocol
// guarantees the server did not process the request, within MaxAttempts.
func TestCreateReachesTheServerOncePerAttempt(t *testing.T) {
	for _, tc := range []struct {
		name  string
		react reaction
		// posts the server sees for one Create with MaxAttempts 1 and with MaxAttempts 3,
		// and whether the Create with retries succeeds.
		once, withRetries int
		succeeds          bool
	}{
		{"REFUSED_STREAM every time", reset(http2.ErrCodeRefusedStream), 1, 3, false},
		{"REFUSED_STREAM then 200", firstThen(reset(http2.ErrCodeRefusedStream), answer200), 1, 2, true},
		{"GOAWAY below the stream then 200", firstThen(goAway(false), answer200), 1, 2, true},
		{"GOAWAY below the stream every time", goAway(false), 1, 3, false},
		{"GOAWAY naming the stream processed", firstThen(goAway(true), answer200), 1, 1, false},
		{"PROTOCOL_ERROR reset", firstThen(reset(http2.ErrCodeProtocol), answer200), 1, 1, false},
		{"INTERNAL_ERROR reset", firstThen(reset(http2.ErrCodeInternal), answer200), 1, 1, false},
		{"CANCEL reset", firstThen(reset(http2.ErrCodeCancel), answer200), 1, 1, false},
		{"ENHANCE_YOUR_CALM reset", firstThen(reset(http2.ErrCodeEnhanceYourCalm), answer200), 1, 1, false},
	} {
		for _, tr := range transports {
			for _, attempts := range []int{1, 3} {
				want, wantOK := tc.once, false
				if attempts > 1 {
					want, wantOK = tc.withRetries, tc.succeeds
				}
				if tr.name == "Raw" {
					// Raw sends once, as given: no retries of the library's own.
					want, wantOK = 1, false
				}
				t.Run(tc.name+"/"+tr.name+"/MaxAttempts "+string(rune('0'+attempts)), func(t *testing.T) {
					srv := newH2Server(t, tc.react)
					create := tr.client(t, srv, attempts)
					ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
					defer cancel()
					err := create(ctx)
					if got := int(srv.posts.Load()); got != want {
						t.Errorf("server saw %d POSTs for one Create (err %v); want %d", got, err, want)
					}
					if (err == nil) != wantOK {
						t.Errorf("Create: err = %v; want success %t", err, wantOK)
					}
					if ctx.Err() != nil {
						t.Errorf("Create ran until its context ended: %v", err)
					}
				})
			}
		}
	}
}

// TestRevokeIsBoundedByMaxAttempts: Revoke may be repeated (revoking twice does no harm), but
// a server resetting every stream must not get more requests than the attempts it was allowed.
func TestRevokeIsBoundedByMaxAttempts(t *testing.T) {
	for name, react := range map[string]reaction{
		"REFUSED_STREAM": reset(http2.ErrCodeRefusedStream), "PROTOCOL_ERROR": reset(http2.ErrCodeProtocol),
		"INTERNAL_ERROR": reset(http2.ErrCodeInternal), "GOAWAY": goAway(false),
	} {
		t.Run(name, func(t *testing.T) {
			srv := newH2Server(t, react)
			c := newClient(t, srv, 3)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			if _, err := c.Revoke(ctx, "sit_1"); err == nil {
				t.Fatal("Revoke succeeded against a server that resets every stream")
			}
			if got := srv.posts.Load(); got > 3 {
				t.Errorf("server saw %d revocations with MaxAttempts 3", got)
			}
			if ctx.Err() != nil {
				t.Errorf("Revoke ran until its context ended")
			}
		})
	}
}

// TestHTTP2Succeeds is the control: the raw server does speak HTTP/2 to every transport.
func TestHTTP2Succeeds(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			srv := newH2Server(t, answer200)
			if err := tr.client(t, srv, 1)(context.Background()); err != nil {
				t.Fatal(err)
			}
			if srv.posts.Load() != 1 {
				t.Fatalf("posts = %d", srv.posts.Load())
			}
		})
	}
	t.Run("Revoke", func(t *testing.T) {
		// Revoke's request carries an empty body of a type of its own, so that no transport
		// can replay it; over HTTP/2 that is an empty DATA frame ending the stream.
		srv := newH2Server(t, answer200)
		if _, err := newClient(t, srv, 1).Revoke(context.Background(), "sit_1"); err != nil {
			t.Fatal(err)
		}
	})
}
