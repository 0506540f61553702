package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/clerkgen/signintokens/bulk"
)

// progressEvery is how often a run not on a terminal prints a progress line.
const progressEvery = 5 * time.Second

// progressPrinter shows a run's progress on stderr: a bar on a terminal, otherwise a plain
// line now and then (a CI log or a file should not fill with redraws).
type progressPrinter struct {
	mu       sync.Mutex
	w        io.Writer
	verb     string
	terminal bool                     // a bar; otherwise plain lines
	bar      *progressbar.ProgressBar // the bar, once the first report came
	desc     string                   // the bar's description, as last set (setting it redraws)
	throttle time.Duration            // the bar's shortest time between redraws
	every    time.Duration            // plain lines: the shortest time between them
	last     time.Time
	p        bulk.Progress
	reported bool // a report came: the run started, so finish has something to say
}

func newProgressPrinter(stderr io.Writer, verb string) *progressPrinter {
	return newProgress(stderr, verb, isTerminal(stderr))
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newProgress(stderr io.Writer, verb string, terminal bool) *progressPrinter {
	return &progressPrinter{w: stderr, verb: verb, terminal: terminal, throttle: 100 * time.Millisecond, every: progressEvery, last: time.Now()}
}

// update is the run's WithProgress callback.
func (pp *progressPrinter) update(p bulk.Progress) {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	pp.p, pp.reported = p, true
	if pp.terminal {
		if pp.bar == nil { // made at the first report, which knows the total
			pp.bar = progressbar.NewOptions(p.Total,
				progressbar.OptionSetWriter(pp.w),
				progressbar.OptionSetDescription(pp.verb),
				progressbar.OptionShowCount(),
				progressbar.OptionThrottle(pp.throttle),
				progressbar.OptionClearOnFinish(),
			)
		}
		if desc := fmt.Sprintf("%s (%d failed, %d unknown, %d 429s)", pp.verb, p.Failed, p.Unknown, p.RateLimited); desc != pp.desc {
			pp.desc = desc
			pp.bar.Describe(desc)
		}
		_ = pp.bar.Set(p.Total - p.Remaining) // redrawn at most once per throttle
		return
	}
	if time.Since(pp.last) >= pp.every {
		pp.last = time.Now()
		pp.line(p)
	}
}

func (pp *progressPrinter) line(p bulk.Progress) {
	fmt.Fprintf(pp.w, "signintoken: %s: %d/%d settled (%d done, %d skipped, %d failed, %d unknown), %d remaining, %.1f req/s, %d answered 429\n",
		pp.verb, p.Total-p.Remaining, p.Total, p.Done, p.Skipped, p.Failed, p.Unknown, p.Remaining, p.Rate, p.RateLimited)
}

// finish ends the bar, or prints the last line.
// finish clears the bar, or prints the last counts; nothing if the run never started (it was
// refused: a "0/0 settled" line would only stand in front of the error).
func (pp *progressPrinter) finish() {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	if !pp.reported {
		return
	}
	if pp.terminal {
		if pp.bar != nil {
			_ = pp.bar.Finish()
		}
		return
	}
	pp.line(pp.p)
}

// printMintSummary prints what a bulk create run did: counts, then each failure with its
// reason and each unknown user, so that a person (or a script) can act on them. User ids
// were checked when read (letters, digits, _ and -); reasons are the server's words, so they
// pass through terminalText.
func printMintSummary(w io.Writer, r *bulk.Report, statePath, out string, exported int) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "minted:\t%d\n", r.Done)
	fmt.Fprintf(tw, "skipped:\t%d\t(done by an earlier run)\n", r.Skipped)
	if r.Duplicates > 0 {
		fmt.Fprintf(tw, "duplicates:\t%d\t(input lines repeating a user id, ignored)\n", r.Duplicates)
	}
	fmt.Fprintf(tw, "failed:\t%d\t(nothing minted; run again to retry)\n", r.Failed)
	fmt.Fprintf(tw, "unknown:\t%d\t(a token may exist; not minted again unless --retry-unknown)\n", r.Unknown)
	if r.Remaining > 0 {
		fmt.Fprintf(tw, "remaining:\t%d\t(not started; run again to resume)\n", r.Remaining)
	}
	fmt.Fprintf(tw, "rate:\t%.1f requests/s\t(%d answered 429, %s)\n", r.Rate, r.RateLimited, r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(tw, "links:\t%s\t(%d tokens; holds credentials: keep it private, delete it once the links are sent)\n", out, exported)
	fmt.Fprintf(tw, "state:\t%s\t(also holds the credentials; keep it to resume or undo the run)\n", statePath)
	tw.Flush()
	if len(r.Failures) > 0 {
		fmt.Fprintln(w, "failed users:")
		for _, f := range r.Failures {
			fmt.Fprintf(w, "  %s: %s\n", f.UserID, terminalText(f.Err.Error(), maxLineLen))
		}
	}
	if len(r.UnknownIDs) > 0 {
		fmt.Fprintln(w, "unknown users:")
		for _, id := range r.UnknownIDs {
			fmt.Fprintf(w, "  %s\n", id)
		}
	}
}

// printRevokeSummary prints what a bulk revoke run did.
func printRevokeSummary(w io.Writer, r *bulk.Report, statePath string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "revoked:\t%d\n", r.Done-r.NotPending)
	fmt.Fprintf(tw, "not pending:\t%d\t(used or revoked already)\n", r.NotPending)
	fmt.Fprintf(tw, "not found:\t%d\t(unknown to this key's instance; not revoked)\n", r.NotFound)
	fmt.Fprintf(tw, "skipped:\t%d\t(done by an earlier run)\n", r.Skipped)
	fmt.Fprintf(tw, "failed:\t%d\t(run again to retry)\n", r.Failed)
	if len(r.UnknownIDs) > 0 {
		// Their create outcome is unknown: a token may exist with no id on record.
		fmt.Fprintf(tw, "unknown:\t%d\t(users the create run left unknown: a token may exist that no undo can revoke, no id on record; it expires on its own)\n", len(r.UnknownIDs))
	}
	if r.Remaining > 0 {
		fmt.Fprintf(tw, "remaining:\t%d\t(not started; run again to resume)\n", r.Remaining)
	}
	fmt.Fprintf(tw, "rate:\t%.1f requests/s\t(%d answered 429, %s)\n", r.Rate, r.RateLimited, r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(tw, "state:\t%s\n", statePath)
	tw.Flush()
	if len(r.Failures) > 0 {
		fmt.Fprintln(w, "failed tokens:")
		for _, f := range r.Failures {
			fmt.Fprintf(w, "  %s (%s): %s\n", f.ID, terminalText(f.UserID, maxFieldLen), terminalText(f.Err.Error(), maxLineLen))
		}
	}
	if len(r.UnknownIDs) > 0 {
		fmt.Fprintln(w, "unknown users:")
		for _, id := range r.UnknownIDs {
			fmt.Fprintf(w, "  %s\n", id)
		}
	}
}
