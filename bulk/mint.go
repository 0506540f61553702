package bulk

import (
	"context"
	"fmt"
	"time"

	"github.com/clerkgen/signintokens/api"
)

// maxCredential bounds a token or URL Clerk answers with: real ones are under 2 KiB. A larger
// one is an invalid answer (the user is unknown: a token may exist), never written anywhere.
const maxCredential = 16 << 10

// Mint mints one sign-in token for each distinct user in inputs, through c, exactly once
// across any number of runs on the same state: see the package documentation for the rules.
// Export writes the links file from the state afterwards.
//
// It returns when every user is settled, when ctx is cancelled (after the requests in flight
// are answered and recorded; the error is ctx's), or when something stops every later request
// from working (a refused key, a state that cannot be written, ErrRateLimitedTooLong). The
// Report is never nil when the error is not an input error.
//
// Inputs are checked before anything is sent; a bad one is an error wrapping
// api.ErrInvalidInput that names it by Input.Line (or position).
func Mint(ctx context.Context, c *api.Client, inputs []Input, st *State, opts ...Option) (*Report, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if c == nil || st == nil {
		return nil, invalid("Mint: the *api.Client or the *State is nil")
	}
	for i, in := range inputs {
		if err := in.check(i); err != nil {
			return nil, err
		}
	}
	recs, err := st.records()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var jobs []job
	var skipped int
	var earlierUnknown []string
	duplicates := 0
	for _, in := range inputs {
		if seen[in.UserID] {
			duplicates++
			continue
		}
		seen[in.UserID] = true
		switch recs[in.UserID].State {
		case stateMinted:
			skipped++
			continue
		case stateIntent, stateUnknown:
			if !cfg.retryUnknown {
				earlierUnknown = append(earlierUnknown, in.UserID)
				continue
			}
		}
		jobs = append(jobs, job{userID: in.UserID, in: in})
	}
	p := newPacer(cfg.limiter)
	w := &worker{op: creating{client: c, expiry: cfg.expiry}, state: st, pacer: p,
		tally: newTally(len(seen), skipped, earlierUnknown, cfg.progress, p)}
	runErr := runPool(ctx, min(cfg.concurrency, max(1, len(jobs))), jobs, w.settle)
	final := w.tally.finish()
	return &Report{Progress: final, Duplicates: duplicates, Failures: w.tally.failures, UnknownIDs: w.tally.unknown}, runErr
}

func (in Input) check(i int) error {
	where := fmt.Sprintf("input %d", i+1)
	if in.Line > 0 {
		where = fmt.Sprintf("line %d", in.Line)
	}
	switch {
	case in.UserID == "" || !isID(in.UserID):
		return invalid("%s: UserID is empty or has characters no Clerk id has", where)
	case in.OrganizationID != "" && !isID(in.OrganizationID):
		return invalid("%s: OrganizationID has characters no Clerk id has", where)
	case in.ExpiresIn < 0 || in.ExpiresIn%time.Second != 0:
		return invalid("%s: ExpiresIn is %v; 0 or whole seconds", where, in.ExpiresIn)
	}
	return nil
}

// creating is the create operation: one sign-in token per user.
type creating struct {
	client *api.Client
	expiry time.Duration // for inputs that name none
}

func (creating) intent(r *record) {
	r.State = stateIntent
	r.Attempts++
}

func (creating) notSent(r *record) { r.State = stateNotSent }

// unrecorded: an intent with no outcome is unknown to every later run (a token may exist).
func (creating) unrecorded() settledAs { return asUnknown }

func (op creating) expiryOf(in Input) time.Duration {
	if in.ExpiresIn > 0 {
		return in.ExpiresIn
	}
	return op.expiry
}

func (op creating) send(ctx context.Context, j job) (*api.SignInToken, error) {
	return op.client.Create(ctx, api.CreateParams{UserID: j.userID, OrganizationID: j.in.OrganizationID, ExpiresIn: op.expiryOf(j.in)})
}

func (op creating) outcome(j job, tok *api.SignInToken, err error) (func(r *record), settledAs) {
	unknown := func(reason string) (func(r *record), settledAs) {
		return func(r *record) { r.State, r.Reason = stateUnknown, reason }, asUnknown
	}
	switch {
	case err != nil && api.MayHaveActed(err):
		return unknown(err.Error())
	case err != nil:
		return func(r *record) { r.State, r.Reason = stateRefused, err.Error() }, asFailed
	}
	token, url := credentials(tok)
	switch {
	// The api package answers a Create without the token or URL with ErrInvalidResponse, so
	// what is left to check is what would make the token unusable or the state large. None
	// of it is quoted: it is not what it should be.
	case !isID(tok.ID):
		return unknown("Clerk answered 200 with a token whose id is not an id; not recorded")
	case len(token) > maxCredential || len(url) > maxCredential:
		return unknown(fmt.Sprintf("Clerk answered 200 with a token or URL over %d KiB: an invalid answer, not recorded", maxCredential>>10))
	case tok.UserID != j.userID:
		// Its link would sign our user in as someone else: never hand it out. The token
		// exists, so the user is unknown; the reason names it, for revoking by hand.
		return unknown(fmt.Sprintf("Clerk answered with token %s for another user; not recorded", tok.ID))
	}
	expiresAt := tok.CreatedAt.Add(op.expiryOf(j.in)).UnixMilli()
	return func(r *record) {
		r.State, r.Reason = stateMinted, ""
		r.Org = j.in.OrganizationID
		r.ID, r.URL, r.Token, r.ExpiresAt, r.Status = tok.ID, url, token, expiresAt, string(tok.Status)
	}, asDone
}
