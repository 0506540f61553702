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

const fakeSynopsis = "fake [--addr 127.0.0.1:8080] [--key sk_test_…] [--users user_a,user_b] [--rate-limit 100/10s] [--summary-json FILE] [--fail-on-violation=true] [--max-conns 128] [--history N] [--token-limit N] [--exit-with-parent]"

// exitViolations is fake's exit status when it saw a contract violation (and
// --fail-on-violation is on, the default): a CI job fails even when its own client swallowed
// the error the fake answered.
const exitViolations = 3

// runFake serves the fake Clerk API until ctx ends (SIGINT or SIGTERM), then prints a summary
// of the contract violations it saw and exits non-zero if there were any.
func runFake(ctx context.Context, args []string, _ env, stdout, stderr io.Writer) int {
	parent := os.Getppid() // for --exit-with-parent: the one that started this process
	ff, code, ok := parseFakeFlags(args, stdout, stderr)
	if !ok {
		return code
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	violations := &violationLog{}
	opts := []clienttest.Option{
		clienttest.WithHistory(ff.history),
		clienttest.WithTokenLimit(ff.tokenLimit),
		clienttest.OnViolation(func(msg string) {
			violations.add(msg)
			log.Warn("contract violation", "detail", msg)
		}),
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
		fmt.Fprintf(stderr, "signintoken fake: --key: %v\n", err)
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
	requests := &requestCounter{}
	srv := newFakeServer(observe(log, requests, violations, fake), defaultServerLimits)
	ln = limitListener(ln, ff.maxConns)

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
	go func() { served <- srv.Serve(ln) }()
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

	sum := violations.summary(requests.load())
	sum.writeText(stderr)
	if ff.summaryJSON != "" {
		if err := sum.writeJSONFile(ff.summaryJSON); err != nil {
			fmt.Fprintf(stderr, "signintoken fake: --summary-json: %v\n", err)
			return exitError
		}
	}
	if ff.failOnViolation && sum.Total > 0 {
		return exitViolations
	}
	return exitOK
}

// observe logs each request's method, path, status and duration (never headers or bodies)
// and counts it. A request the fake drops (a queued drop fault aborts its handler with
// http.ErrAbortHandler) is logged too, with status "dropped", and the abort goes on to
// net/http. A successful POST /__clienttest/reset clears the violations, here as in the
// fake: a test that provoked one on purpose, and checked it, can reset so the fake exits 0.
func observe(log *slog.Logger, count *requestCounter, violations *violationLog, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		count.add()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			aborted := recover()
			status := any(rec.status)
			if aborted != nil {
				status = "dropped"
			}
			log.Info("request", "method", r.Method, "path", safepath.Of(r.URL.Path), "status", status, "duration", time.Since(start))
			if aborted != nil {
				panic(aborted)
			}
		}()
		next.ServeHTTP(rec, r)
		if r.Method == http.MethodPost && r.URL.Path == "/__clienttest/reset" && rec.status == http.StatusNoContent {
			violations.reset()
		}
	})
}

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
