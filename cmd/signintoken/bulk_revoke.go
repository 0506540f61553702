package main

import (
	"context"
	"fmt"
	"io"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/bulk"
)

const bulkRevokeSynopsis = "bulk revoke --in links.jsonl [--journal FILE] [--rate 100/10s] [--concurrency N] [--base-url URL]"

func runBulkRevoke(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) int {
	fs := newFlagSet("bulk revoke", stderr)
	in := fs.String("in", "", "the output (or the journal) of a bulk create run")
	journalPath := fs.String("journal", "", "this revoke run's journal, for resuming (default: --in + .revoke.journal)")
	var limit rateLimit
	fs.Var(&limit, "rate", "the server's rate limit, N/DURATION (default: Clerk's for the key)")
	concurrency := fs.Int("concurrency", bulk.DefaultConcurrency, "requests in flight at most")
	baseURL := fs.String("base-url", "", "API base URL (default: $CLERK_API_URL, else "+api.DefaultBaseURL+")")
	positional, err := parse(fs, args)
	if err != nil {
		return flagExit(err, fs, bulkRevokeSynopsis, stdout, stderr)
	}
	switch {
	case len(positional) > 0:
		fmt.Fprintf(stderr, "signintoken bulk revoke: unexpected argument %q (the run's output goes in --in)\n", positional[0])
		return exitUsage
	case *in == "" || *in == "-":
		fmt.Fprintln(stderr, "signintoken bulk revoke: --in FILE is required: the output or journal of a bulk create run")
		return exitUsage
	}
	opts, err := bulkOptions(limit, *concurrency, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "signintoken bulk revoke: %v\n", err)
		return exitUsage
	}
	minted, err := bulk.ReadMinted(*in)
	if err != nil {
		return fail(stderr, fmt.Errorf("%w: --in: %v", api.ErrInvalidInput, err))
	}
	if *journalPath == "" {
		*journalPath = *in + ".revoke.journal"
	}

	c, embedded, stop, err := connect(*baseURL, getenv, stderr, api.WithRetryPolicy(bulk.ClientRetryPolicy()))
	if err != nil {
		return fail(stderr, err)
	}
	defer stop()
	if embedded {
		fmt.Fprintln(stderr, "signintoken: the built-in fake starts empty on every run, so it knows none of these tokens. Keep one running with 'signintoken fake' and point --base-url at it.")
	}
	progress := newProgressPrinter(stderr, "revoking")
	report, err := bulk.Revoke(ctx, c, minted, *journalPath, append(opts, bulk.WithProgress(progress.update))...)
	progress.finish()
	if report == nil {
		return fail(stderr, err)
	}
	printRevokeSummary(stdout, report, *journalPath)
	return bulkExit(stderr, report, err)
}
