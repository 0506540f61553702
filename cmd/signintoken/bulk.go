package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/bulk"
)

// stdin is what "--in -" reads; tests replace it.
var stdin io.Reader = os.Stdin

const bulkUsage = `signintoken bulk mints a sign-in token for each user in a file, at Clerk's rate limit,
exactly once per user however often it is stopped and run again; and undoes such a run.
A run keeps its state in one file (default: the links file's name + .state); the links file is
exported from it, whole, after every run.

Usage:
  signintoken bulk create --in users.csv --out links.jsonl [--state FILE] [--rate 100/10s]
                          [--expires 7d] [--concurrency N] [--retry-unknown] [--fake]
  signintoken bulk revoke --state FILE | --in links.jsonl   [--rate 100/10s] [--concurrency N]
  signintoken bulk export --state FILE --out links.jsonl
  signintoken bulk status --state FILE

CLERK_SECRET_KEY is required (an empty one counts as unset): bulk never falls back to the
built-in fake unless --fake is given, and a --fake run is never resumed with a real key.
Guide: docs/bulk.md. Run 'signintoken bulk COMMAND --help' for the flags.
Exit status: 0 every user (token) done, 1 some failed, unknown or not found, or interrupted
(run the same command again to resume), 2 usage, or a file or instance refused.
`

// runBulk dispatches "signintoken bulk SUBCOMMAND".
func runBulk(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, bulkUsage)
		return exitUsage
	}
	switch args[0] {
	case "create":
		return runBulkCreate(ctx, args[1:], getenv, stdout, stderr)
	case "revoke":
		return runBulkRevoke(ctx, args[1:], getenv, stdout, stderr)
	case "export":
		return runBulkExport(args[1:], stdout, stderr)
	case "status":
		return runBulkStatus(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, bulkUsage)
		return exitOK
	}
	fmt.Fprintf(stderr, "signintoken bulk: unknown subcommand %q\n\n%s", args[0], bulkUsage)
	return exitUsage
}

// errUsage marks an error that is the command line's or the environment's: exit 2.
var errUsage = errors.New("usage")

// connectBulk returns the client and the instance of a bulk run. Unlike connect, it never
// falls back to the built-in fake: without a key (an empty CLERK_SECRET_KEY is none: a CI
// secret that did not resolve) it refuses, unless fake asks for the fake, and then it refuses
// a key or base URL given beside it.
func connectBulk(baseURL string, fake bool, getenv env, stderr io.Writer) (*api.Client, bulk.Instance, func(), error) {
	if baseURL == "" {
		baseURL = getenv("CLERK_API_URL")
	}
	key := getenv("CLERK_SECRET_KEY")
	opt := api.WithRetryPolicy(bulk.ClientRetryPolicy())
	switch {
	case fake && (key != "" || baseURL != ""):
		return nil, bulk.Instance{}, nil, fmt.Errorf("%w: --fake runs on the built-in fake: unset CLERK_SECRET_KEY and CLERK_API_URL (and drop --base-url), or drop --fake", errUsage)
	case fake:
		c, _, stop, err := connect("", func(string) string { return "" }, stderr, opt)
		return c, bulk.Instance{Fake: true}, stop, err
	case key == "":
		return nil, bulk.Instance{}, nil, fmt.Errorf("%w: CLERK_SECRET_KEY is not set (or is empty): bulk never falls back to the built-in fake, "+
			"whose tokens are not real. Set the key, or give --fake to try bulk on the fake", errUsage)
	}
	c, _, stop, err := connect(baseURL, getenv, stderr, opt)
	if baseURL == "" {
		baseURL = api.DefaultBaseURL
	}
	return c, bulk.Instance{BaseURL: baseURL, SecretKey: api.NewSecret(key)}, stop, err
}

// failBulk prints err and returns its exit status: 2 for the operator's mistakes (a flag, a
// missing key, a file or instance refused: nothing was sent), 1 otherwise.
func failBulk(stderr io.Writer, err error) int {
	code := fail(stderr, err)
	for _, refused := range []error{errUsage, os.ErrNotExist, bulk.ErrNotPrivate, bulk.ErrNotState, bulk.ErrForeignFile, bulk.ErrOtherInstance} {
		if errors.Is(err, refused) {
			return exitUsage
		}
	}
	return code
}

// bulkExit is the exit status of a finished (or stopped) run: 0 only when every user is done.
func bulkExit(stderr io.Writer, r *bulk.Report, err error) int {
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintln(stderr, "signintoken: interrupted; requests in flight were answered and recorded. Run the same command again to resume.")
		return exitError
	case errors.Is(err, bulk.ErrRateLimitedTooLong):
		fmt.Fprintf(stderr, "signintoken: stopped: %v. Nothing was lost (a 429 means Clerk did nothing); run the same command again later to resume.\n", err)
		return exitError
	case err != nil:
		return failBulk(stderr, err)
	case r.Failed > 0 || r.Unknown > 0 || r.Remaining > 0 || r.NotFound > 0:
		return exitError
	}
	return exitOK
}

// errLinksInUse says why a links file locked by another run (lockLinks) is refused.
func errLinksInUse(path string, creating bool) error {
	if creating {
		return fmt.Errorf("%s is in use by a bulk revoke reading it: run again once the undo has stopped", path)
	}
	return fmt.Errorf("%s is in use by a bulk create run, which goes on minting: undo it once that run has stopped "+
		"(with --state, if it keeps its state elsewhere)", path)
}

// bulkOptions turns the flags both subcommands share into options. --rate is the server's
// limit, parsed as the fake's --rate-limit is; without it, Clerk's for the key's instance.
func bulkOptions(limit rateLimit, concurrency int, getenv env) ([]bulk.Option, error) {
	limiter := bulk.LimiterFor(getenv("CLERK_SECRET_KEY")) // reads the prefix only
	if limit.n > 0 {
		limiter = bulk.NewLimiter(limit.n, limit.window)
	}
	if concurrency < 1 || concurrency > bulk.MaxConcurrency {
		return nil, fmt.Errorf("--concurrency must be from 1 to %d", bulk.MaxConcurrency)
	}
	return []bulk.Option{bulk.WithLimiter(limiter), bulk.WithConcurrency(concurrency)}, nil
}

// cancellable runs f, and returns early with ctx's error when ctx ends first: reading a file
// or a pipe cannot be interrupted, and Ctrl-C must work at every stage. f runs on, and its
// result is dropped; the process is about to exit.
func cancellable[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}
