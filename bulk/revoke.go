package bulk

import (
	"context"
	"errors"

	"github.com/clerkgen/signintokens/api"
)

// Revoke revokes, through c, every token the state records as minted and not yet revoked,
// with the same pacing and protocol as Mint (the intent recorded before each request, the
// outcome after), recording each revocation in the state; it resumes where it stopped.
// Tokens accepted or revoked already count as done (Progress.NotPending). Tokens Clerk does
// not know (404) are counted apart (Progress.NotFound) and asked about again on resume: that
// is what a key of another instance gets for every token. Users Mint listed as unknown have
// no token id on record: their tokens, if any, expire on their own; Report.UnknownIDs lists
// them (they are not counted in Progress), so that an undo never looks more complete than it is.
//
// Give the state of the Mint run (OpenState, with the same instance), or a new state filled
// from a links file with AddMinted.
func Revoke(ctx context.Context, c *api.Client, st *State, opts ...Option) (*Report, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if c == nil || st == nil {
		return nil, invalid("Revoke: the *api.Client or the *State is nil")
	}
	recs, err := st.records()
	if err != nil {
		return nil, err
	}
	var jobs []job
	var unknown []string
	total, skipped := 0, 0
	for _, userID := range sortedKeys(recs) {
		r := recs[userID]
		if r.State == stateIntent || r.State == stateUnknown {
			unknown = append(unknown, userID)
		}
		if r.State != stateMinted {
			continue
		}
		total++
		if r.Revoke == revokeDone || r.Revoke == revokeNotPending {
			skipped++
			continue
		}
		jobs = append(jobs, job{userID: userID, tokenID: r.ID})
	}
	p := newPacer(cfg.limiter)
	w := &worker{op: revoking{client: c}, state: st, pacer: p, tally: newTally(total, skipped, nil, cfg.progress, p)}
	runErr := runPool(ctx, min(cfg.concurrency, max(1, len(jobs))), jobs, w.settle)
	final := w.tally.finish()
	return &Report{Progress: final, Failures: w.tally.failures, UnknownIDs: unknown}, runErr
}

// revoking is the revoke operation: one request per minted token.
type revoking struct{ client *api.Client }

func (revoking) intent(r *record)  { r.Revoke = revokeIntent }
func (revoking) notSent(r *record) { r.Revoke = revokeNotSent }

// unrecorded: a revocation intent with no outcome is asked again on resume.
func (revoking) unrecorded() settledAs { return asFailed }

func (op revoking) send(ctx context.Context, j job) (*api.SignInToken, error) {
	return op.client.Revoke(ctx, j.tokenID)
}

// outcome: revoking is safe to repeat, so whatever did not settle is failed (sent again on
// resume), whether or not Clerk may have acted.
func (revoking) outcome(j job, _ *api.SignInToken, err error) (func(r *record), settledAs) {
	set := func(state string, as settledAs) (func(r *record), settledAs) {
		reason := ""
		if err != nil {
			reason = err.Error()
		}
		return func(r *record) { r.Revoke, r.RevokeReason = state, reason }, as
	}
	var apiErr *api.Error
	switch {
	case err == nil:
		return set(revokeDone, asDone)
	case errors.Is(err, api.ErrNotFound):
		return set(revokeNotFound, asNotFound)
	case errors.As(err, &apiErr) && apiErr.Code() == "sign_in_token_cannot_be_revoked_code":
		return set(revokeNotPending, asNotPending) // accepted or revoked already (perhaps by an answer lost earlier)
	}
	return set(revokeFailed, asFailed)
}
