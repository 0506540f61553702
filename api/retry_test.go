package api

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/clerkgen/signintokens/internal/ctxsleep"
)

func createOnce(c *Client) (*SignInToken, error) {
	return c.Create(context.Background(), CreateParams{UserID: "user_2abc"})
}

func TestCreateRetriesA429HonouringRetryAfter(t *testing.T) {
	c, srv, waits := setup(t, answer(status(429, "2"), okToken("sit_1", "pending")),
		WithRetryPolicy(RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Second}))
	tok, err := createOnce(c)
	if err != nil || tok.ID != "sit_1" {
		t.Fatalf("Create = %v, %v", tok, err)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
	if len(*waits) != 1 || (*waits)[0] != 2*time.Second {
		t.Fatalf("waits = %v, want [2s] from Retry-After", *waits)
	}
}

func TestA429WithoutRetryAfterBacksOff(t *testing.T) {
	c, srv, waits := setup(t, answer(status(429, ""), status(429, ""), okToken("sit_1", "pending")),
		WithRetryPolicy(RetryPolicy{MaxAttempts: 3, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}))
	if _, err := createOnce(c); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
	if (*waits)[0] > 100*time.Millisecond || (*waits)[1] > 200*time.Millisecond {
		t.Fatalf("waits = %v, want within the doubling window (100ms, 200ms)", *waits)
	}
}

func TestRetryAfterLongerThanMaxDelayReturnsAtOnce(t *testing.T) {
	c, srv, waits := setup(t, status(429, "60"), fastRetries(5))
	_, err := createOnce(c)
	var apiErr *Error
	if !errors.Is(err, ErrRateLimited) || !errors.As(err, &apiErr) || apiErr.RetryAfter != time.Minute {
		t.Fatalf("err = %v, want the rate-limit *Error with its RetryAfter", err)
	}
	if len(srv.Requests()) != 1 || len(*waits) != 0 {
		t.Fatalf("%d requests, waits %v; want 1 and none", len(srv.Requests()), *waits)
	}
}

func TestRetryAfterLongerThanTheContextReturnsAtOnce(t *testing.T) {
	c, srv, waits := setup(t, status(429, "5"),
		WithRetryPolicy(RetryPolicy{MaxAttempts: 5, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Second}))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := c.Revoke(ctx, "sit_1")
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited", err)
	}
	if len(srv.Requests()) != 1 || len(*waits) != 0 {
		t.Fatalf("%d requests, waits %v; want 1 and none", len(srv.Requests()), *waits)
	}
}

func TestCreateIsNeverRetriedAfterA5xx(t *testing.T) {
	for _, code := range []int{500, 502, 503, 504} {
		c, srv, _ := setup(t, answer(status(code, "1"), okToken("sit_1", "pending")), fastRetries(4))
		_, err := createOnce(c)
		var apiErr *Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != code {
			t.Errorf("%d: err = %v", code, err)
		}
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("%d: Create sent %d times; a second attempt could mint a second credential", code, n)
		}
	}
}

func TestCreateIsNotRetriedWhenTheAnswerIsLost(t *testing.T) {
	c, srv, _ := setup(t, answer(dropConnection, okToken("sit_1", "pending")), fastRetries(4))
	if _, err := createOnce(c); err == nil {
		t.Fatal("Create succeeded though its answer was lost")
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("Create sent %d times after the server had read it", n)
	}
}

func TestCreateIsNotRetriedAfterATimeout(t *testing.T) {
	c, srv, _ := setup(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
		WithHTTPClient(&http.Client{Timeout: 50 * time.Millisecond}), fastRetries(4))
	if _, err := createOnce(c); err == nil {
		t.Fatal("Create succeeded though it timed out")
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("Create sent %d times after a timeout", n)
	}
}

// refusingFirstDial dials a closed port the first time, so the first attempt fails before
// anything is written, then dials normally.
func refusingFirstDial(t *testing.T, dials *atomic.Int32, always bool) *http.Client {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 || always {
			addr = closed
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func TestCreateRetriesAConnectionThatFailedBeforeWriting(t *testing.T) {
	var dials atomic.Int32
	c, srv, waits := setup(t, okToken("sit_1", "pending"),
		WithHTTPClient(refusingFirstDial(t, &dials, false)), fastRetries(3))
	tok, err := createOnce(c)
	if err != nil || tok.ID != "sit_1" {
		t.Fatalf("Create = %v, %v", tok, err)
	}
	if dials.Load() != 2 || len(srv.Requests()) != 1 || len(*waits) != 1 {
		t.Fatalf("dials %d, requests %d, waits %v; want 2, 1, one wait", dials.Load(), len(srv.Requests()), *waits)
	}
}

func TestCreateGivesUpAfterMaxAttemptsOfRefusedConnections(t *testing.T) {
	var dials atomic.Int32
	c, _, _ := setup(t, okToken("sit_1", "pending"), WithHTTPClient(refusingFirstDial(t, &dials, true)), fastRetries(3))
	_, err := createOnce(c)
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		t.Fatalf("err = %v, want the dial error", err)
	}
	if dials.Load() != 3 {
		t.Fatalf("%d dials, want MaxAttempts = 3", dials.Load())
	}
}

func TestRevokeRetriesGatewayErrorsAndLostAnswers(t *testing.T) {
	c, srv, waits := setup(t, answer(status(502, ""), status(503, "1"), dropConnection, status(504, ""), okToken("sit_1", "revoked")), fastRetries(5))
	tok, err := c.Revoke(context.Background(), "sit_1")
	if err != nil || tok.Status != StatusRevoked {
		t.Fatalf("Revoke = %v, %v", tok, err)
	}
	if n := len(srv.Requests()); n != 5 {
		t.Fatalf("%d requests, want 5", n)
	}
	if (*waits)[1] != time.Second {
		t.Fatalf("waits = %v; the 503's Retry-After (1s) was not honoured", *waits)
	}
}

func TestRevokeSaysWhenALostAnswerMayHaveRevoked(t *testing.T) {
	cannot := func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, clerkErrors("sign_in_token_cannot_be_revoked_code", "cannot be revoked", "t", nil))
	}
	c, _, _ := setup(t, answer(dropConnection, cannot), fastRetries(3))
	_, err := c.Revoke(context.Background(), "sit_1")
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.Code() != "sign_in_token_cannot_be_revoked_code" {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "may have revoked") {
		t.Fatalf("error %q hides that the first attempt may have succeeded", err)
	}

	// Without an earlier lost answer, the same 400 is plain.
	c, _, _ = setup(t, cannot, fastRetries(3))
	if _, err := c.Revoke(context.Background(), "sit_1"); err == nil || strings.Contains(err.Error(), "may have revoked") {
		t.Fatalf("err = %v", err)
	}
}

func TestClientErrorsAreNeverRetried(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404, 409, 422} {
		c, srv, _ := setup(t, status(code, "1"), fastRetries(4))
		if _, err := c.Revoke(context.Background(), "sit_1"); err == nil {
			t.Errorf("%d: no error", code)
		}
		if _, err := createOnce(c); err == nil {
			t.Errorf("%d: no error", code)
		}
		if n := len(srv.Requests()); n != 2 {
			t.Errorf("%d: %d requests, want one per call", code, n)
		}
	}
}

func TestRetriesStopAtMaxAttempts(t *testing.T) {
	c, srv, waits := setup(t, status(503, ""), fastRetries(3))
	_, err := c.Revoke(context.Background(), "sit_1")
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Fatalf("err = %v, want the last *Error", err)
	}
	if len(srv.Requests()) != 3 || len(*waits) != 2 {
		t.Fatalf("%d requests, %d waits; want 3 and 2", len(srv.Requests()), len(*waits))
	}
}

func TestMaxAttemptsOneTurnsRetriesOff(t *testing.T) {
	c, srv, _ := setup(t, status(503, ""), noRetries())
	if _, err := c.Revoke(context.Background(), "sit_1"); err == nil {
		t.Fatal("no error")
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
}

func TestCancellingTheContextEndsTheWait(t *testing.T) {
	c, _, _ := setup(t, status(429, "9"),
		WithRetryPolicy(RetryPolicy{MaxAttempts: 3, BaseDelay: time.Second, MaxDelay: time.Minute}))
	ctx, cancel := context.WithCancel(context.Background())
	c.wait = func(ctx context.Context, d time.Duration) error {
		cancel() // the caller gives up while the client waits 9s
		return ctxsleep.Sleep(ctx, d)
	}
	_, err := c.Create(ctx, CreateParams{UserID: "user_2abc"})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v; want context.Canceled and the last answer (rate limited)", err)
	}
}

func TestACancelledContextSendsNothingMore(t *testing.T) {
	c, srv, _ := setup(t, okToken("sit_1", "pending"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Create(ctx, CreateParams{UserID: "user_2abc"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests sent on a cancelled context", n)
	}
}

func TestBackoffIsFullJitterCappedAtMaxDelay(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 10, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	for n, window := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 60: time.Second} {
		var top time.Duration
		for range 200 {
			d := p.backoff(n)
			if d < 0 || d > window {
				t.Fatalf("backoff(%d) = %v, outside [0, %v]", n, d, window)
			}
			top = max(top, d)
		}
		if top < window/2 {
			t.Errorf("backoff(%d) never went above %v in 200 draws: no jitter over [0, %v]?", n, top, window)
		}
	}
}

// h2Refusal is how net/http's HTTP/2 transport reports a failure it would have replayed had
// the request kept its GetBody (see noReplay).
func h2Refusal(cause string) error {
	return &url.Error{Op: "Post", URL: "https://api.clerk.com/v1/sign_in_tokens", Err: fmt.Errorf(
		"http2: Transport: cannot retry err [%s] after Request.Body was written; define Request.GetBody to avoid this error", cause)}
}

func transportErr(err error) error {
	return &url.Error{Op: "Post", URL: "https://api.clerk.com/v1/sign_in_tokens", Err: err}
}

// TestRetryDecision is the retry rule in one table: every status, every kind of transport
// failure, for both operations.
func TestRetryDecision(t *testing.T) {
	dial := transportErr(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)})
	type row struct {
		name string
		err  error
		sent bool
		// what the failure says about Clerk, and whether Create and Revoke go again
		effect         effect
		create, revoke bool
	}
	rows := []row{
		{"dial refused", dial, false, notActed, true, true},
		{"connection failed before the request was written", transportErr(io.EOF), false, notActed, true, true},
		{"answer lost after writing", transportErr(io.ErrUnexpectedEOF), true, mayHaveActed, false, true},
		{"connection reset after writing", transportErr(os.NewSyscallError("read", syscall.ECONNRESET)), true, mayHaveActed, false, true},
		{"per-attempt timeout", transportErr(errors.New("context deadline exceeded (Client.Timeout exceeded while awaiting headers)")), true, mayHaveActed, false, true},
		{"HTTP/2 REFUSED_STREAM", h2Refusal("stream error: stream ID 3; REFUSED_STREAM; received from peer"), true, notActed, true, true},
		{"HTTP/2 GOAWAY below the stream", h2Refusal("http2: Transport received Server's graceful shutdown GOAWAY"), true, notActed, true, true},
		{"HTTP/2 PROTOCOL_ERROR", h2Refusal("stream error: stream ID 1; PROTOCOL_ERROR; received from peer"), true, mayHaveActed, false, true},
		{"HTTP/2 REFUSED_STREAM not from the peer", h2Refusal("stream error: stream ID 1; REFUSED_STREAM"), true, mayHaveActed, false, true},
		{"HTTP/2 other reset", transportErr(errors.New("stream error: stream ID 1; INTERNAL_ERROR; received from peer")), true, mayHaveActed, false, true},
		{"HTTP/2 GOAWAY naming the stream", transportErr(errors.New("http2: client connection lost")), true, mayHaveActed, false, true},
		{"HTTP/2 text of another shape", h2Refusal("stream error: stream ID x; REFUSED_STREAM; received from peer"), true, mayHaveActed, false, true},
		{"2xx that is not a token", fmt.Errorf("%w: not a token", ErrInvalidResponse), true, answered, false, false},
	}
	for code := 100; code <= 599; code++ {
		r := row{name: fmt.Sprintf("status %d", code), err: &Error{StatusCode: code}, sent: true, effect: answered}
		switch code {
		case 429:
			r.effect, r.create, r.revoke = notActed, true, true
		case 502, 503, 504:
			r.effect, r.revoke = mayHaveActed, true
		}
		rows = append(rows, r)
	}
	for _, r := range rows {
		for _, op := range []operation{create, revoke} {
			want := r.create
			if op == revoke {
				want = r.revoke
			}
			v := decide(op, fmt.Errorf("signintokens: %s: %w", op, r.err), r.sent)
			if v.retry != want || v.effect != r.effect || v.reason == "" {
				t.Errorf("%s, %s: decide = %+v; want retry %t, effect %d, a reason", r.name, op, v, want, r.effect)
			}
		}
	}
}

// TestARefusedDialIsNotALostRevocation: a Revoke whose first dial was refused and whose retry
// hears sign_in_token_cannot_be_revoked_code must not claim that the first attempt may have
// revoked the token; the server saw one request.
func TestARefusedDialIsNotALostRevocation(t *testing.T) {
	var dials atomic.Int32
	c, srv, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, clerkErrors("sign_in_token_cannot_be_revoked_code", "cannot be revoked", "t", nil))
	}, WithHTTPClient(refusingFirstDial(t, &dials, false)), fastRetries(3))
	_, err := c.Revoke(context.Background(), "sit_1")
	if !isCannotRevoke(err) || len(srv.Requests()) != 1 {
		t.Fatalf("err = %v after %d requests", err, len(srv.Requests()))
	}
	if strings.Contains(err.Error(), "may have revoked") {
		t.Fatalf("error %q blames an attempt that never reached the server", err)
	}
}

// lateTraceTransport delivers each request to next and then fails it with a timeout before
// reporting WroteRequest, as net/http's HTTP/2 transport does when the request's context ends
// (a caller's http.Client.Timeout, or the default client's per-attempt timeout) between
// flushing the request and tracing it: it returns at once, and its writer reports later.
type lateTraceTransport struct{ next http.RoundTripper }

func (lt lateTraceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	trace := httptrace.ContextClientTrace(req.Context())
	if trace != nil && trace.GotConn != nil {
		trace.GotConn(httptrace.GotConnInfo{})
	}
	resp, err := lt.next.RoundTrip(req.WithContext(context.Background())) // the server has it all
	if err == nil {
		resp.Body.Close()
	}
	return nil, &url.Error{Op: "Post", URL: req.URL.String(), Err: context.DeadlineExceeded}
}

// TestCreateIsNotRetriedAfterATimeoutTheTraceHadNotSeen: a timeout proves nothing about what
// reached the server, whether or not the transport had reported the request written.
func TestCreateIsNotRetriedAfterATimeoutTheTraceHadNotSeen(t *testing.T) {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c, srv, _ := setup(t, okToken("sit_1", "pending"),
		WithHTTPClient(&http.Client{Transport: lateTraceTransport{tr}}), fastRetries(4))
	if _, err := createOnce(c); err == nil {
		t.Fatal("Create succeeded though it timed out")
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("Create reached the server %d times after a timeout; want 1", n)
	}
}

// connectedThenFailed reports a connection on the first request and then fails it before
// anything is written, as a transport does when a connection breaks before the request goes
// out; later requests go to next.
type connectedThenFailed struct {
	next  http.RoundTripper
	calls *atomic.Int32
}

func (cf connectedThenFailed) RoundTrip(req *http.Request) (*http.Response, error) {
	if cf.calls.Add(1) > 1 {
		return cf.next.RoundTrip(req)
	}
	if trace := httptrace.ContextClientTrace(req.Context()); trace != nil && trace.GotConn != nil {
		trace.GotConn(httptrace.GotConnInfo{})
	}
	return nil, &url.Error{Op: "Post", URL: req.URL.String(), Err: io.EOF}
}

// TestCreateRetriesAConnectionThatBrokeBeforeWriting: a transport that reported a connection
// but never the request written has sent nothing Clerk could act on, so Create goes again.
func TestCreateRetriesAConnectionThatBrokeBeforeWriting(t *testing.T) {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	var calls atomic.Int32
	c, srv, waits := setup(t, okToken("sit_1", "pending"),
		WithHTTPClient(&http.Client{Transport: connectedThenFailed{tr, &calls}}), fastRetries(3))
	tok, err := createOnce(c)
	if err != nil || tok.ID != "sit_1" {
		t.Fatalf("Create = %v, %v; want the second attempt's token", tok, err)
	}
	if calls.Load() != 2 || len(srv.Requests()) != 1 || len(*waits) != 1 {
		t.Fatalf("attempts %d, requests %d, waits %v; want 2, 1, one wait", calls.Load(), len(srv.Requests()), *waits)
	}
}

// TestDefaultRetryPolicyIsAsDocumented: DefaultRetryPolicy's doc comment is where its numbers
// are stated; change the numbers and not the sentence (or the other way round), and this fails.
func TestDefaultRetryPolicyIsAsDocumented(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "retry.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var doc string
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == "DefaultRetryPolicy" {
			doc = fn.Doc.Text()
		}
	}
	m := regexp.MustCompile(`is (\d+) attempts, backing off from (\S+), waiting at most (\S+) at a time`).FindStringSubmatch(doc)
	if m == nil {
		t.Fatalf("DefaultRetryPolicy's doc no longer states its numbers as this test reads them:\n%s", doc)
	}
	attempts, _ := strconv.Atoi(m[1])
	base, err1 := time.ParseDuration(m[2])
	maxDelay, err2 := time.ParseDuration(m[3])
	if err1 != nil || err2 != nil {
		t.Fatalf("DefaultRetryPolicy's doc: durations %q, %q do not parse", m[2], m[3])
	}
	documented := RetryPolicy{MaxAttempts: attempts, BaseDelay: base, MaxDelay: maxDelay}
	if got := DefaultRetryPolicy(); got != documented {
		t.Errorf("DefaultRetryPolicy() = %+v, its doc says %+v", got, documented)
	}
}
