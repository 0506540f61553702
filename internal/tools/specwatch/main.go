// Command specwatch watches Clerk's published Backend API specs and says what taking a new one,
// or releasing, means for this module's version. It is run by make, never by hand:
//
//	make spec-watch [VERSION=YYYY-MM-DD] [BODY=file.md]   (specwatch watch)
//	make release-check                                    (specwatch release-check)
//
// watch lists Clerk's published versions (GitHub's contents API for bapi/ of clerk/openapi-specs,
// or SPEC_WATCH_LISTING), takes the newest (or -version) when openapi.yaml does not already follow
// it: runs make spec-update FROM=<version> (which reads $CLERK_SPECS_BASE/bapi/<version>.yml,
// bounded, and records where the file came from in spec/clerk/SOURCE), sets APIVersion, runs
// both gates against the last release, and writes a pull request body in Markdown: the
// version change, the wire changes (oasdiff), the Go API changes per package (apidiff) and the
// next version under semver. The scheduled workflow .github/workflows/spec-watch.yml opens or
// updates one pull request with it. Already up to date, it changes nothing and says so.
//
// release-check runs the same gates and prints the next version, for a human release. Both
// judge the version the same way (tools.judge, nextVersion): a change either gate calls
// breaking is never given a non-breaking bump.
//
// Exit status: 0 when the job was done (a body written, or nothing to take; a breaking update
// is still a body written: its pull request's CI then fails until someone decides); 1 when it
// could not be (the listing failed, spec-update could not read or refused the file, a gate could
// not run); 2 for a usage error.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Where Clerk lists its published versions: the default of SPEC_WATCH_LISTING. (Where a
// version's file is read, CLERK_SPECS_BASE, is spec-update's to resolve.)
const defaultListing = "https://api.github.com/repos/clerk/openapi-specs/contents/bapi"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "watch" && args[0] != "release-check") {
		fmt.Fprintln(stderr, "usage: specwatch watch|release-check -repo DIR -oasdiff CMD -apigate CMD [flags]")
		return 2
	}
	fs := flag.NewFlagSet("specwatch "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var t tools
	var oasdiff, apigate string
	fs.StringVar(&t.repo, "repo", ".", "the repository's root")
	fs.StringVar(&oasdiff, "oasdiff", "", "the command that runs oasdiff (the Makefile's OASDIFF)")
	fs.StringVar(&apigate, "apigate", "", "the command that runs the Go API gate (the Makefile's APIGATE)")
	fs.StringVar(&t.released, "released", "spec/released", "the released contract, relative to -repo")
	fs.StringVar(&t.accepted, "go-accepted", "spec/accepted-go-changes.txt", "the acknowledged Go API changes, relative to -repo")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up after this long")
	// watch only
	specUpdate := fs.String("spec-update", "make --no-print-directory spec-update", "the command that takes Clerk's file for a version (FROM=<version> is appended; it resolves the version under $CLERK_SPECS_BASE)")
	listing := fs.String("listing", envOr("SPEC_WATCH_LISTING", defaultListing), "where Clerk's versions are listed (GitHub contents API JSON)")
	version := fs.String("version", "", "take this version rather than the newest")
	bodyPath := fs.String("body", "", "also write the pull request body to this file")
	outputs := fs.String("outputs", "", "append key=value results to this file (GitHub Actions' $GITHUB_OUTPUT)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "specwatch: unexpected arguments %q\n", fs.Args())
		return 2
	}
	t.oasdiff, t.apigate = strings.Fields(oasdiff), strings.Fields(apigate)
	if len(t.oasdiff) == 0 || len(t.apigate) == 0 {
		fmt.Fprintln(stderr, "specwatch: -oasdiff and -apigate are required (run it through make)")
		return 2
	}
	if *version != "" && !versionPattern.MatchString(*version) {
		fmt.Fprintf(stderr, "specwatch: -version %q is not a Clerk API version (YYYY-MM-DD)\n", *version)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	var err error
	if args[0] == "release-check" {
		err = releaseCheck(ctx, t, stdout)
	} else {
		w := watch{tools: t, specUpdate: strings.Fields(*specUpdate), listing: *listing, version: *version,
			hc: &http.Client{Timeout: 2 * time.Minute}, log: stderr}
		var body []byte
		var results map[string]string
		body, results, err = w.run(ctx)
		if err == nil && body != nil && *bodyPath != "" {
			err = os.WriteFile(*bodyPath, body, 0o644)
		}
		if err == nil && *outputs != "" {
			err = appendOutputs(*outputs, results)
		}
		if err == nil {
			stdout.Write(body)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "specwatch: %v\n", err)
		return 1
	}
	return 0
}

// releaseCheck prints the next version from the gates, for a human release.
func releaseCheck(ctx context.Context, t tools, stdout io.Writer) error {
	v, err := t.judge(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Last release: %s. Next version: %s\n\n", v.Released, v.Next)
	writeVerdict(stdout, v, libraryVersion(t.repo))
	if len(v.Wire) > 0 {
		fmt.Fprintf(stdout, "\nWire changes since %s (oasdiff):\n\n", v.Released)
		writeWire(stdout, v.Wire)
	}
	fmt.Fprintf(stdout, "\nGo API changes since %s (apidiff):\n\n", v.Released)
	writeGo(stdout, v.Go)
	return nil
}

type watch struct {
	tools
	specUpdate []string
	listing    string
	version    string
	hc         *http.Client // for the listing
	log        io.Writer
}

// run takes the newest (or the asked) version when openapi.yaml does not follow it yet. It
// returns the pull request body, or nil when there is nothing to take, and the results for
// the workflow: changed (true/false), and with a body, from, version, next, bump, breaking.
func (w watch) run(ctx context.Context) ([]byte, map[string]string, error) {
	from, err := specVersion(w.repo)
	if err != nil {
		return nil, nil, err
	}
	published, err := listVersions(ctx, w.hc, w.listing)
	if err != nil {
		return nil, nil, err
	}
	to := published[len(published)-1]
	if w.version != "" {
		to = ""
		for _, p := range published {
			if p == w.version {
				to = p
			}
		}
		if to == "" {
			return nil, nil, fmt.Errorf("%w: Clerk has not published %s (published: %s)", errNoSuchVersion, w.version, strings.Join(published, ", "))
		}
	}
	unchanged := map[string]string{"changed": "false", "from": from, "version": to}
	switch {
	case to == from:
		fmt.Fprintf(w.log, "specwatch: openapi.yaml already follows Clerk API version %s (newest published: %s); nothing to take\n", from, published[len(published)-1])
		return nil, unchanged, nil
	case to < from && w.version == "":
		fmt.Fprintf(w.log, "specwatch: the newest published version, %s, is older than openapi.yaml's %s; nothing to take (VERSION= takes one explicitly)\n", to, from)
		return nil, unchanged, nil
	}

	tmp, err := os.MkdirTemp("", "specwatch-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmp)
	before := filepath.Join(tmp, "openapi-before.yaml")
	old, err := readFile(w.repo, "openapi.yaml")
	if err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(before, old, 0o600); err != nil {
		return nil, nil, err
	}

	// spec-update reads the version's file (bounded), says what it read, and keeps it in
	// spec/clerk/ with where it came from: the body quotes what it says.
	var said bytes.Buffer
	if err := w.runLogged(ctx, &said, w.specUpdate, "FROM="+to); err != nil {
		return nil, nil, fmt.Errorf("make spec-update FROM=%s could not take Clerk's file (its output above says why): %w", to, err)
	}
	// From here on the working tree holds the update; an error says so.
	taken := func(err error) error {
		return fmt.Errorf("openapi.yaml and gen/ now follow %s, but the watch could not finish (no pull request body): %w", to, err)
	}
	u := update{From: from, To: to}
	if u.URL, u.Size, u.SHA256, err = whatWasRead(said.String()); err != nil {
		return nil, nil, taken(err)
	}
	if err := setAPIVersion(w.repo, to); err != nil {
		return nil, nil, taken(err)
	}
	if u.ThisUpdate, err = w.wireChanges(ctx, before, "openapi.yaml"); err != nil {
		return nil, nil, taken(err)
	}
	v, err := w.judge(ctx)
	if err != nil {
		return nil, nil, taken(err)
	}
	var body bytes.Buffer
	writeBody(&body, u, v, libraryVersion(w.repo))
	fmt.Fprintf(w.log, "specwatch: took Clerk API version %s (was %s); next version %s (%s)\n", to, from, v.Next, v.Change)
	return body.Bytes(), map[string]string{
		"changed": "true", "from": from, "version": to, "next": v.Next, "bump": v.Bump,
		"breaking": fmt.Sprint(v.Change == breaking),
	}, nil
}

// runLogged runs a command in the repository, its output going to the log and to also.
func (w watch) runLogged(ctx context.Context, also io.Writer, argv []string, args ...string) error {
	if len(argv) == 0 {
		return errors.New("no command configured")
	}
	cmd := exec.CommandContext(ctx, argv[0], append(argv[1:len(argv):len(argv)], args...)...)
	out := io.MultiWriter(w.log, also)
	cmd.Dir, cmd.Stdout, cmd.Stderr = w.repo, out, out
	return cmd.Run()
}

// readLine is the line spec-update prints about the file it read: "read <URL or path>: <size>
// bytes, sha256 <hex>".
var readLine = regexp.MustCompile(`(?m)^read (\S+): (\d+) bytes, sha256 ([0-9a-f]{64})$`)

// whatWasRead is where spec-update read the file, its size and sha256, from what it printed.
func whatWasRead(output string) (where string, size int64, sha string, err error) {
	m := readLine.FindAllStringSubmatch(output, -1)
	if len(m) != 1 {
		return "", 0, "", fmt.Errorf("spec-update's output has %d lines 'read <URL>: <size> bytes, sha256 <hex>', not one: the pull request body cannot say what was read", len(m))
	}
	size, err = strconv.ParseInt(m[0][2], 10, 64)
	return m[0][1], size, m[0][3], err
}

// appendOutputs appends key=value lines, in a fixed order, as GitHub Actions reads $GITHUB_OUTPUT.
func appendOutputs(path string, results map[string]string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	for _, k := range []string{"changed", "from", "version", "next", "bump", "breaking"} {
		if v, ok := results[k]; ok {
			fmt.Fprintf(f, "%s=%s\n", k, v)
		}
	}
	return f.Close()
}
