package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/clerkgen/signintokens/api"
)

const revokeSynopsis = "revoke SIGN_IN_TOKEN_ID [--json] [--base-url URL]"

func runRevoke(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) int {
	fs := newFlagSet("revoke", stderr)
	asJSON := fs.Bool("json", false, "print one JSON object instead of text")
	baseURL := fs.String("base-url", "", "API base URL (default: $CLERK_API_URL, else "+api.DefaultBaseURL+")")
	positional, err := parse(fs, args)
	if err != nil {
		return flagExit(err, fs, revokeSynopsis, stdout, stderr)
	}
	if len(positional) != 1 {
		fmt.Fprintf(stderr, "signintoken revoke: want exactly one sign-in token id (sit_…), got %d arguments\n", len(positional))
		return exitUsage
	}

	c, embedded, stop, err := connect(*baseURL, getenv, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	defer stop()
	tok, err := c.Revoke(ctx, positional[0])
	if err != nil {
		code := fail(stderr, err)
		if embedded && errors.Is(err, api.ErrNotFound) {
			fmt.Fprintln(stderr, "signintoken: the built-in fake starts empty on every run, so it knows no token yet. Keep one running with 'signintoken fake' and point --base-url at it.")
		}
		return code
	}
	write := printText
	if *asJSON {
		write = printJSON
	}
	if err := write(stdout, tok, nil); err != nil {
		return outputFailed(stderr, tok.ID, "revoked", "", err)
	}
	return exitOK
}
