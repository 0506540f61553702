package bulk

import (
	"sync"
	"time"
)

// Progress is a run's state, as WithProgress reports it.
type Progress struct {
	Total       int // distinct users (Mint) or tokens (Revoke) in the input
	Done        int // minted (revoked) by this run
	NotPending  int // Revoke only, part of Done: the token was accepted or revoked already
	NotFound    int // Revoke only: Clerk knows no such token (another instance's key?); asked again on resume
	Skipped     int // done by an earlier run, per the state file
	Failed      int // Clerk refused or was never reached: nothing was minted (revoked)
	Unknown     int // Mint only: a token may exist that no file records
	Remaining   int // not settled yet
	RateLimited int // 429 answers so far; each paused the whole run
	Elapsed     time.Duration
	Rate        float64 // requests answered per second, since the run started
}

// tally counts a run's outcomes and reports them.
type tally struct {
	mu       sync.Mutex
	p        Progress
	answered int
	start    time.Time
	report   func(Progress)
	pacer    *pacer

	failures []Failure
	unknown  []string
}

// newTally starts the counts of a run of total users (tokens), skipped of them done before
// and unknown ones held back, and reports them.
func newTally(total, skipped int, unknown []string, report func(Progress), p *pacer) *tally {
	t := &tally{start: time.Now(), report: report, pacer: p, unknown: unknown}
	t.settle(false, func(p *Progress) {
		p.Total, p.Skipped, p.Unknown = total, skipped, len(unknown)
	})
	return t
}

// settle applies one change of counts and reports it; answered says a request was answered.
func (t *tally) settle(answered bool, change func(p *Progress)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if answered {
		t.answered++
	}
	change(&t.p)
	t.p.Remaining = t.p.Total - t.p.Done - t.p.Skipped - t.p.Failed - t.p.Unknown - t.p.NotFound
	t.emit()
}

// count settles one job as the worker's operation says. err is the answer's, for Failures.
func (t *tally) count(j job, as settledAs, err error) {
	t.settle(true, func(p *Progress) {
		switch as {
		case asDone:
			p.Done++
		case asNotPending:
			p.Done++
			p.NotPending++
		case asNotFound:
			p.NotFound++
		case asFailed:
			p.Failed++
			t.failures = append(t.failures, Failure{UserID: j.userID, ID: j.tokenID, Err: err})
		case asUnknown:
			p.Unknown++
			t.unknown = append(t.unknown, j.userID)
		}
	})
}

// emit reports the current counts; t.mu is held, so reports come one at a time and in order.
func (t *tally) emit() {
	if t.report == nil {
		return
	}
	t.report(t.snapshot())
}

func (t *tally) snapshot() Progress {
	p := t.p
	p.Elapsed = time.Since(t.start)
	p.RateLimited = t.pacer.rateLimitedCount()
	if secs := p.Elapsed.Seconds(); secs > 0 {
		p.Rate = float64(t.answered) / secs
	}
	return p
}

// finish reports the final counts once more and returns them.
func (t *tally) finish() Progress {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.emit()
	return t.snapshot()
}
