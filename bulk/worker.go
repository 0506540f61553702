package bulk

import (
	"context"
	"errors"
	"time"

	"github.com/clerkgen/signintokens/api"
)

// operation is what one kind of run (create, revoke) sends for a job and records of it. The
// protocol around it is the same for both, and lives in worker.settle.
type operation interface {
	// intent marks r as about to be sent; notSent puts it back as still to do.
	intent(r *record)
	notSent(r *record)
	// send sends one request for j.
	send(ctx context.Context, j job) (*api.SignInToken, error)
	// outcome is what the answer (tok, or err, which is not a 429) says: the change to the
	// record, and how the run counts it.
	outcome(j job, tok *api.SignInToken, err error) (func(r *record), settledAs)
	// unrecorded is how the run counts a job whose intent is on disk but whose outcome (or
	// not-sent mark) could not be written: the state keeps the intent, so the run's report
	// must say what a resume will read there.
	unrecorded() settledAs
}

// job is one user (create) or one token (revoke) to settle.
type job struct {
	userID  string
	tokenID string // revoke
	in      Input  // create
}

// settledAs is how an answer counts in a run's Progress.
type settledAs int

const (
	asDone settledAs = iota
	asNotPending
	asNotFound
	asFailed
	asUnknown
)

// worker runs an operation's jobs against a state, sharing one pacer and tally.
type worker struct {
	op    operation
	state *State
	pacer *pacer
	tally *tally
}

// settle takes one job through the protocol: record the intent, wait for the limiter, send,
// record the outcome. Each record is one durable transaction (grouped with other workers'), so
// a resume sees either the intent or the outcome, never half of one. An error stops the run.
func (w *worker) settle(ctx context.Context, j job) error {
	if w.pacer.reserve(ctx) != nil {
		return nil // cancelled before anything was recorded: still to do
	}
	if err := w.state.update(j.userID, w.op.intent); err != nil {
		w.pacer.release()
		return err // nothing sent; every later intent would fail the same way
	}
	err := w.pacer.clear(ctx)
	w.pacer.release()
	if err != nil {
		return w.record(j, w.op.notSent)
	}
	for {
		// Each attempt gets its own grace: a long pause after a 429 must not use it up.
		reqCtx, cancel := requestContext(ctx)
		sent := time.Now()
		tok, err := w.op.send(reqCtx, j)
		cancel()
		if errors.Is(err, api.ErrRateLimited) { // Clerk did nothing: pause the run, send again
			if stop := w.pacer.backOff(retryAfter(err), sent); stop != nil {
				if uerr := w.record(j, w.op.notSent); uerr != nil {
					return uerr
				}
				return stop
			}
			if w.pacer.clear(ctx) != nil {
				return w.record(j, w.op.notSent)
			}
			continue
		}
		w.pacer.answered()
		change, as := w.op.outcome(j, tok, err)
		if uerr := w.record(j, change); uerr != nil {
			return uerr
		}
		w.tally.count(j, as, err)
		if errors.Is(err, api.ErrUnauthorized) {
			return err // a refused key fails every later request too
		}
		return nil
	}
}

// record writes a change after j's intent. When it cannot be written (a full disk, a failing
// one), the state still shows the intent, and the job is counted as a resume will read it
// (unrecorded): a token minted a moment ago is never reported as not started.
func (w *worker) record(j job, change func(r *record)) error {
	err := w.state.update(j.userID, change)
	if err != nil {
		w.tally.count(j, w.op.unrecorded(), err)
	}
	return err
}

// retryAfter is the Retry-After of a 429, or 0.
func retryAfter(err error) time.Duration {
	var apiErr *api.Error
	if errors.As(err, &apiErr) {
		return apiErr.RetryAfter
	}
	return 0
}
