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

const bulkCreateSynopsis = "bulk create --in users.csv --out links.jsonl [--journal FILE] [--rate 100/10s] [--expires 7d] [--concurrency N] [--retry-unknown] [--base-url URL]"

func runBulkCreate(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) int {
	fs := newFlagSet("bulk create", stderr)
	in := fs.String("in", "", "users: CSV with a header naming user_id (optional org_id, expires_in_seconds), or JSON lines; - reads stdin")
	out := fs.String("out", "", "output: one JSON line per minted token, with its URL and token (credentials); created 0600, appended to on resume")
	journalPath := fs.String("journal", "", "the run's journal, for resuming (default: the output's name + .journal)")
	var limit rateLimit
	fs.Var(&limit, "rate", "the server's rate limit, N/DURATION; the run stays a little under it (default: Clerk's for the key: 100/10s for sk_test_, 1000/10s for sk_live_)")
	expires := fs.String("expires", "", "lifetime of tokens whose input line names none: a Go duration (90s, 1h) or days (7d); default 30d")
	concurrency := fs.Int("concurrency", bulk.DefaultConcurrency, "requests in flight at most")
	retryUnknown := fs.Bool("retry-unknown", false, "send again for users whose outcome is unknown (they may end up with two live tokens)")
	baseURL := fs.String("base-url", "", "API base URL (default: $CLERK_API_URL, else "+api.DefaultBaseURL+")")
	positional, err := parse(fs, args)
	if err != nil {
		return flagExit(err, fs, bulkCreateSynopsis, stdout, stderr)
	}
	switch {
	case len(positional) > 0:
		fmt.Fprintf(stderr, "signintoken bulk create: unexpected argument %q (the users go in --in)\n", positional[0])
		return exitUsage
	case *in == "" || *out == "":
		fmt.Fprintln(stderr, "signintoken bulk create: --in and --out are required")
		return exitUsage
	case *out == "-":
		fmt.Fprintln(stderr, "signintoken bulk create: --out must be a file: a resumed run appends to it")
		return exitUsage
	}
	opts, err := bulkOptions(limit, *concurrency, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "signintoken bulk create: %v\n", err)
		return exitUsage
	}
	if *expires != "" {
		d, err := parseExpiry(*expires)
		if err != nil {
			fmt.Fprintf(stderr, "signintoken bulk create: --expires: %v\n", err)
			return exitUsage
		}
		opts = append(opts, bulk.WithExpiry(d))
	}
	if *retryUnknown {
		opts = append(opts, bulk.WithRetryUnknown())
	}
	users, err := readUsers(*in)
	if err != nil {
		return fail(stderr, err)
	}

	c, _, stop, err := connect(*baseURL, getenv, stderr, api.WithRetryPolicy(bulk.ClientRetryPolicy()))
	if err != nil {
		return fail(stderr, err)
	}
	defer stop()
	progress := newProgressPrinter(stderr, "minting")
	files := bulk.Files{Output: *out, Journal: *journalPath}
	report, err := bulk.Mint(ctx, c, users, files, append(opts, bulk.WithProgress(progress.update))...)
	progress.finish()
	if report == nil {
		return fail(stderr, err)
	}
	if files.Journal == "" {
		files.Journal = files.Output + ".journal"
	}
	printMintSummary(stdout, report, files)
	return bulkExit(stderr, report, err)
}

// readUsers reads the input file, or stdin for "-".
func readUsers(path string) ([]bulk.Input, error) {
	if path == "-" {
		return bulk.ReadInputs(stdin)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: --in: %v", api.ErrInvalidInput, err)
	}
	defer f.Close()
	users, err := bulk.ReadInputs(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return users, nil
}

// bulkOptions turns the flags both subcommands share into options. --rate is the server's
// limit, parsed as the fake's --rate-limit is; without it, Clerk's for the key's instance.
func bulkOptions(limit rateLimit, concurrency int, getenv env) ([]bulk.Option, error) {
	limiter := bulk.LimiterFor(getenv("CLERK_SECRET_KEY")) // reads the prefix only
	if limit.n > 0 {
		limiter = bulk.NewLimiter(limit.n, limit.window)
	}
	if concurrency < 1 {
		return nil, fmt.Errorf("--concurrency must be at least 1")
	}
	return []bulk.Option{bulk.WithLimiter(limiter), bulk.WithConcurrency(concurrency)}, nil
}

// bulkExit is the exit status of a finished (or stopped) run: 0 only when every user is done.
func bulkExit(stderr io.Writer, r *bulk.Report, err error) int {
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintln(stderr, "signintoken: interrupted; requests in flight were answered and recorded. Run the same command again to resume.")
		return exitError
	case err != nil:
		return fail(stderr, err)
	case r.Failed > 0 || r.Unknown > 0 || r.Remaining > 0:
		return exitError
	}
	return exitOK
}
