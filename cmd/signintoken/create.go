package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
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

	c, embedded, stop, err := connect(*baseURL, getenv, stderr)
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
		terminalText(tok.UserID, maxFieldLen), expiresAt.Format(time.RFC3339))
	write := printText
	if *asJSON {
		write = printJSON
	}
	if err := write(stdout, tok, &expiresAt); err != nil {
		advice := fmt.Sprintf(" It is live until %s: revoke it with 'signintoken revoke %s' and create another.",
			expiresAt.Format(time.RFC3339), terminalText(tok.ID, maxFieldLen))
		if embedded {
			advice = " It lived on the built-in fake only, which is gone now."
		}
		return outputFailed(stderr, tok.ID, "minted", advice, err)
	}
	return exitOK
}

// maxDays is the longest expiry in days that a time.Duration holds (106,751 days, 292 years).
const maxDays = int64(math.MaxInt64 / (24 * time.Hour))

// duration matches what time.ParseDuration accepts, so that a duration it refuses although
// well formed is known to be too long.
var duration = regexp.MustCompile(`^[-+]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$`)

// parseExpiry reads a Go duration, or a whole number of days ("30d"), which Go's durations
// lack and people ask for. Either one too long for a time.Duration is refused, never wrapped;
// so is one under 1s or not in whole seconds (Clerk takes whole seconds), naming the flag.
func parseExpiry(s string) (time.Duration, error) {
	negative := strings.HasPrefix(s, "-")
	tooLong := fmt.Errorf("%q is too long: at most %dd (%v)", s, maxDays, time.Duration(maxDays)*24*time.Hour)
	tooShort := fmt.Errorf("%q: a token must live at least 1s", s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		switch {
		case errors.Is(err, strconv.ErrRange) && !negative || err == nil && n > maxDays:
			return 0, tooLong
		case err != nil || n < 1:
			return 0, fmt.Errorf("%q is not a whole number of days, at least 1", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil && duration.MatchString(s) && negative, err == nil && d <= 0:
		return 0, tooShort
	case err != nil && duration.MatchString(s):
		return 0, tooLong
	case err != nil:
		return 0, fmt.Errorf("%q is not a duration like 90s, 1h or 30d", s)
	case d < time.Second:
		return 0, tooShort
	case d%time.Second != 0: // Clerk takes whole seconds; say so here, naming the flag
		return 0, fmt.Errorf("%q is not a whole number of seconds", s)
	}
	return d, nil
}
