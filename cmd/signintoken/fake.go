package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/clerkgen/signintokens/clienttest"
	"github.com/clerkgen/signintokens/internal/safepath"
)

const fakeSynopsis = "fake [--addr 127.0.0.1:8080] [--key-file FILE | --key sk_test_…] [--users user_a,user_b] [--rate-limit 100/10s] [--summary-json FILE] [--strict] [--fail-on-violation=true] [--max-conns 1024] [--history N] [--token-limit N] [--exit-with-parent]"

// The fake's exit statuses beyond exitOK, exitError and exitUsage. A CI job fails even when
// its own client swallowed the error the fake answered.
const (
	// exitViolations: an unexpected contract violation (with --fail-on-violation, the
	// default); with --strict, an auth failure, an unknown route or an unmet expectation too.
	exitViolations = 3
	// exitFakeError: an answer of the fake's own failed its contract check. Whatever the flags:
	// the run's other results cannot be trusted.
	exitFakeError = 4
)

// runFake serves the fake Clerk API until ctx ends (SIGINT or SIGTERM), then prints a summary
// of what it saw and exits with its verdict (see verdict).
func runFake(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) int {
	parent := os.Getppid() // for --exit-with-parent: the one that started this process
	ff, code, ok := parseFakeFlags(args, getenv, stdout, stderr)
	if !ok {
		return code
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	if ff.keyFrom == "--key" {
		log.Warn("--key is visible to every local user in the process list; use --key-file or " + fakeKeyEnv)
	}
	opts := []clienttest.Option{
		clienttest.WithHistory(ff.history),
		clienttest.WithTokenLimit(ff.tokenLimit),
		clienttest.OnEvent(func(e clienttest.Event) { logEvent(log, e) }),
	}
	if ff.key != "" {
		opts = append(opts, clienttest.WithSecretKey(ff.key))
	}
	if ff.users != nil {
		opts = append(opts, clienttest.WithUsers(ff.users...))
	}
	opts = append(opts, ff.rateLimit.options()...)
	fake, err := clienttest.NewHandler(opts...)
	if err != nil { // every other option is checked above: the key is not an sk_test_ key
		fmt.Fprintf(stderr, "signintoken fake: %s: %v\n", ff.keyFrom, err)
		return exitUsage
	}
	defer fake.Close() // release answers waiting out a latency

	ln, err := net.Listen("tcp", ff.addr)
	if err != nil {
		fmt.Fprintf(stderr, "signintoken fake: %v\n", err)
		return exitError
	}
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
		log.Warn("listening beyond loopback: the fake speaks plain HTTP", "addr", ln.Addr().String())
	}
	conns := limitListener(ln, ff.maxConns, fake.HasKey) // a neighbour without the key holds no slot
	srv := newFakeServer(observe(log, fake), defaultServerLimits, conns)

	// Readiness: these two lines are written once the listener is bound, in one write, on
	// stdout, so a CI script in any language can wait for them and read (or eval) them.
	// CLERK_API_URL is the origin, as Clerk's SDKs and environment take it (they add /v1).
	origin := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "CLERK_API_URL=%s\nCLERK_SECRET_KEY=%s\n", origin, fake.SecretKey())
	if f, ok := stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	log.Info("fake Clerk API serving; stop with Ctrl-C or SIGTERM", "origin", origin)

	if ff.exitWithParent {
		var stop context.CancelFunc
		ctx, stop = context.WithCancel(ctx)
		defer stop()
		go watchParent(ctx, stop, parent, parentPollInterval)
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(conns) }()
	select {
	case err := <-served:
		fmt.Fprintf(stderr, "signintoken fake: %v\n", err)
		return exitError
	case <-ctx.Done():
	}
	fake.Close()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		fmt.Fprintf(stderr, "signintoken fake: shutdown: %v\n", err)
		return exitError
	}
	log.Info("fake Clerk API stopped")

	code = verdict(fake.Counts(), ff)
	sum := summarize(fake, code)
	sum.writeText(stderr)
	if ff.summaryJSON != "" {
		if err := sum.writeJSONFile(ff.summaryJSON); err != nil {
			fmt.Fprintf(stderr, "signintoken fake: --summary-json: %v\n", err)
			return max(code, exitError) // a verdict of 3 or 4 says more than the missing file
		}
	}
	return code
}

// verdict is the exit status for what the fake counted: 4 after a fake error, whatever the
// flags; 3 after an unexpected violation (unless --fail-on-violation=false), or with --strict
// after an auth failure or an unknown route, or with an expectation unmet; 0 otherwise.
// Expected violations never count.
func verdict(c clienttest.Counts, ff fakeFlags) int {
	switch {
	case c.FakeErrors > 0:
		return exitFakeError
	case ff.failOnViolation && c.UnexpectedViolations > 0:
		return exitViolations
	case ff.strict && (c.AuthFailures > 0 || c.UnknownRoutes > 0 || c.UnmetExpectations > 0):
		return exitViolations
	}
	return exitOK
}

// logEvent logs one of the fake's events, by the words the summary and the control API use.
func logEvent(log *slog.Logger, e clienttest.Event) {
	switch {
	case e.Kind == clienttest.EventFakeError:
		log.Error("fake error", "detail", e.Message)
	case e.Kind == clienttest.EventViolation && e.Expected:
		log.Info("expected violation", "kind", e.Reason, "detail", e.Message)
	case e.Kind == clienttest.EventViolation:
		log.Warn("unexpected violation", "kind", e.Reason, "detail", e.Message)
	case e.Kind == clienttest.EventAuthFailure:
		log.Info("auth failure", "kind", e.Reason, "detail", e.Message)
	default:
		log.Info("unknown route", "detail", e.Message)
	}
}

// observe logs each request's method and path (bounded and plain, see safepath), status and
// duration; never headers or bodies. A request the fake drops (a queued drop fault aborts its
// handler with http.ErrAbortHandler) is logged too, with status "dropped", and the abort goes
// on to net/http. Health checks (GET or HEAD) are not logged: a CI step may poll every few
// milliseconds.
func observe(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.URL.Path == healthPath {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			aborted := recover()
			status := any(rec.status)
			if aborted != nil {
				status = "dropped"
			}
			log.Info("request", "method", safepath.Method(r.Method), "path", safepath.Of(r.URL.Path), "status", status, "duration", time.Since(start))
			if aborted != nil {
				panic(aborted)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// healthPath is the control API's health check (clienttest/control.yaml).
const healthPath = "/__clienttest/health"

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the server's own ResponseWriter through this one.
// (DropNext no longer needs it: the fake drops a connection with http.ErrAbortHandler.)
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
