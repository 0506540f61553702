package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/gen"
)

// roundTripFunc is a RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestAWrapperGetsTheClientsOwnTransport: a wrapper wraps the transport the client would
// have used, with its settings, not a new one; with WithHTTPClient, that client's.
func TestAWrapperGetsTheClientsOwnTransport(t *testing.T) {
	var wrapped http.RoundTripper
	var through atomic.Int32
	wrapper := WithTransportWrapper(func(rt http.RoundTripper) http.RoundTripper {
		wrapped = rt
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			through.Add(1)
			return rt.RoundTrip(r)
		})
	})
	c, _, _ := setup(t, okToken("sit_1", "pending"), wrapper)
	if _, err := c.Create(context.Background(), CreateParams{UserID: "user_2abc"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Raw().RevokeSignInTokenWithResponse(context.Background(), "sit_1"); err != nil {
		t.Fatal(err)
	}
	if n := through.Load(); n != 2 {
		t.Fatalf("%d requests went through the wrapper; want 2 (Create and Raw's Revoke)", n)
	}
	inner, ok := wrapped.(sendOnce)
	if !ok || inner.rt != c.hc.Transport {
		t.Fatalf("the wrapper got %#v; want the client's own transport under sendOnce", wrapped)
	}
	if tr := c.hc.Transport.(*http.Transport); tr.MaxConnsPerHost != connsPerHost || tr.MaxResponseHeaderBytes != maxHeaderBytes {
		t.Fatalf("the wrapped transport lost the client's settings: %+v", tr)
	}

	callers := &http.Client{Transport: &http.Transport{}}
	c, _, _ = setup(t, okToken("sit_1", "pending"), WithHTTPClient(callers), wrapper)
	if _, err := c.Create(context.Background(), CreateParams{UserID: "user_2abc"}); err != nil {
		t.Fatal(err)
	}
	if inner, ok := wrapped.(sendOnce); !ok || inner.rt != callers.Transport {
		t.Fatalf("with WithHTTPClient the wrapper got %#v; want the caller's transport", wrapped)
	}
}

// TestWrappersApplyInOrder: each wrapper wraps what the ones before it made, so the last
// given sees a request first.
func TestWrappersApplyInOrder(t *testing.T) {
	var order []string
	named := func(name string) Option {
		return WithTransportWrapper(func(rt http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				order = append(order, name)
				return rt.RoundTrip(r)
			})
		})
	}
	c, _, _ := setup(t, okToken("sit_1", "pending"), named("first"), named("second"))
	if _, err := c.Revoke(context.Background(), "sit_1"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(order, ","); got != "second,first" {
		t.Fatalf("wrappers saw the request in the order %s; want second,first", got)
	}
}

func TestANilWrapperIsRefused(t *testing.T) {
	for name, w := range map[string]func(http.RoundTripper) http.RoundTripper{
		"nil function": nil,
		"nil returned": func(http.RoundTripper) http.RoundTripper { return nil },
	} {
		if _, err := NewClient(testKey, WithTransportWrapper(w)); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: NewClient = %v; want ErrInvalidInput", name, err)
		}
	}
}

// resend returns a wrapper that buffers each request's body and sends it again through the
// transport below: after an error, or always. It is what a naive retrying middleware does, and
// what could mint a second token.
func resend(always bool) func(http.RoundTripper) http.RoundTripper {
	return func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return nil, err
			}
			r.Body.Close()
			var resp *http.Response
			for range 2 {
				try := r.Clone(r.Context())
				try.Body = io.NopCloser(bytes.NewReader(body))
				try.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
				resp, err = rt.RoundTrip(try)
				if err == nil && !always {
					return resp, nil
				}
				if err == nil {
					resp.Body.Close()
				}
			}
			return resp, err
		})
	}
}

// TestAWrapperCannotReplay: whatever a wrapper does, a request reaches the transport below
// it at most once, and only the client decides whether to try again: a second Create would
// mint a second token. When the answer is lost (the connection drops after the server read
// the request) Create returns the error; when it came, the wrapper's second send is refused.
func TestAWrapperCannotReplay(t *testing.T) {
	lostThenOK := answer(dropConnection, okToken("sit_1", "pending"))
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		wrapper func(http.RoundTripper) http.RoundTripper
		refused bool // the error is errResent (else: the lost answer's)
	}{
		{"resends after a lost answer", lostThenOK, resend(false), false},
		{"always sends twice", okToken("sit_1", "pending"), resend(true), true},
		{"drops the context", okToken("sit_1", "pending"), func(rt http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				return rt.RoundTrip(r.WithContext(context.Background()))
			})
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, srv, _ := setup(t, tc.handler, WithTransportWrapper(tc.wrapper), fastRetries(4))
			tok, err := c.Create(context.Background(), CreateParams{UserID: "user_2abc"})
			if err == nil || tc.refused && !errors.Is(err, errResent) {
				t.Errorf("Create = %v, %v; want an error (refused: %t)", tok, err, tc.refused)
			}
			if n := len(srv.Requests()); n > 1 {
				t.Fatalf("the server got %d Creates; a wrapper replayed one", n)
			}
		})
	}
}

// TestRetriesStillWorkThroughAWrapper: the client's own decision to retry what cannot have
// reached Clerk (a refused dial) holds through a wrapper, which sees each attempt once.
func TestRetriesStillWorkThroughAWrapper(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close() // nothing listens there now: every dial is refused
	var through atomic.Int32
	c, err := NewClient(testKey, WithBaseURL("http://"+closed), fastRetries(3),
		WithTransportWrapper(func(rt http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				through.Add(1)
				return rt.RoundTrip(r)
			})
		}))
	if err != nil {
		t.Fatal(err)
	}
	c.wait = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	if _, err := c.Create(context.Background(), CreateParams{UserID: "user_2abc"}); err == nil {
		t.Fatal("Create to a closed port succeeded")
	}
	if n := through.Load(); n != 3 {
		t.Fatalf("the wrapper saw %d attempts; want 3: a refused dial is retried", n)
	}
}

// TestRequestsLeaveWithoutGetBody: every request reaches the transport with a body it cannot
// rewind, so net/http's transports cannot replay it on their own (HTTP/2 does after a
// GOAWAY or a PROTOCOL_ERROR reset, which may come after Clerk acted: see noReplay; the
// internal/h2test module proves that end to end, in a minute). Here the transport at the
// bottom checks each request as it arrives, for every call, with and without a wrapper that
// puts a GetBody back.
func TestRequestsLeaveWithoutGetBody(t *testing.T) {
	var bad []string
	bottom := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.GetBody != nil || r.Body == nil || r.Body == http.NoBody {
			bad = append(bad, r.Method+" "+r.URL.Path)
		}
		if r.Body != nil {
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
		}
		return &http.Response{
			StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Request: r,
			Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"object":"sign_in_token","id":"sit_1","status":"pending","user_id":"user_2abc",` +
				`"token":"t","url":"https://example.accounts.dev/?t","created_at":1,"updated_at":1}`)),
		}, nil
	})
	putGetBodyBack := WithTransportWrapper(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			r = r.Clone(r.Context())
			r.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
			return rt.RoundTrip(r)
		})
	})
	ctx := context.Background()
	for name, opts := range map[string][]Option{"no wrapper": nil, "a wrapper that puts GetBody back": {putGetBodyBack}} {
		c, err := NewClient(testKey, append([]Option{WithBaseURL("https://api.clerk.test"), WithHTTPClient(&http.Client{Transport: bottom})}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Create(ctx, CreateParams{UserID: "user_2abc"}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Revoke(ctx, "sit_1"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Raw().CreateSignInTokenWithResponse(ctx, gen.CreateSignInTokenJSONRequestBody{UserID: "user_2abc"}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Raw().RevokeSignInTokenWithResponse(ctx, "sit_1"); err != nil {
			t.Fatal(err)
		}
		if len(bad) > 0 {
			t.Fatalf("%s: these requests reached the transport with a GetBody or a body it may resend: %v", name, bad)
		}
	}
}

// TestAWrapperCannotSendAfterItReturned: a wrapper that answers at once (here a 429, which
// Create retries) and sends the request later, on a goroutine of its own, would reach Clerk
// with an attempt the client already counted as not sent, beside the retry: two tokens. A
// request that reaches sendOnce after the client's call for it returned is refused unsent.
func TestAWrapperCannotSendAfterItReturned(t *testing.T) {
	late := make(chan error, 4)
	createReturned := make(chan struct{})
	var calls atomic.Int32
	wrapper := func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if calls.Add(1) > 1 {
				return rt.RoundTrip(r)
			}
			go func() {
				<-createReturned
				resp, err := rt.RoundTrip(r)
				if err == nil {
					resp.Body.Close()
				}
				late <- err
			}()
			return &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"0"}},
				Body: io.NopCloser(strings.NewReader(`{"errors":[]}`)), Request: r}, nil
		})
	}
	// A caller's client without a Timeout: nothing then cancels the request's context when
	// the client's call returns (http.Client does, with one).
	c, srv, _ := setup(t, okToken("sit_1", "pending"), WithHTTPClient(&http.Client{}), WithTransportWrapper(wrapper), fastRetries(4))
	_, err := c.Create(context.Background(), CreateParams{UserID: "user_2abc"})
	close(createReturned)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-late:
		if !errors.Is(err, errResent) {
			t.Errorf("the wrapper's late send returned %v; want errResent", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the wrapper's late send did not return")
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("the server got %d Creates; want 1 (the late send went through)", n)
	}
}

// TestAWrapperThatReturnsBeforeItsSendEndsIsNotRetried: a wrapper that gives up waiting (its
// own timeout) and returns while the request it passed on is still on its way, here still
// dialling, leaves a request that may yet reach Clerk. The client did not know: the attempt
// had asked for a connection and not got one, which reads as "never sent", so Create was tried
// again, and when the abandoned send went on, Clerk minted twice. An attempt whose send has
// not returned counts as sent, whatever the wrapper answered.
func TestAWrapperThatReturnsBeforeItsSendEndsIsNotRetried(t *testing.T) {
	for name, answer := range map[string]func(*http.Request) (*http.Response, error){
		"an error": func(*http.Request) (*http.Response, error) { return nil, errors.New("wrapper: gave up waiting") },
		"a 429": func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"0"}},
				Body: io.NopCloser(strings.NewReader(`{"errors":[]}`)), Request: r}, nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			dialling := make(chan struct{}, 8)
			release := make(chan struct{})
			var dials atomic.Int32
			callers := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				if dials.Add(1) == 1 {
					dialling <- struct{}{}
					<-release // the first dial is slow
				}
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			}}}
			t.Cleanup(callers.CloseIdleConnections)
			late := make(chan struct{})
			var calls atomic.Int32
			wrapper := func(rt http.RoundTripper) http.RoundTripper {
				return roundTripFunc(func(r *http.Request) (*http.Response, error) {
					if calls.Add(1) > 1 {
						return rt.RoundTrip(r)
					}
					go func() {
						defer close(late)
						if resp, err := rt.RoundTrip(r); err == nil {
							io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
						}
					}()
					select {
					case <-dialling: // the send is under way; the wrapper stops waiting for it
					case <-late: // it ended without dialling: the test fails below
					}
					return answer(r)
				})
			}
			c, srv, _ := setup(t, okToken("sit_1", "pending"), WithHTTPClient(callers), WithTransportWrapper(wrapper), fastRetries(4))
			_, err := c.Create(context.Background(), CreateParams{UserID: "user_2abc"})
			close(release)
			<-late
			if n := len(srv.Requests()); n > 1 {
				t.Fatalf("the server got %d Creates (Create = %v): the client retried while the wrapper's send was still on its way", n, err)
			}
			if err == nil || !MayHaveActed(err) {
				t.Errorf("Create = %v; want an error saying the request may have been acted on", err)
			}
		})
	}
}
