package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

// stdin is what "--in -" reads; tests replace it.
var stdin io.Reader = os.Stdin

const bulkUsage = `signintoken bulk mints a sign-in token for each user in a file, at Clerk's rate limit,
exactly once per user however often it is stopped and run again; and undoes such a run.

Usage:
  signintoken bulk create --in users.csv --out links.jsonl [--journal FILE] [--rate 100/10s]
                          [--expires 7d] [--concurrency N] [--retry-unknown]
  signintoken bulk revoke --in links.jsonl [--journal FILE] [--rate 100/10s] [--concurrency N]

Run 'signintoken bulk create --help' or 'signintoken bulk revoke --help' for the flags.
Exit status: 0 every user (token) done, 1 some failed or unknown, or interrupted, 2 usage.
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
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, bulkUsage)
		return exitOK
	}
	fmt.Fprintf(stderr, "signintoken bulk: unknown subcommand %q\n\n%s", args[0], bulkUsage)
	return exitUsage
}
