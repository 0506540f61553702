// Command signintoken mints and revokes Clerk sign-in tokens from a terminal, and serves the
// contract-checked fake Clerk API for tests in any language.
//
//	signintoken create --user USER_ID [--org ORG_ID] [--expires 1h] [--json]
//	signintoken revoke SIGN_IN_TOKEN_ID [--json]
//	signintoken fake [--addr 127.0.0.1:8080]
//	signintoken bulk create --in users.csv --out links.jsonl
//	signintoken bulk revoke --in links.jsonl
//	signintoken version
//
// The secret key comes from CLERK_SECRET_KEY only, never from a flag (a flag would land in
// shell history and in ps). Without it, create and revoke run against the built-in fake, in
// process, and nothing leaves the machine; bulk refuses to start unless given --fake, since its
// state would otherwise record links to a fake that dies with the process (see docs/bulk.md).
// --base-url or CLERK_API_URL points at another server.
//
// create prints the token's id, user, status, expiry and sign-in URL (whole, however long),
// and reminds on stderr that the URL is a credential; --json prints one object instead: id,
// user_id, status, url, token, created_at, updated_at, expires_at (Unix milliseconds).
// --expires takes a Go duration (90s, 1h) or days (30d), from 1s to 106751 days in whole
// seconds; anything else is refused, never wrapped around. The built-in fake starts empty on
// every run, so revoke there answers 404: keep one running with fake to try both.
//
// Exit status: 0 on success, 2 for usage or invalid input, 1 for an API or network error, or
// for output that could not be written (stderr then names the token that was minted or revoked).
// fake has exit statuses of its own: 3 after an unexpected contract violation, 4 after an
// answer of its own broke its contract (docs/fake-in-ci.md says when, and what --strict adds).
//
// Strings the server chose (ids, statuses, error messages) are printed with every control and
// invisible formatting character escaped, and an error is one line.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/clerkgen/signintokens/api"
)

const (
	exitOK    = 0
	exitError = 1 // the API or the network failed
	exitUsage = 2 // the command line or its input was wrong
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if len(os.Args) > 1 && os.Args[1] == "fake" {
		limitMemory(os.Getenv) // a long-running service: keep its heap near what is live
	}
	// A Go program writing to a closed pipe on stdout is killed by SIGPIPE, silently, after the
	// token was minted. Asking for SIGPIPE turns that into an EPIPE write error, which the
	// command reports with the token's id (see outputFailed).
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	go func() {
		<-ctx.Done()
		stop() // the first signal cancels ctx; a second one now ends the process at once
	}()
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// env is the environment: os.Getenv, or a map in tests.
type env func(string) string

const usage = `signintoken mints and revokes Clerk sign-in tokens, and serves a fake Clerk API.

Usage:
  signintoken create --user USER_ID [--org ORG_ID] [--expires 1h] [--json]
  signintoken revoke SIGN_IN_TOKEN_ID [--json]
  signintoken fake [--addr 127.0.0.1:8080]
  signintoken bulk create --in users.csv --out links.jsonl [--rate 100/10s] [--expires 7d]
  signintoken bulk revoke --in links.jsonl
  signintoken bulk export | status --state links.jsonl.state
  signintoken healthcheck [ORIGIN]   (exit 0 when the fake at ORIGIN serves)
  signintoken version | --version

Environment:
  CLERK_SECRET_KEY  secret key (sk_test_… or sk_live_…). Unset: create and revoke use the
                    built-in fake Clerk API, in process; nothing leaves this machine. bulk
                    refuses to run without it unless given --fake.
  CLERK_API_URL     the API's origin, or a URL ending in /v1 (default ` + api.DefaultBaseURL + `);
                    --base-url overrides.

Run 'signintoken COMMAND --help' for a command's flags.
Exit status: 0 success, 1 API or network error (or output that could not be written),
2 usage or invalid input; fake: 3 when it saw a contract violation.
`

// run is the whole command, minus the process: it returns the exit status.
func run(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) (code int) {
	defer func() {
		// Never a stack trace: it could show arguments, and it tells a user nothing.
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "signintoken: internal error (%T); please report it\n", r)
			code = exitError
		}
	}()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "create":
		return runCreate(ctx, args[1:], getenv, stdout, stderr)
	case "revoke":
		return runRevoke(ctx, args[1:], getenv, stdout, stderr)
	case "fake":
		return runFake(ctx, args[1:], getenv, stdout, stderr)
	case "bulk":
		return runBulk(ctx, args[1:], getenv, stdout, stderr)
	case "version", "-version", "--version":
		return runVersion(args[1:], stdout, stderr)
	case "healthcheck":
		return runHealthcheck(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "signintoken: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

// parse parses flags wherever they stand among the arguments ("revoke ID --json" as well as
// "revoke --json ID"), and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// newFlagSet makes a subcommand's flag set. Parse errors go to stderr; help, asked for, to
// stdout (see flagExit).
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // flagExit prints help where it belongs
	return fs
}

// flagExit maps a flag parsing error to an exit status: --help is a success.
func flagExit(err error, fs *flag.FlagSet, synopsis string, stdout, stderr io.Writer) int {
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stdout, "Usage: signintoken %s\n\nFlags:\n", synopsis)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return exitOK
	}
	fmt.Fprintf(stderr, "Run 'signintoken %s --help' for usage.\n", fs.Name())
	return exitUsage
}

// fail prints err, on one line with what the server put in it made harmless, and returns its
// exit status: 2 for input the client refused, 1 otherwise.
func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "error: %s\n", terminalText(err.Error(), maxLineLen))
	if errors.Is(err, api.ErrInvalidInput) {
		return exitUsage
	}
	return exitError
}
