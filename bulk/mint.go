package bulk

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/clerkgen/signintokens/api"
)

// Files are where a Mint run keeps its state: Output, the minted tokens with their
// credentials, and Journal, the record of every request and outcome. Both are created with
// mode 0600 and only ever appended to; give the same Files to resume a run.
type Files struct {
	Output  string
	Journal string // default: Output + ".journal"
}

// Mint mints one sign-in token for each distinct user in inputs, through c, exactly once
// across any number of runs on the same Files: see the package documentation for the rules.
//
// It returns when every user is settled, when ctx is cancelled (after the requests in flight
// are answered and recorded; the error is ctx's), or when something stops every later request
// from working (a refused key, a file that cannot be written). The Report is never nil once
// the files are open.
//
// Inputs are checked before anything is sent; a bad one is an error wrapping
// api.ErrInvalidInput that names it by Input.Line (or position).
func Mint(ctx context.Context, c *api.Client, inputs []Input, files Files, opts ...Option) (*Report, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, invalid("Mint: the *api.Client is nil")
	}
	if files.Output == "" {
		return nil, invalid("Mint: Files.Output is empty")
	}
	if files.Journal == "" {
		files.Journal = files.Output + ".journal"
	}
	if filepath.Clean(files.Journal) == filepath.Clean(files.Output) {
		return nil, invalid("Mint: Files.Journal and Files.Output are the same file")
	}
	for i, in := range inputs {
		if err := in.check(i); err != nil {
			return nil, err
		}
	}

	// The journal says what was asked and answered; the output is where minted tokens are
	// written first, so a crash between the two leaves the output ahead, never behind.
	state := map[string]string{} // user id → last journal event about it
	var journalMinted []Minted
	j, err := openJournal(files.Journal, opCreate, func(e event) error {
		if e.Event != evHeader && e.UserID != "" {
			state[e.UserID] = e.Event
		}
		if e.Event == evMinted {
			journalMinted = append(journalMinted, Minted{UserID: e.UserID, ID: e.ID})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	defer j.close()
	out, written, err := openOutput(files.Output)
	if err != nil {
		return nil, err
	}
	defer out.close()
	if err := outputHolds(files, written, journalMinted); err != nil {
		return nil, err
	}
	for _, m := range written {
		state[m.UserID] = evMinted
	}

	seen := map[string]bool{}
	var jobs []Input
	var skipped int
	var earlierUnknown []string
	duplicates := 0
	for _, in := range inputs {
		if seen[in.UserID] {
			duplicates++
			continue
		}
		seen[in.UserID] = true
		switch state[in.UserID] {
		case evMinted:
			skipped++
			continue
		case evIntent, evUnknown:
			if !cfg.retryUnknown {
				earlierUnknown = append(earlierUnknown, in.UserID)
				continue
			}
		}
		jobs = append(jobs, in)
	}
	p := newPacer(cfg.limiter)
	m := &minter{client: c, cfg: cfg, journal: j, out: out, pacer: p,
		tally: newTally(len(seen), skipped, earlierUnknown, cfg.progress, p)}
	runErr := runPool(ctx, cfg.concurrency, jobs, m.mint)
	final := m.tally.finish()
	report := &Report{Progress: final, Duplicates: duplicates, Failures: m.tally.failures, UnknownIDs: m.tally.unknown}
	return report, runErr
}

// outputHolds checks that the output holds every token the journal records as minted. The
// output is written (and fsynced) before the journal's outcome, so it can only be behind when
// it was deleted, cut by hand or swapped for another run's: resuming would then count those
// users as done while their links are nowhere.
func outputHolds(files Files, written, journalMinted []Minted) error {
	has := make(map[Minted]bool, len(written))
	for _, m := range written {
		has[m] = true
	}
	var missing []Minted
	for _, m := range journalMinted {
		if !has[m] {
			missing = append(missing, m)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("bulk: %s does not hold %d of the %d tokens its journal %s records as minted (first: %s for %s): "+
		"the output was deleted, edited, or is another run's; restore it, or give a new output and journal to start a new run",
		files.Output, len(missing), len(journalMinted), files.Journal, missing[0].ID, missing[0].UserID)
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

type minter struct {
	client  *api.Client
	cfg     config
	journal *journal
	out     *output
	pacer   *pacer
	tally   *tally
}

// mint settles one user: intent, Create, then output and outcome. An error stops the run.
func (m *minter) mint(ctx context.Context, in Input) error {
	if m.pacer.reserve(ctx) != nil {
		return nil // cancelled before anything was recorded: the user stays to do
	}
	if err := m.journal.record(event{Event: evIntent, UserID: in.UserID}); err != nil {
		m.pacer.release()
		return err // nothing sent; every later intent would fail the same way
	}
	err := m.pacer.clear(ctx)
	m.pacer.release()
	if err != nil {
		return m.putBack(in.UserID, "cancelled before sending")
	}
	expiry := in.ExpiresIn
	if expiry == 0 {
		expiry = m.cfg.expiry
	}
	params := api.CreateParams{UserID: in.UserID, OrganizationID: in.OrganizationID, ExpiresIn: expiry}
	for attempt := 1; ; attempt++ {
		// Each attempt gets its own grace: a long pause after a 429 must not use it up.
		reqCtx, cancel := requestContext(ctx)
		tok, err := m.client.Create(reqCtx, params)
		cancel()
		switch classifyCreate(err) {
		case settled:
			// The api package answers a Create without the token or URL with ErrInvalidResponse
			// (maybeDone below), so only the id is left to check: one that is not an id could
			// not be revoked, and would break the files' lines. Not quoted: it is no id.
			if !isID(tok.ID) {
				m.unknown(in.UserID, "Clerk answered 200 with a token whose id is not an id; not written to the output")
				return nil
			}
			if tok.UserID != in.UserID {
				// Its link would sign our user in as someone else: never hand it out. The token
				// exists, so the user is unknown; the reason names it, for revoking by hand.
				m.unknown(in.UserID, fmt.Sprintf("Clerk answered with token %s for another user; not written to the output", tok.ID))
				return nil
			}
			expiresAt := tok.CreatedAt.Add(expiry)
			if err := m.out.writeToken(tok, expiresAt); err != nil {
				m.unknown(in.UserID, "minted, but the output could not be written")
				return err
			}
			m.tally.done() // the output has it: a resume sees it there, journal or not
			return m.journal.record(event{Event: evMinted, UserID: in.UserID, ID: tok.ID, ExpiresAt: expiresAt.UnixMilli()})
		case rateLimited:
			m.pacer.backOff(retryAfter(err))
			if attempt >= maxRateLimited {
				return m.fail(in.UserID, fmt.Errorf("answered 429 %d times: %w", attempt, err), true)
			}
			if m.pacer.clear(ctx) != nil {
				return m.putBack(in.UserID, "cancelled while rate limited")
			}
		case refused:
			if ferr := m.fail(in.UserID, err, !errors.Is(err, api.ErrInvalidInput)); ferr != nil {
				return ferr
			}
			if fatal(err) {
				return err
			}
			return nil
		default: // maybeDone
			m.unknown(in.UserID, err.Error())
			return nil
		}
	}
}

// fail records that nothing was minted for userID, so a resume sends again.
func (m *minter) fail(userID string, err error, answered bool) error {
	m.tally.failed(Failure{UserID: userID, Err: err}, answered)
	return m.journal.record(event{Event: evFailed, UserID: userID, Reason: err.Error()})
}

// putBack records that nothing was sent for userID after its intent, because the run was
// cancelled: the user counts as remaining, and a resume sends for it.
func (m *minter) putBack(userID, reason string) error {
	return m.journal.record(event{Event: evFailed, UserID: userID, Reason: reason})
}

// unknown records that userID may hold a token no file records. The intent already says as
// much; the event adds the reason. A failure to write it changes nothing on resume.
func (m *minter) unknown(userID, reason string) {
	m.tally.unknownOutcome(userID)
	_ = m.journal.record(event{Event: evUnknown, UserID: userID, Reason: reason})
}
