// Package clienttest is a fake of Clerk's sign-in-token API for tests: stateful like Clerk,
// and checked against the same openapi.yaml the client is generated from.
//
// Use it to test code that mints or revokes sign-in links without the live API:
//
//	func TestInviteSendsALink(t *testing.T) {
//		clerk := clienttest.NewServer(t, clienttest.WithUsers("user_2abc"))
//		inviter := NewInviter(clerk.Client()) // your code, given an *api.Client
//
//		if err := inviter.Invite(ctx, "user_2abc"); err != nil {
//			t.Fatal(err)
//		}
//		if toks := clerk.Tokens(); len(toks) != 1 || toks[0].Status != api.StatusPending {
//			t.Fatalf("tokens = %v", toks)
//		}
//	}
//
// # Behaviour
//
// Create answers a pending token with a fresh sit_… id, a unique JWT-shaped ticket and a
// sign-in URL pointing at the fake (following it signs the user in: the token becomes
// accepted). Revoke of a pending token answers it revoked; of any other token, 400
// sign_in_token_cannot_be_revoked_code; of an unknown id, 404 resource_not_found. WithUsers
// limits the users that exist. Accept plays the user signing in. Tokens lists the fake's own
// model of each token ([Token]), organization and expiry included, never its ticket or URL.
//
// The fake serves Clerk's API under /v1: [Server.URL] ends in /v1 (the base URL clerk-sdk-go
// and api.WithBaseURL take), [Server.Origin] does not (the CLERK_API_URL Clerk's JS SDKs take,
// adding /v1 themselves).
//
// # Contract checks
//
// The fake tells four kinds of event apart ([EventKind]), counts each ([Handler.Counts]) and
// sends every one to [OnEvent]:
//
//   - a violation: a request to one of the two operations, with the fake's key, that
//     openapi.yaml forbids. It is answered as Clerk would (422 form_param_missing or
//     form_param_value_invalid with meta.param_name; 422 request_body_invalid for a body that is
//     not a JSON object, over 64 KiB or shorter than its Content-Length (400 for a Revoke, which
//     declares no 422); 404 for a path with /v1 twice, with a message saying the base URL
//     already ends in /v1) and reported to the test with t.Errorf, unless it was expected
//     ([Handler.ExpectViolations]) or AllowContractViolations is given. Beyond the schema,
//     integers must be written as integers within int64 (1e3, 3.0 and 2^63 are
//     form_param_value_invalid) and an empty user_id is form_param_missing. Where openapi.yaml is
//     stricter than Clerk's published spec, spec/overlay.yaml says so, and why.
//   - an auth failure: a missing or malformed Authorization header (401
//     authorization_header_format_invalid) or any key but SecretKey (401 clerk_key_invalid).
//     Checked first, as Clerk does: nothing is recorded and no queued fault consumed. Counted,
//     never reported: a test of the bad-key path is a normal negative test.
//   - an unknown route: any path and method that are none of the fake's (404
//     resource_not_found). Counted, never reported.
//   - a fake error: an answer of the fake's own that fails its check against openapi.yaml.
//     Always reported, AllowContractViolations or not.
//
// Reports say where and why, and never quote a key, a token or a URL.
//
// ContractTransport does the same checks on any exchange, so a CI job can run a team's tests
// against a real Clerk development instance and learn when the live API drifts from the spec.
//
// # Faults and rate limits
//
// FailNext answers the next requests with an error, unprocessed (a 429 with Retry-After, a
// 503). LoseNext processes them and then answers an error status instead of the result, and
// DropNext processes them and then drops the connection: the cases in which a careless client
// mints a token twice. WithLatency and SetLatency slow every API response. WithRateLimit
// emulates Clerk's per-instance rate limit: past n authenticated requests in a window, 429
// too_many_requests with a Retry-After that is enough to wait. [Handler.Reset] starts the next
// test afresh, and says what it keeps.
//
// # Control API
//
// The same model is served over HTTP under /__clienttest/ on the fake's own listener, for
// tests in any language (see the signintoken fake command, and docs/fake-in-ci.md): tokens,
// requests and violations to read, expected violations to declare, faults to queue, a token to
// accept, a reset, a health check. Its OpenAPI document, control.yaml in this directory
// ([ControlSpec], served at GET /__clienttest/openapi.yaml), is the one reference for its
// operations, bodies, statuses, authentication (the fake's key) and the names of its counts
// (those of [Counts]).
//
// # Memory
//
// A fake may serve a whole CI run, so what it keeps is bounded: only authenticated requests
// are recorded, after the key check and never before; requests and violations are kept in
// rings of the most recent [DefaultHistory] (see WithHistory), each request's body cut at
// 16 KiB and its headers at 8 KiB; an API request's body is read up to 64 KiB; and past
// [DefaultTokenLimit] tokens (see WithTokenLimit) the oldest revoked, accepted and expired ones
// are evicted. Pending tokens that can still be used are kept, as Clerk keeps them: about
// 180 bytes each (BenchmarkHeapAfter100kCreates: 17 MiB of heap after 100,000 pending
// Creates, 3 MiB when they are revoked).
//
// The contract is parsed once per process. A Server is safe for concurrent use, under
// t.Parallel and from many goroutines.
package clienttest
