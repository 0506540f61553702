package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/clerkgen/signintokens/clienttest"
)

// fakeFlags is the fake subcommand's command line, checked.
type fakeFlags struct {
	addr            string
	key             string // from --key, --key-file or SIGNINTOKEN_FAKE_KEY; checked by clienttest
	keyFrom         string // which of them, for a message; empty: none, a random key
	strict          bool
	users           []string
	rateLimit       rateLimit
	summaryJSON     string
	failOnViolation bool
	maxConns        int
	history         int
	tokenLimit      int
	exitWithParent  bool
}

// parseFakeFlags reads and checks fake's command line. When ok is false, code is the exit
// status (0 for --help) and the problem has been printed.
func parseFakeFlags(args []string, getenv env, stdout, stderr io.Writer) (ff fakeFlags, code int, ok bool) {
	fs := newFlagSet("fake", stderr)
	fs.StringVar(&ff.addr, "addr", "127.0.0.1:8080", "host:port to listen on (port 0: any free port)")
	fs.StringVar(&ff.key, "key", "", "the sk_test_… key the fake accepts (a fake's, never a real one), visible to local users in the process list: prefer --key-file or "+fakeKeyEnv+"; default: random")
	keyFile := fs.String("key-file", "", "read the key from this file (0600, owned by you; one line)")
	fs.BoolVar(&ff.strict, "strict", false, "exit 3 also after an auth failure or an unknown route, or with an unmet expectation")
	users := fs.String("users", "", "comma-separated user ids that exist; default: every user exists")
	fs.Var(&ff.rateLimit, "rate-limit", "`N/DURATION`: past N authenticated requests per DURATION, answer 429 with Retry-After, as Clerk does: 100/10s for a development instance, 1000/10s for production; default: off")
	fs.StringVar(&ff.summaryJSON, "summary-json", "", "at exit, write the summary as JSON to this file (replaced atomically), device or FIFO")
	fs.BoolVar(&ff.failOnViolation, "fail-on-violation", true, "exit 3 at shutdown when any unexpected contract violation occurred")
	fs.IntVar(&ff.maxConns, "max-conns", defaultMaxConns, "connections open at once; when all are taken, one that has not sent a request with the key is closed")
	fs.IntVar(&ff.history, "history", clienttest.DefaultHistory, "requests, and violations, kept for the control API (the most recent)")
	fs.IntVar(&ff.tokenLimit, "token-limit", clienttest.DefaultTokenLimit, "tokens kept before the oldest finished or expired ones are evicted")
	fs.BoolVar(&ff.exitWithParent, "exit-with-parent", false, "stop, as on SIGTERM, when the process that started the fake exits")
	positional, err := parse(fs, args)
	if err != nil {
		return ff, flagExit(err, fs, fakeSynopsis, stdout, stderr), false
	}
	usage := func(format string, a ...any) (fakeFlags, int, bool) {
		fmt.Fprintf(stderr, "signintoken fake: "+format+"\n", a...)
		return ff, exitUsage, false
	}
	if len(positional) > 0 {
		return usage("unexpected argument %q", positional[0])
	}
	switch {
	case isFlagSet(fs, "key") && isFlagSet(fs, "key-file"):
		return usage("--key and --key-file: give one")
	case isFlagSet(fs, "key"):
		ff.keyFrom = "--key"
	case isFlagSet(fs, "key-file"):
		if ff.key, err = readKeyFile(*keyFile); err != nil {
			return usage("--key-file: %v", err)
		}
		ff.keyFrom = "--key-file"
	case getenv(fakeKeyEnv) != "": // set but empty is unset: a random key
		ff.key, ff.keyFrom = getenv(fakeKeyEnv), fakeKeyEnv
	}
	if err := checkListenAddr(ff.addr); err != nil {
		return usage("--addr: %v", err)
	}
	if isFlagSet(fs, "users") {
		if ff.users, err = splitUsers(*users); err != nil {
			return usage("--users: %v", err)
		}
	}
	if ff.summaryJSON != "" {
		// Fail now, not at exit after the whole CI run.
		if _, err := summaryTarget(ff.summaryJSON); err != nil {
			return usage("--summary-json: %v", err)
		}
		if ff.keyFrom == "--key-file" && sameFile(*keyFile, ff.summaryJSON) {
			return usage("--summary-json: %s is the key file: the summary would replace the key", ff.summaryJSON)
		}
	}
	for name, n := range map[string]int{"--max-conns": ff.maxConns, "--history": ff.history, "--token-limit": ff.tokenLimit} {
		if n < 1 {
			return usage("%s: want at least 1, got %d", name, n)
		}
	}
	return ff, exitOK, true
}

// sameFile reports whether paths a and b name one existing file (symlinks followed).
func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

func isFlagSet(fs *flag.FlagSet, name string) (set bool) {
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// checkListenAddr refuses what net.Listen would take in a way nobody means: "8080" alone is
// a host name to Go, not a port.
func checkListenAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port (e.g. 127.0.0.1:8080, or 127.0.0.1:0 for any free port)", addr)
	}
	if strings.ContainsAny(host, " \t") {
		return fmt.Errorf("host %q has spaces", host)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return nil
}

// splitUsers splits a comma-separated list, trimming each id: "a, b" is a and b.
func splitUsers(list string) ([]string, error) {
	var out []string
	for _, u := range strings.Split(list, ",") {
		if u = strings.TrimSpace(u); u != "" {
			// A Clerk id is visible ASCII; a space, newline or escape inside one is a mistake
			// (or a workflow command smuggled through an Action input) and is not echoed.
			if strings.ContainsFunc(u, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
				return nil, fmt.Errorf("user id %d holds a space or control character (want e.g. user_a,user_b)", len(out)+1)
			}
			out = append(out, u)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no user ids (want e.g. user_a,user_b)")
	}
	return out, nil
}

// rateLimit is --rate-limit N/DURATION; the zero value is off.
type rateLimit struct {
	n      int
	window time.Duration
}

func (r *rateLimit) String() string {
	if r == nil || r.n == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%s", r.n, r.window)
}

func (r *rateLimit) Set(s string) error {
	num, dur, ok := strings.Cut(s, "/")
	if !ok {
		return fmt.Errorf("%q is not N/DURATION (e.g. 100/10s)", s)
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 {
		return fmt.Errorf("%q: N must be a whole number of requests, at least 1", s)
	}
	window, err := time.ParseDuration(dur)
	if err != nil || window <= 0 {
		return fmt.Errorf("%q: DURATION must be a positive duration with a unit (e.g. 10s, 1m)", s)
	}
	r.n, r.window = n, window
	return nil
}

// options is the clienttest configuration for r: none when off.
func (r rateLimit) options() []clienttest.Option {
	if r.n == 0 {
		return nil
	}
	return []clienttest.Option{clienttest.WithRateLimit(r.n, r.window)}
}
