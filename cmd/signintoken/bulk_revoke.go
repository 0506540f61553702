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

const bulkRevokeSynopsis = "bulk revoke --state FILE | --in links.jsonl [--rate 100/10s] [--concurrency N] [--base-url URL] [--fake]"

func runBulkRevoke(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) int {
	fs := newFlagSet("bulk revoke", stderr)
	statePath := fs.String("state", "", "the state file of the bulk create run to undo (it records each revocation)")
	in := fs.String("in", "", "or: the run's links file; its state (links + .state) is used if it exists, else a new one (links + .revoke.state) is made from the links")
	var limit rateLimit
	fs.Var(&limit, "rate", "the server's rate limit, N/DURATION (default: Clerk's for the key)")
	concurrency := fs.Int("concurrency", bulk.DefaultConcurrency, fmt.Sprintf("requests in flight at most (1 to %d)", bulk.MaxConcurrency))
	baseURL := fs.String("base-url", "", "API base URL (default: $CLERK_API_URL, else "+api.DefaultBaseURL+")")
	fake := fs.Bool("fake", false, "the run was on the built-in fake (--fake)")
	positional, err := parse(fs, args)
	if err != nil {
		return flagExit(err, fs, bulkRevokeSynopsis, stdout, stderr)
	}
	switch {
	case len(positional) > 0:
		fmt.Fprintf(stderr, "signintoken bulk revoke: unexpected argument %q (give --state or --in)\n", positional[0])
		return exitUsage
	case (*statePath == "") == (*in == "") || *in == "-":
		fmt.Fprintln(stderr, "signintoken bulk revoke: give --state FILE (the create run's state) or --in FILE (its links file), one of them")
		return exitUsage
	}
	opts, err := bulkOptions(limit, *concurrency, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "signintoken bulk revoke: %v\n", err)
		return exitUsage
	}
	var minted []bulk.Minted // from --in: the links file's tokens, ids only
	if *in != "" {
		release, err := lockLinks(*in, false) // refused while a create run may replace (and add to) it
		if err != nil {
			return failBulk(stderr, err)
		}
		defer release()
		minted, err = cancellable(ctx, func() ([]bulk.Minted, error) { return bulk.ReadMinted(*in) }) // a pipe may never end
		if ctx.Err() != nil {
			return bulkExit(stderr, nil, ctx.Err())
		}
		if err != nil {
			return failBulk(stderr, fmt.Errorf("%w: --in: %v", errUsage, err))
		}
		*statePath = *in + ".state"
		if _, err := os.Lstat(*statePath); errors.Is(err, os.ErrNotExist) {
			*statePath = *in + ".revoke.state"
		}
	} else if _, err := os.Lstat(*statePath); err != nil {
		return failBulk(stderr, fmt.Errorf("%w: --state: %v", errUsage, err))
	}

	c, inst, stop, err := connectBulk(*baseURL, *fake, getenv, stderr)
	if err != nil {
		return failBulk(stderr, err)
	}
	defer stop()
	st, err := bulk.OpenState(*statePath, inst) // the create run's lock: refused while it runs
	if err != nil {
		return failBulk(stderr, err)
	}
	defer st.Close()
	if err := st.AddMinted(minted); err != nil {
		return failBulk(stderr, err)
	}
	progress := newProgressPrinter(stderr, "revoking")
	report, err := bulk.Revoke(ctx, c, st, append(opts, bulk.WithProgress(progress.update))...)
	progress.finish()
	if report == nil {
		return failBulk(stderr, err)
	}
	printRevokeSummary(stdout, report, *statePath)
	if report.NotFound > 0 {
		fmt.Fprintf(stderr, "signintoken: %d of %d tokens were not found: the likely cause is a key (or base URL) of another Clerk instance than the one that minted them, "+
			"or a links file from elsewhere. They were not revoked; run again with the instance's key.\n", report.NotFound, report.Total)
	}
	return bulkExit(stderr, report, err)
}
