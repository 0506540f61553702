package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/clerkgen/signintokens/clienttest"
)

const fakeSynopsis = "fake [--addr 127.0.0.1:8080] [--key sk_test_…] [--users user_a,user_b]"

// runFake serves the fake Clerk API until ctx ends (SIGINT or SIGTERM).
func runFake(ctx context.Context, args []string, _ env, stdout, stderr io.Writer) int {
	fs := newFlagSet("fake", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (port 0: any free port)")
	key := fs.String("key", "", "the sk_test_… key the fake accepts (a fake's, never a real one); default: random")
	users := fs.String("users", "", "comma-separated user ids that exist; default: every user exists")
	positional, err := parse(fs, args)
	if err != nil {
		return flagExit(err, fs, fakeSynopsis, stdout, stderr)
	}
	if len(positional) > 0 {
		fmt.Fprintf(stderr, "signintoken fake: unexpected argument %q\n", positional[0])
		return exitUsage
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	opts := []clienttest.Option{
		clienttest.WithSecretKey(*key),
		clienttest.OnViolation(func(msg string) { log.Warn("contract violation", "detail", msg) }),
	}
	if *users != "" {
		opts = append(opts, clienttest.WithUsers(strings.Split(*users, ",")...))
	}
	fake, err := clienttest.NewHandler(opts...)
	if err != nil {
		fmt.Fprintf(stderr, "signintoken fake: --key: %v\n", err)
		return exitUsage
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "signintoken fake: %v\n", err)
		return exitError
	}
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
		log.Warn("listening beyond loopback: the fake speaks plain HTTP", "addr", ln.Addr().String())
	}
	srv := &http.Server{Handler: logRequests(log, fake), ReadHeaderTimeout: 10 * time.Second}

	// Machine-readable first, on stdout, so a CI script in any language can read them (or
	// eval them in a shell); people read the same on stderr.
	baseURL := "http://" + ln.Addr().String() + "/v1"
	fmt.Fprintf(stdout, "CLERK_API_URL=%s\nCLERK_SECRET_KEY=%s\n", baseURL, fake.SecretKey())
	if f, ok := stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	log.Info("fake Clerk API serving; stop with Ctrl-C or SIGTERM", "base_url", baseURL)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		fmt.Fprintf(stderr, "signintoken fake: %v\n", err)
		return exitError
	case <-ctx.Done():
	}
	fake.Close() // release answers waiting out a latency
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		fmt.Fprintf(stderr, "signintoken fake: shutdown: %v\n", err)
		return exitError
	}
	log.Info("fake Clerk API stopped")
	return exitOK
}

// logRequests logs each request's method, path, status and duration: never headers or bodies.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start))
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

// Unwrap lets http.ResponseController reach the connection (the fake's LoseNext drops it).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
