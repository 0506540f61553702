package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/clerkgen/signintokens/clienttest"
	"github.com/clerkgen/signintokens/internal/atomicfile"
)

// maxListed bounds the violations and fake errors the summary lists; all are counted.
const maxListed = 100

// fakeSummary is what fake reports at exit, on stderr and (--summary-json) as JSON. It is
// read from the fake itself (Handler.Counts and the events it keeps), so its words and numbers
// are the control API's: counts is GET /__clienttest/requests' counts, each violation is
// shaped as in GET /__clienttest/violations. Each message says where and what was wrong,
// never a value sent (no key, token or body).
type fakeSummary struct {
	Counts     clienttest.Counts  `json:"counts"`
	Violations []summaryViolation `json:"violations"`  // the most recent maxListed, oldest first
	FakeErrors []summaryFakeError `json:"fake_errors"` // the most recent maxListed, oldest first
	ExitCode   int                `json:"exit_code"`
}

type summaryViolation struct {
	Kind     string `json:"kind"`
	Expected bool   `json:"expected"`
	Message  string `json:"message"`
}

type summaryFakeError struct {
	Message string `json:"message"`
}

// summarize reads the summary from the fake; exitCode is what the run's verdict is.
func summarize(fake *clienttest.Handler, exitCode int) fakeSummary {
	s := fakeSummary{Counts: fake.Counts(), Violations: []summaryViolation{}, FakeErrors: []summaryFakeError{}, ExitCode: exitCode}
	for _, e := range lastN(fake.ViolationEvents(), maxListed) {
		s.Violations = append(s.Violations, summaryViolation{Kind: e.Reason, Expected: e.Expected, Message: e.Message})
	}
	for _, msg := range lastN(fake.FakeErrors(), maxListed) {
		s.FakeErrors = append(s.FakeErrors, summaryFakeError{Message: msg})
	}
	return s
}

func lastN[T any](s []T, n int) []T { return s[max(len(s)-n, 0):] }

// countWords are the summary's counts in the order printed, each with the words it is
// printed as: Counts' JSON names, with spaces (TestSummaryWordsAreTheControlAPIs).
func countWords(c clienttest.Counts) []struct {
	n    int
	noun string
} {
	return []struct {
		n    int
		noun string
	}{
		{c.Requests, "request"}, {c.UnexpectedViolations, "unexpected violation"}, {c.ExpectedViolations, "expected violation"},
		{c.UnmetExpectations, "unmet expectation"}, {c.AuthFailures, "auth failure"}, {c.UnknownRoutes, "unknown route"},
		{c.FakeErrors, "fake error"},
	}
}

func (s fakeSummary) writeText(w io.Writer) {
	fmt.Fprint(w, "signintoken fake:")
	for i, c := range countWords(s.Counts) {
		sep := ","
		if i == 0 {
			sep = ""
		}
		fmt.Fprintf(w, "%s %s", sep, count(int64(c.n), c.noun))
	}
	fmt.Fprintf(w, "; exit %d\n", s.ExitCode)
	for _, e := range s.FakeErrors {
		fmt.Fprintf(w, "  - %s\n", terminalText(e.Message, maxLineLen)) // the message names its kind: "fake error: …"
	}
	for _, v := range s.Violations {
		word := "unexpected violation"
		if v.Expected {
			word = "expected violation"
		}
		fmt.Fprintf(w, "  - %s (%s): %s\n", word, v.Kind, terminalText(v.Message, maxLineLen)) // it names a path a client chose
	}
	if more := s.Counts.UnexpectedViolations + s.Counts.ExpectedViolations - len(s.Violations); more > 0 {
		fmt.Fprintf(w, "  … and %d earlier violations (see --history and the control API)\n", more)
	}
}

// count says "1 request", "3 requests".
func count(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// summaryDest is how --summary-json writes to its path.
type summaryDest int

const (
	// replaceFile: a regular file this user owns, or nothing yet. The summary replaces it
	// atomically (internal/atomicfile: a temporary file beside it, fsynced, renamed over it),
	// so a CI step that finds the file can trust it. The fsyncs cost two at exit; without them
	// a crash just after the rename could leave an empty file on some file systems.
	replaceFile summaryDest = iota
	// writeInPlace: a device, a FIFO, or whatever a symlink points at (/dev/stdout): opened
	// and written, never replaced, so the symlink stays a symlink and a reader stays connected.
	writeInPlace
)

// summaryTarget says how --summary-json will write to path, or why it cannot. Called at
// start, so a mistake fails before the CI run, and again at exit.
func summaryTarget(path string) (summaryDest, error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if d, err := os.Stat(filepath.Dir(path)); err != nil || !d.IsDir() {
			return 0, fmt.Errorf("no directory %q to write into", filepath.Dir(path))
		}
		return replaceFile, nil
	case err != nil:
		return 0, err
	case fi.Mode()&fs.ModeSymlink != 0:
		// Follow only a symlink this user made, or its directory's owner did (/dev/stdout),
		// as Linux's protected_symlinks does in sticky directories, which is often off: in a
		// directory others can write, a neighbour's symlink would aim the write at any file
		// of this user's.
		if d, err := os.Stat(filepath.Dir(path)); !ownedByMe(fi) && (err != nil || !sameOwner(fi, d)) {
			return 0, fmt.Errorf("%s is a symlink another user made: not writing through it", path)
		}
		target, err := os.Stat(path)
		switch {
		case err != nil:
			return 0, fmt.Errorf("%s is a symlink to nothing that exists (%v)", path, err)
		case target.Mode().IsRegular() && !ownedByMe(target):
			return 0, fmt.Errorf("%s links to a file another user owns: not writing into it", path)
		case target.IsDir():
			return 0, fmt.Errorf("%s links to a directory", path)
		}
		return writeInPlace, nil
	case fi.Mode().IsRegular():
		if !ownedByMe(fi) {
			return 0, fmt.Errorf("%s is a file another user owns: not replacing it", path)
		}
		return replaceFile, nil
	case fi.Mode()&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe) != 0:
		return writeInPlace, nil
	}
	return 0, fmt.Errorf("%s is a %s, not a file, device or FIFO", path, fileKind(fi.Mode()))
}

func fileKind(m fs.FileMode) string {
	if m.IsDir() {
		return "directory"
	}
	return "special file"
}

// summaryWriteTimeout bounds writing the summary into a FIFO or pipe whose reader stalls.
const summaryWriteTimeout = 10 * time.Second

// writeJSONFile writes the summary to path as summaryTarget says.
func (s fakeSummary) writeJSONFile(path string) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	dest, err := summaryTarget(path)
	if err != nil {
		return err
	}
	if dest == writeInPlace {
		return writeInto(path, data)
	}
	return atomicfile.Write(path, data)
}

// writeInto opens path, following a symlink, and writes data into it: a regular file is
// truncated first. A FIFO is opened without waiting for a reader (none: an error, not a hang),
// and the write is bounded by summaryWriteTimeout.
func writeInto(path string, data []byte) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	flags := os.O_WRONLY
	switch {
	case fi.Mode().IsRegular():
		flags |= os.O_TRUNC
	case fi.Mode()&fs.ModeNamedPipe != 0:
		flags |= syscall.O_NONBLOCK
	}
	f, err := os.OpenFile(path, flags, 0)
	if err != nil {
		if errors.Is(err, syscall.ENXIO) {
			return fmt.Errorf("%s: nothing reads this FIFO", path)
		}
		return err
	}
	_ = f.SetWriteDeadline(time.Now().Add(summaryWriteTimeout)) // os.ErrNoDeadline for a file or a tty
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
