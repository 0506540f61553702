// Package bulk mints sign-in tokens for thousands of users at Clerk's rate limit, exactly
// once per user across crashes and re-runs, and revokes what a run minted.
//
//	c, _ := api.NewClient(key, api.WithRetryPolicy(bulk.ClientRetryPolicy()))
//	users, err := bulk.ReadInputs(file) // CSV with a user_id column, or JSON lines
//	st, err := bulk.OpenState("links.jsonl.state", bulk.Instance{SecretKey: api.NewSecret(key)})
//	defer st.Close()
//	report, err := bulk.Mint(ctx, c, users, st, bulk.WithLimiter(bulk.LimiterFor(key)))
//	n, err := st.Export("links.jsonl") // the links, with their credentials
//	// Later, to undo the run (the same state, the same instance):
//	report, err = bulk.Revoke(ctx, c, st, bulk.WithLimiter(bulk.LimiterFor(key)))
//
// # The state file
//
// A run keeps everything in one state file: a [bbolt] database (pure Go, one file, ACID
// transactions, a lock of its own), made with mode 0600. It records:
//
//   - the instance the run talks to: its base URL and a fingerprint of its key (HMAC-SHA256
//     under a random salt of the state's own; never the key);
//   - per user, the intent of each request, committed before the request is sent; then its
//     outcome: minted (with the token's id, URL, token and expiry: credentials), refused
//     (with Clerk's reason: nothing was minted), or unknown (a token may exist);
//   - per token, its revocation (revoked, not pending, not found, failed);
//   - a hash of each links file it exported.
//
// The intent and the outcome of one user are each one transaction, so a resume sees one or
// the other, never half: no token is ever recorded in one place and missing from another.
// Workers' transactions are grouped into one commit whenever they come together (group
// commit), so the state costs a run a small share of a core at Clerk's production rate
// (BenchmarkStatePerToken, BenchmarkMintAtTheRateLimit).
//
// The links file is an export of the state (State.Export): written whole to a temporary file
// beside it (0600), fsynced, and renamed into place, after every run and whenever asked. It
// holds credentials: send the links, then delete it; the state can export it again.
//
// # What is refused, and why
//
// Everything below is refused before anything is sent, and the file in question is left
// byte for byte as it was:
//
//   - A state or links file that is a symlink (opened with O_NOFOLLOW), not a regular file (a
//     pipe would block the run), owned by another user (a neighbour could plant an empty 0600
//     file to collect the credentials), or readable or writable by group or others (its
//     credentials may have been read: this package never tightens such a file in silence).
//     [ErrNotPrivate].
//   - A state in a directory another user could change (OpenState): one owned by a user
//     other than this one or root, or writable by others (or by a group other than this
//     user's own) without the sticky bit, or below such a directory. That user could delete or
//     rename the state between two runs, and the next run, finding none, would mint again
//     for everyone. [ErrNotPrivate].
//   - A state path holding anything but a state of this package: an empty file, a JSON
//     file, another program's bbolt database. [ErrNotState].
//   - A links path that exists and is not an export of this state as it stands (the output
//     of another run, a file of the operator's, an export edited by hand): Export never
//     truncates or appends to a file it did not write ([ErrForeignFile]). This is also what
//     a resume whose state was deleted runs into: the new state did not write the old links
//     file, so the run stops rather than mint again for users the lost state knew.
//   - A state held by another process: a create run, a revoke run, an export ([ErrInUse]).
//     Two runs on one state could mint twice; an undo during a create would race it.
//   - A state started against another instance: another base URL, another key (a
//     development key on a production run), the built-in fake against a real key or the
//     other way round ([ErrOtherInstance], naming both base URLs and both fingerprints). The
//     state's tokens exist on its instance only; with another key, a resume would skip users
//     who hold no token there and an undo would revoke nothing.
//
// # Exactly once
//
// Resuming (Mint again on the same state) skips users already minted. A user with an intent
// and no certain outcome (the process died with the request in flight, the answer was lost,
// the request timed out, Clerk or a gateway answered 5xx, or a 2xx could not be read: whatever
// [api.MayHaveActed] reports true for) may hold a token that the state does not record: Mint
// does not send for that user again, but lists the user in Report.UnknownIDs, run after run,
// unless WithRetryUnknown. A user whose request Clerk certainly did not act on (a 4xx) is
// listed in Report.Failures and sent again on resume. Duplicate user ids are minted once. A
// token Clerk answers for another user than the one asked for, with an id that is not an id,
// or with a token or URL over 16 KiB, is an invalid answer: recorded nowhere, the user
// unknown.
//
// # Rate and bounds
//
// Every request of a run waits its turn at one rate.Limiter (WithLimiter). NewLimiter turns
// a server limit (n requests per window) into a limiter that stays Headroom (3%) under it;
// LimiterFor picks Clerk's limit from a key: 1000 per 10 s for sk_live_, 100 per 10 s
// otherwise, which is also the default. At most WithConcurrency requests are in flight
// (at most MaxConcurrency, and never more workers than users to do).
//
// A 429 pauses the whole run, not one worker: no request starts until the answer's
// Retry-After (1 s if it names none, a minute at most) has passed, and the run's rate drops
// by 10% (to no less than a tenth of the start). The request is then sent again: a 429 says
// Clerk did nothing. 429s to requests sent before the pause began (the ones in flight when
// the window ran out) are that same 429: they may lengthen the pause, nothing more. After a
// pause one request goes first, and the others wait for its answer. After 10 answers 429 in
// a row (whichever users they were for, each to a request sent after the last pause began),
// or 2 minutes paused for 429s in all, the run stops with [ErrRateLimitedTooLong]; the users left
// are sent on resume. To see 429s at all, the client must not sleep on them itself: give it
// ClientRetryPolicy.
//
// ReadInputs bounds a line, and a CSV record however many lines it spans, to 1 MiB.
//
// # Cancellation
//
// Cancelling ctx stops new requests at once; the ones in flight run on (for up to a minute)
// so that their answers are recorded, and Mint returns ctx's error with the Report. Nothing
// more is needed to resume, after a cancellation or after a SIGKILL at any point: a SIGKILL
// leaves unknown only the users the workers held (at most WithConcurrency).
//
// # Undo
//
// Revoke revokes every token the state records as minted and not yet revoked, with the same
// worker loop as Mint (intent, limiter, request, outcome), recording each revocation; it
// resumes too. Tokens accepted or revoked already count as done (Progress.NotPending).
// Tokens Clerk does not know (404) are counted apart (Progress.NotFound) and asked again on
// resume: that is what a key of another instance gets for every token. When the state is
// lost, ReadMinted reads a links file (or a v0.1.0 output or journal) and State.AddMinted
// puts its tokens, ids only, into a new state to revoke from. Users listed as unknown have no
// token id on record: their tokens, if any, expire on their own.
//
// # Progress
//
// WithProgress receives a Progress (done, skipped, failed, unknown, not found, remaining,
// 429s, rate) at the start, after each user, and at the end. The package prints and logs
// nothing.
//
// # From v0.1.0
//
// v0.1.0 kept an output and a journal instead of a state, and recorded no instance. Such a
// run is not imported (its tokens may be on the built-in fake or on another instance than the
// key at hand, and an import would have to guess): a run whose links path is a v0.1.0 output
// is refused with what to do. Undo one with ReadMinted and AddMinted (signintoken bulk revoke
// --in OUTPUT); finish one with v0.1.0.
//
// [bbolt]: https://pkg.go.dev/go.etcd.io/bbolt
package bulk
