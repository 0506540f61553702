package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/bulk"
)

const bulkCreateSynopsis = "bulk create --in users.csv --out links.jsonl [--state FILE] [--rate 100/10s] [--expires 7d] [--concurrency N] [--retry-unknown] [--base-url URL] [--fake]"

func runBulkCreate(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) int {
	fs := newFlagSet("bulk create", stderr)
	in := fs.String("in", "", "users: CSV with a header naming user_id (optional org_id, expires_in_seconds), or JSON lines; - reads stdin")
	out := fs.String("out", "", "the links file: every minted token with its URL and token (credentials), exported from the state after the run, 0600")
	statePath := fs.String("state", "", "the run's state file, for resuming (default: --out + .state)")
	var limit rateLimit
	fs.Var(&limit, "rate", "the server's rate limit, N/DURATION; the run stays a little under it (default: Clerk's for the key: 100/10s for sk_test_, 1000/10s for sk_live_)")
	expires := fs.String("expires", "", "lifetime of tokens whose input line names none: a Go duration (90s, 1h) or days (7d); default 30d")
	concurrency := fs.Int("concurrency", bulk.DefaultConcurrency, fmt.Sprintf("requests in flight at most (1 to %d)", bulk.MaxConcurrency))
	retryUnknown := fs.Bool("retry-unknown", false, "send again for users whose outcome is unknown (they may end up with two live tokens)")
	baseURL := fs.String("base-url", "", "API base URL (default: $CLERK_API_URL, else "+api.DefaultBaseURL+")")
	fake := fs.Bool("fake", false, "mint on the built-in fake Clerk API (tokens are not real); without it, CLERK_SECRET_KEY is required")
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
		fmt.Fprintln(stderr, "signintoken bulk create: --out must be a file: it is written whole, then renamed into place")
		return exitUsage
	}
	if *statePath == "" {
		*statePath = *out + ".state"
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
	c, inst, stop, err := connectBulk(*baseURL, *fake, getenv, stderr)
	if err != nil {
		return failBulk(stderr, err)
	}
	defer stop()
	users, err := cancellable(ctx, func() ([]bulk.Input, error) { return readUsers(*in) })
	if err != nil {
		return bulkExit(stderr, nil, err)
	}

	_, statErr := os.Lstat(*statePath)
	st, err := bulk.OpenState(*statePath, inst)
	if err != nil {
		return failBulk(stderr, err)
	}
	defer st.Close()
	if err := st.CheckExport(*out); err != nil { // before anything is sent
		if os.IsNotExist(statErr) { // made just now, and holds nothing: leave no trace
			st.Close()
			os.Remove(*statePath)
		}
		return failBulk(stderr, err)
	}
	release, err := lockLinks(*out, true) // an undo from the links file waits for this run
	if err != nil {
		return failBulk(stderr, err)
	}
	defer release()
	progress := newProgressPrinter(stderr, "minting")
	report, err := bulk.Mint(ctx, c, users, st, append(opts, bulk.WithProgress(progress.update))...)
	progress.finish()
	if report == nil {
		return failBulk(stderr, err)
	}
	// Exported whatever stopped the run: the links file always shows what the state holds.
	exported, xerr := st.Export(*out)
	printMintSummary(stdout, report, *statePath, *out, exported)
	if xerr != nil {
		failBulk(stderr, fmt.Errorf("the run's tokens are in %s, but the links file could not be written (run 'signintoken bulk export'): %w", *statePath, xerr))
		return exitError
	}
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
