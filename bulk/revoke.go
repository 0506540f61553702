package bulk

import (
	"context"
	"fmt"

	"github.com/clerkgen/signintokens/api"
)

// Revoke revokes every token in minted (ReadMinted reads them from a Mint run's output or
// journal) through c, with the same pacing as Mint and a journal of its own at journalPath,
// so that it resumes where it stopped. Tokens that are no longer pending (accepted, revoked
// already, or unknown to Clerk) count as done: there is nothing left to revoke. Revoking is
// safe to repeat, so a request whose answer was lost is simply sent again on resume.
//
// Users that Mint listed as unknown have no token id on record and cannot be revoked here.
func Revoke(ctx context.Context, c *api.Client, minted []Minted, journalPath string, opts ...Option) (*Report, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, invalid("Revoke: the *api.Client is nil")
	}
	if journalPath == "" {
		return nil, invalid("Revoke: the journal path is empty")
	}
	for i, m := range minted {
		if m.ID == "" || !isID(m.ID) {
			return nil, invalid("token %d (user %s): the sign-in token id is empty or malformed", i+1, m.UserID)
		}
	}
	done := map[string]bool{} // token id → revoked or not pending
	j, err := openJournal(journalPath, opRevoke, func(e event) error {
		switch e.Event {
		case evRevoked, evGone:
			done[e.ID] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	defer j.close()

	r := &revoker{client: c, journal: j, pacer: newPacer(cfg.limiter)}
	seen := map[string]bool{}
	var jobs []Minted
	duplicates := 0
	for _, m := range minted {
		if seen[m.ID] {
			duplicates++
			continue
		}
		seen[m.ID] = true
		if !done[m.ID] {
			jobs = append(jobs, m)
		}
	}
	r.tally = newTally(len(seen), len(seen)-len(jobs), nil, cfg.progress, r.pacer)
	runErr := runPool(ctx, cfg.concurrency, jobs, r.revoke)
	final := r.tally.finish()
	return &Report{Progress: final, Duplicates: duplicates, Failures: r.tally.failures}, runErr
}

type revoker struct {
	client  *api.Client
	journal *journal
	pacer   *pacer
	tally   *tally
}

// revoke settles one token. An error stops the run.
func (r *revoker) revoke(ctx context.Context, m Minted) error {
	if r.pacer.reserve(ctx) != nil {
		return nil
	}
	if err := r.journal.record(event{Event: evIntent, UserID: m.UserID, ID: m.ID}); err != nil {
		r.pacer.release()
		return err
	}
	err := r.pacer.clear(ctx)
	r.pacer.release()
	if err != nil {
		return nil // not sent; a resume sends it (an intent alone is not an outcome here)
	}
	for attempt := 1; ; attempt++ {
		// Each attempt gets its own grace: a long pause after a 429 must not use it up.
		reqCtx, cancel := requestContext(ctx)
		_, err := r.client.Revoke(reqCtx, m.ID)
		cancel()
		switch classifyRevoke(err) {
		case settled:
			r.tally.done()
			return r.journal.record(event{Event: evRevoked, UserID: m.UserID, ID: m.ID})
		case notPending:
			r.tally.notPending()
			return r.journal.record(event{Event: evGone, UserID: m.UserID, ID: m.ID, Reason: err.Error()})
		case rateLimited:
			r.pacer.backOff(retryAfter(err))
			if attempt < maxRateLimited {
				if r.pacer.clear(ctx) != nil {
					return nil // cancelled: still to do, and a resume sends it
				}
				continue
			}
			err = fmt.Errorf("answered 429 %d times: %w", attempt, err)
		}
		r.tally.failed(Failure{UserID: m.UserID, ID: m.ID, Err: err}, true)
		if jerr := r.journal.record(event{Event: evFailed, UserID: m.UserID, ID: m.ID, Reason: err.Error()}); jerr != nil {
			return jerr
		}
		if fatal(err) {
			return err
		}
		return nil
	}
}
