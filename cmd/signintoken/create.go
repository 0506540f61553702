package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/clerkgen/signintokens/api"
)

const createSynopsis = "create --user USER_ID [--org ORG_ID] [--expires 1h] [--json] [--base-url URL]"

func runCreate(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) int {
	fs := newFlagSet("create", stderr)
	user := fs.String("user", "", "ID of the user the token signs in (required), e.g. user_2abc…")
	org := fs.String("org", "", "ID of an organization to activate when the user signs in")
	expires := fs.String("expires", "", "how long the token lives: a Go duration (90s, 1h, 36h) or days (30d); default 30d")
	asJSON := fs.Bool("json", false, "print one JSON object instead of text")
	baseURL := fs.String("base-url", "", "API base URL (default: $CLERK_API_URL, else "+api.DefaultBaseURL+")")
	positional, err := parse(fs, args)
	if err != nil {
		return flagExit(err, fs, createSynopsis, stdout, stderr)
	}
	switch {
	case len(positional) > 0:
		fmt.Fprintf(stderr, "signintoken create: unexpected argument %q (the user goes in --user)\n", positional[0])
		return exitUsage
	case *user == "":
		fmt.Fprintln(stderr, "signintoken create: --user is required")
		return exitUsage
	}
	expiresIn := api.DefaultExpiry
	if *expires != "" {
		if expiresIn, err = parseExpiry(*expires); err != nil {
			fmt.Fprintf(stderr, "signintoken create: --expires: %v\n", err)
			return exitUsage
		}
	}

	c, _, stop, err := connect(*baseURL, getenv, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	defer stop()
	tok, err := c.Create(ctx, api.CreateParams{UserID: *user, OrganizationID: *org, ExpiresIn: expiresIn})
	if err != nil {
		return fail(stderr, err)
	}
	expiresAt := tok.CreatedAt.Add(expiresIn)
	fmt.Fprintf(stderr, "signintoken: the sign-in URL is a credential: whoever has it can sign in as %s until %s. Send it to that user only.\n",
		tok.UserID, expiresAt.Format(time.RFC3339))
	if *asJSON {
		return printJSON(stdout, stderr, tok, &expiresAt)
	}
	printText(stdout, tok, &expiresAt)
	return exitOK
}

// parseExpiry reads a Go duration, or a whole number of days ("30d"), which Go's durations
// lack and people ask for.
func parseExpiry(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 {
			return 0, fmt.Errorf("%q is not a whole number of days, at least 1", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration like 90s, 1h or 30d", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q: a token must live at least 1s", s)
	}
	return d, nil
}
