// Package bulk mints sign-in tokens for thousands of users at Clerk's rate limit, exactly
// once per user across crashes and re-runs, and revokes what a run minted.
//
//	c, _ := api.NewClient(key, api.WithRetryPolicy(bulk.ClientRetryPolicy()))
//	users, err := bulk.ReadInputs(file) // CSV with a user_id column, or JSON lines
//	report, err := bulk.Mint(ctx, c, users, bulk.Files{Output: "links.jsonl"},
//		bulk.WithLimiter(bulk.LimiterFor(key)))
//	// Later, to undo the run:
//	minted, err := bulk.ReadMinted("links.jsonl")
//	report, err = bulk.Revoke(ctx, c, minted, "links.jsonl.revoke.journal", bulk.WithLimiter(bulk.LimiterFor(key)))
//
// # Rate
//
// Every request of a run waits its turn at one rate.Limiter (WithLimiter). NewLimiter turns
// a server limit (n requests per window) into a limiter that stays Headroom (3%) under it;
// LimiterFor picks Clerk's limit from a key: 1000 per 10 s for sk_live_, 100 per 10 s
// otherwise, which is also the default. At most WithConcurrency requests are in flight.
//
// A 429 pauses the whole run, not one worker: no request starts until the answer's
// Retry-After (1 s if it names none, a minute at most) has passed, and the run's rate drops
// by 10% (to no less than a tenth of the start), since a 429 despite the limiter means
// something else spends the same limit. The request is then sent again: a 429 says Clerk did
// nothing. To see 429s at all, the client must not sleep on them itself: give it
// ClientRetryPolicy, which returns a 429 at once and still retries connections that failed
// before the request was written. With the api package's default policy a 429 holds up only
// the worker that got it.
//
// # Exactly once
//
// A run keeps two files, both created with mode 0600, only ever appended to, and fsynced
// line by line (concurrent lines share one fsync). A file open to other users is refused, and
// so is a file another run holds: a run locks both (flock on Unix; the lock dies with the
// process), so starting the same run twice cannot mint twice.
//
//   - The output (Files.Output): one JSON line per minted token, with user_id, id, url,
//     token, expires_at (Unix ms) and status. It holds credentials: treat it like a password
//     file, and delete it once the links are sent.
//   - The journal (Files.Journal, default Output+".journal"): one JSON line per event, with
//     ids and outcomes only, never a token or URL: an intent before each request, then its
//     outcome (minted with the token's id, failed with the reason, or unknown).
//
// A minted token is written to the output before its outcome to the journal, so a crash in
// between leaves the output ahead; on resume a user counts as done when either file says so.
//
// Resuming (calling Mint again with the same Files) skips users already done. A user with an
// intent and no certain outcome — the process died with the request in flight, the answer was
// lost, Clerk answered 5xx, or the request timed out — may hold a token that no file records:
// Mint does not send for that user again, but lists the user in Report.UnknownIDs, run after
// run, unless WithRetryUnknown. A user whose request Clerk certainly did not act on (a 4xx,
// a connection never made) is listed in Report.Failures and sent again on resume. Duplicate
// user ids in the input are minted once, for the first line. A token Clerk answers for another
// user than the one asked for is never written to the output (its link would sign the wrong
// person in): the user is listed unknown, and the journal names the token. A torn last line, as SIGKILL or a
// power cut can leave, is cut off when the file is opened; an unreadable line elsewhere, or a
// last line no crash could leave (a journal or output pointed at some other file), stops the run
// rather than let it guess or cut someone's data.
//
// # Cancellation
//
// Cancelling ctx stops new requests at once; the ones in flight run on (for up to a minute)
// so that their answers are recorded, and Mint returns ctx's error with the Report. Nothing
// more is needed to resume: the journal is consistent after a cancellation, and after a
// SIGKILL at any point. A SIGKILL leaves unknown only the users the workers held at that
// moment (at most WithConcurrency): those with a request in flight, and the few (at most 8)
// whose intent was recorded while they waited for their turn at the limiter. The limiter is
// waited on after the intent, right before sending, so that a slow fsync cannot bunch
// requests up past the server's limit.
//
// # Progress
//
// WithProgress receives a Progress (done, skipped, failed, unknown, remaining, 429s, rate)
// at the start, after each user, and at the end. The package prints and logs nothing.
//
// # Undo
//
// ReadMinted reads the token ids a run minted from its output or its journal; Revoke revokes
// them with the same pacing, keeping a journal of its own, so it resumes too. Tokens already
// accepted or revoked count as done (Progress.NotPending); so do tokens Clerk does not know
// (404), but a resume asks about those again: a key of another instance gets a 404 for every
// token. Users listed as unknown have no token id on record: their tokens, if any, expire on
// their own.
package bulk
